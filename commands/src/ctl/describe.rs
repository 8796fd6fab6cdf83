//! `rdd ctl describe`: kubectl 1.33's describe for every kind rdd serves.
//! ConfigMap, Secret and Namespace have kubectl's own describers; every
//! other kind (rdd's CRDs, CRDs themselves, Events, Leases, the App) goes
//! through kubectl's generic describer: name, namespace, labels,
//! annotations, then every field of the object and the events whose
//! involvedObject is the object. Objects are separated by a blank line,
//! missing names are reported after the output, and a single missing name
//! falls back to describing the objects whose names start with it.

use kube::Client;
use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::encode;
use super::client::{CtlError, get_json};
use super::describe_text::{self as text, PrefixWriter};
use super::discovery::{Discovery, resource_path};
use super::lookup::{Grouping, Picking, requests, selector_params, split_types, with_query};
use super::reporting::{report, write_stdout};

/// The flags of `describe` served natively.
#[derive(Debug, Clone, Default)]
pub struct DescribeOptions {
    pub args: Vec<String>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub selector: Option<String>,
    pub show_events: bool,
}

/// Kinds with a describer of their own in kubectl (the rest are generic).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Describer {
    ConfigMap,
    Secret,
    Namespace,
    Generic,
}

fn describer_for(r: &ApiResource) -> Describer {
    match (r.group.as_str(), r.kind.as_str()) {
        ("", "ConfigMap") => Describer::ConfigMap,
        ("", "Secret") => Describer::Secret,
        ("", "Namespace") => Describer::Namespace,
        _ => Describer::Generic,
    }
}

/// The events kubectl's searchEvents finds for an object: same kind, uid,
/// name and namespace in `involvedObject`, listed in the object's namespace.
async fn search_events(client: &Client, object: &Value) -> Vec<Value> {
    let field = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    let (kind, uid, name, namespace) =
        (field("/kind"), field("/metadata/uid"), field("/metadata/name"), field("/metadata/namespace"));
    let mut selector = Vec::new();
    if !kind.is_empty() {
        selector.push(format!("involvedObject.kind={kind}"));
    }
    if !uid.is_empty() {
        selector.push(format!("involvedObject.uid={uid}"));
    }
    selector.push(format!("involvedObject.name={name}"));
    selector.push(format!("involvedObject.namespace={namespace}"));
    let base = if namespace.is_empty() {
        "/api/v1/events".to_owned()
    } else {
        format!("/api/v1/namespaces/{namespace}/events")
    };
    let path = format!("{base}?fieldSelector={}", encode(&selector.join(",")));
    // kubectl ignores a failed search and prints `Events: <none>`.
    match get_json(client, &path).await {
        Ok(list) => list.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
        Err(err) => {
            tracing::debug!(kind, namespace, name, error = %err.text, "listing events failed");
            Vec::new()
        }
    }
}

fn str_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn header(w: &mut PrefixWriter, object: &Value, with_namespace: bool) {
    w.write(0, &format!("Name:\t{}\n", str_at(object, "/metadata/name")));
    if with_namespace {
        w.write(0, &format!("Namespace:\t{}\n", str_at(object, "/metadata/namespace")));
    }
    text::labels(w, "Labels", object.pointer("/metadata/labels"));
    text::annotations(w, "Annotations", object.pointer("/metadata/annotations"));
}

fn sorted_keys(object: &Value, field: &str) -> Vec<(String, Value)> {
    let mut entries: Vec<(String, Value)> = object
        .get(field)
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// Decoded length of a base64 value of `data`/`binaryData`.
fn decoded_len(value: &Value) -> usize {
    let text = value.as_str().unwrap_or_default().trim_end_matches('=');
    text.len() * 3 / 4
}

/// One object's description; `events` are used only by describers that show them.
pub fn describe_object(object: &Value, kind: Describer, events: Option<&[Value]>, now: jiff::Timestamp) -> String {
    let mut w = PrefixWriter::new();
    match kind {
        Describer::ConfigMap => {
            header(&mut w, object, true);
            w.write(0, "\nData\n====\n");
            // kubectl walks a Go map here (random order); sorted keys are one of its orders.
            for (key, value) in sorted_keys(object, "data") {
                w.write(0, &format!("{key}:\n----\n"));
                w.write(0, &format!("{}\n", value.as_str().unwrap_or_default()));
                w.write(0, "\n");
            }
            w.write(0, "\nBinaryData\n====\n");
            for (key, value) in sorted_keys(object, "binaryData") {
                w.write(0, &format!("{key}: {} bytes\n", decoded_len(&value)));
            }
            w.write(0, "\n");
            if let Some(events) = events {
                text::events(&mut w, events, now);
            }
        }
        Describer::Secret => {
            header(&mut w, object, true);
            let secret_type = str_at(object, "/type");
            w.write(0, &format!("\nType:\t{secret_type}\n"));
            w.write(0, "\nData\n====\n");
            for (key, value) in sorted_keys(object, "data") {
                if key == "token" && secret_type == "kubernetes.io/service-account-token" {
                    let token = decode_base64(value.as_str().unwrap_or_default());
                    w.write(0, &format!("{key}:\t{}\n", String::from_utf8_lossy(&token)));
                } else {
                    w.write(0, &format!("{key}:\t{} bytes\n", decoded_len(&value)));
                }
            }
        }
        Describer::Namespace => {
            header(&mut w, object, false);
            w.write(0, &format!("Status:\t{}\n", str_at(object, "/status/phase")));
            let conditions = object.pointer("/status/conditions").and_then(Value::as_array);
            if let Some(conditions) = conditions.filter(|c| !c.is_empty()) {
                w.write(0, "Conditions:\n");
                w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
                w.write(1, "----\t------\t------------------\t------\t-------\n");
                for c in conditions {
                    w.write(
                        1,
                        &format!(
                            "{}\t{}\t{}\t{}\t{}\n",
                            str_at(c, "/type"),
                            str_at(c, "/status"),
                            rfc1123z(str_at(c, "/lastTransitionTime")),
                            str_at(c, "/reason"),
                            str_at(c, "/message")
                        ),
                    );
                }
            }
            // rdd serves neither resourcequotas nor limitranges; kubectl,
            // told so by a 404, prints no section for them either.
        }
        Describer::Generic => {
            header(&mut w, object, true);
            if let Some(content) = object.as_object() {
                let skip = [
                    ".metadata.managedFields",
                    ".metadata.name",
                    ".metadata.namespace",
                    ".metadata.labels",
                    ".metadata.annotations",
                ];
                text::unstructured(&mut w, 0, content, "", &skip);
            }
            if let Some(events) = events {
                text::events(&mut w, events, now);
            }
        }
    }
    w.finish()
}

/// Go's time.RFC1123Z in the local zone, as metav1.Time prints.
fn rfc1123z(time: &str) -> String {
    let Ok(timestamp) = time.parse::<jiff::Timestamp>() else {
        // A zero metav1.Time formats as Go's zero time.
        return "Mon, 01 Jan 0001 00:00:00 +0000".to_owned();
    };
    let zoned = timestamp.to_zoned(jiff::tz::TimeZone::system());
    zoned.strftime("%a, %d %b %Y %H:%M:%S %z").to_string()
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let Some(value) = ALPHABET.iter().position(|&c| c == byte) else { continue };
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

const MISSING_TYPE: &str = "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.";

fn with_kind(mut item: Value, r: &ApiResource) -> Value {
    if let Some(object) = item.as_object_mut() {
        object.entry("apiVersion").or_insert_with(|| Value::String(r.group_version.clone()));
        object.entry("kind").or_insert_with(|| Value::String(r.kind.clone()));
    }
    item
}

async fn list(
    client: &Client,
    r: &ApiResource,
    namespace: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<Value>, CtlError> {
    let path = with_query(resource_path(r, namespace, None), &selector_params(selector, None));
    let list = get_json(client, &path).await?;
    let items = list.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(items.into_iter().map(|item| with_kind(item, r)).collect())
}

/// Describes one object, fetching its events when its describer shows them.
async fn describe_one(client: &Client, r: &ApiResource, object: &Value, options: &DescribeOptions) -> String {
    let kind = describer_for(r);
    let wants_events = options.show_events && matches!(kind, Describer::ConfigMap | Describer::Generic);
    let events = if wants_events { Some(search_events(client, object).await) } else { None };
    describe_object(object, kind, events.as_deref(), jiff::Timestamp::now())
}

/// Runs `describe`: descriptions on stdout, errors after them.
pub async fn describe(client: &Client, discovery: &Discovery, options: &DescribeOptions) -> Result<(), CtlError> {
    if options.args.is_empty() {
        return Err(CtlError::message(MISSING_TYPE));
    }
    let picking = Picking::by_flags(options.selector.as_deref(), None, true);
    let requests = requests(discovery, &options.args, Grouping::PerArgument, picking)?;
    let namespace = (!options.all_namespaces).then_some(options.namespace.as_str());
    let mut objects: Vec<(&ApiResource, Value)> = Vec::new();
    let mut errors: Vec<CtlError> = Vec::new();
    for request in &requests {
        let r = request.resource;
        if request.names.is_empty() {
            for item in list(client, r, namespace, options.selector.as_deref()).await? {
                objects.push((r, item));
            }
            continue;
        }
        if options.all_namespaces {
            return Err(super::lookup::names_across_namespaces());
        }
        for name in &request.names {
            match super::lookup::get_named(client, r, &options.namespace, name).await {
                Ok(object) => objects.push((r, with_kind(object, r))),
                Err(err) => errors.push(err),
            }
        }
    }
    // kubectl's DescribeMatchingResources: with two arguments and one
    // NotFound, it describes the objects of the first argument whose names
    // start with the second, reading the first as one resource type
    // (SingleResourceType).
    if options.args.len() == 2 && errors.len() == 1 && errors[0].is_not_found() {
        if split_types(&options.args[0]).len() > 1 {
            return Err(CtlError::message("you may only specify a single resource type"));
        }
        let r = requests[0].resource;
        let prefix = &options.args[1];
        let mut out = String::new();
        for item in list(client, r, Some(&options.namespace), None).await? {
            if str_at(&item, "/metadata/name").starts_with(prefix.as_str()) {
                out.push_str(&describe_one(client, r, &item, options).await);
                out.push('\n');
            }
        }
        if out.is_empty() {
            return Err(errors.remove(0));
        }
        write_stdout(&out)?;
        return Ok(());
    }
    let mut first = true;
    for (r, object) in &objects {
        let text = describe_one(client, r, object, options).await;
        let text = if first { text } else { format!("\n\n{text}") };
        first = false;
        if write_stdout(&text)? == super::reporting::Written::Closed {
            return Ok(());
        }
    }
    if objects.is_empty() && errors.is_empty() {
        if options.all_namespaces {
            eprintln!("No resources found");
        } else {
            eprintln!("No resources found in {} namespace.", options.namespace);
        }
    }
    report(errors)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn configmap_lists_data_and_binary_data() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "one", "namespace": "default", "labels": {"a": "b"}},
            "data": {"x": "1"}, "binaryData": {"bin": "AAEC"}});
        let text = describe_object(&cm, Describer::ConfigMap, Some(&[]), jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            text,
            "Name:         one\nNamespace:    default\nLabels:       a=b\nAnnotations:  <none>\n\nData\n====\nx:\n----\n1\n\n\nBinaryData\n====\nbin: 3 bytes\n\nEvents:  <none>\n"
        );
    }

    #[test]
    fn secret_counts_bytes_and_namespace_shows_phase() {
        let secret = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "Opaque",
            "data": {"pw": "c2VjcmV0MTIz", "user": "YWRtaW4="}});
        let text = describe_object(&secret, Describer::Secret, None, jiff::Timestamp::UNIX_EPOCH);
        assert!(text.ends_with("\nType:  Opaque\n\nData\n====\npw:    9 bytes\nuser:  5 bytes\n"), "{text}");
        let ns = json!({"metadata": {"name": "default"}, "status": {"phase": "Active"}});
        let text = describe_object(&ns, Describer::Namespace, None, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(text, "Name:         default\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Active\n");
        assert_eq!(decode_base64("YWRtaW4="), b"admin");
    }
}
