//! `rdd ctl create`: `-f FILE|-` (every object POSTed as read, namespace
//! filled in, `kind/name created`), and the generators kubectl builds as
//! Go structs — `namespace`, `configmap --from-literal`, `secret generic
//! --from-literal` — which print through [`TypedObject`] as kubectl does,
//! with their own error wording (`failed to create configmap: ...`).

use http::Method;
use kube::Client;
use serde_json::{Map, Value, json};

use super::client::CtlError;
use super::discovery::Discovery;
use super::manifest::{map_manifest, read_manifests};
use super::mutate::{DryRun, Printer, create_object, print_object, report, send, write_out, write_query};
use super::{TypedObject, name_lines, to_yaml};

/// The flags of `create -f`.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub files: Vec<String>,
    pub namespace: String,
    /// Whether `-n` was given (objects of another namespace are then refused).
    pub enforce_namespace: bool,
    pub dry_run: DryRun,
    pub output: Option<String>,
}

/// Runs `create -f`.
pub async fn create_from_files(
    client: &Client,
    discovery: &Discovery,
    options: &CreateOptions,
) -> Result<(), CtlError> {
    let manifests = read_manifests(&options.files)?;
    let mut errors = Vec::new();
    let mut printer = Printer::new(options.output.as_deref());
    for mut manifest in manifests {
        let mapped = match map_manifest(discovery, &mut manifest, &options.namespace, options.enforce_namespace) {
            Ok(mapped) => mapped,
            Err(err) => {
                errors.push(err);
                continue;
            }
        };
        let object = manifest.object.clone();
        match create_object(client, options.dry_run, &mapped.collection, "kubectl-create", object, &manifest.source)
            .await
        {
            Ok(created) => printer.print(&created, &options.dry_run.decorate("created"))?,
            Err(err) => errors.push(err),
        }
    }
    report(errors)
}

/// Which generator `create` runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Generated {
    Namespace,
    ConfigMap { literals: Vec<String> },
    Secret { literals: Vec<String>, secret_type: Option<String> },
}

/// The flags of `create namespace|configmap|secret generic NAME`.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub what: Generated,
    pub names: Vec<String>,
    pub namespace: String,
    pub enforce_namespace: bool,
    pub dry_run: DryRun,
    pub output: Option<String>,
}

/// kubectl's ParseLiteralSource: `key=value`, split at the first `=`.
pub fn parse_literal(source: &str) -> Result<(String, String), CtlError> {
    match source.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(CtlError::message(format!("invalid literal source {source}, expected key=value"))),
    }
}

/// Standard base64 with padding, as Go marshals `[]byte`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The object a generator builds, as kubectl's struct holds it before sending.
pub fn generate(options: &GenerateOptions) -> Result<Value, CtlError> {
    let (command, kind) = match options.what {
        Generated::Namespace => ("namespace", "Namespace"),
        Generated::ConfigMap { .. } => ("configmap", "ConfigMap"),
        Generated::Secret { .. } => ("secret generic", "Secret"),
    };
    let [name] = options.names.as_slice() else {
        return Err(CtlError::message(format!(
            "exactly one NAME is required, got {}\nSee 'kubectl create {command} -h' for help and examples",
            options.names.len()
        )));
    };
    let mut metadata = Map::new();
    metadata.insert("name".to_owned(), json!(name));
    if options.enforce_namespace && options.what != Generated::Namespace {
        metadata.insert("namespace".to_owned(), json!(options.namespace));
    }
    let mut object = json!({"kind": kind, "apiVersion": "v1", "metadata": metadata});
    match &options.what {
        Generated::Namespace => {}
        Generated::ConfigMap { literals } => {
            let mut data = Map::new();
            for literal in literals {
                let (key, value) = parse_literal(literal)?;
                if data.contains_key(&key) {
                    return Err(CtlError::message(format!(
                        "cannot add key \"{key}\", another key by that name already exists in Data for ConfigMap \"{name}\""
                    )));
                }
                data.insert(key, json!(value));
            }
            if !data.is_empty() {
                object["data"] = Value::Object(data);
            }
        }
        Generated::Secret { literals, secret_type } => {
            let mut data = Map::new();
            for literal in literals {
                let (key, value) = parse_literal(literal)?;
                if data.contains_key(&key) {
                    return Err(CtlError::message(format!(
                        "cannot add key {key}, another key by that name already exists in Data for Secret \"{name}\""
                    )));
                }
                data.insert(key, json!(base64(value.as_bytes())));
            }
            if !data.is_empty() {
                object["data"] = Value::Object(data);
            }
            if let Some(secret_type) = secret_type.as_deref().filter(|t| !t.is_empty()) {
                object["type"] = json!(secret_type);
            }
        }
    }
    Ok(object)
}

/// Prints a typed object the way kubectl's printers print a Go struct.
pub fn print_typed(object: &Value, output: Option<&str>, operation: &str) -> Result<String, CtlError> {
    let typed = TypedObject::from_value(object, false);
    let print_error = |err: super::PrintError| CtlError::message(err.to_string());
    match (output, typed) {
        (None | Some(""), _) => name_lines(object, Some(operation)).map_err(print_error),
        (Some("name"), _) => name_lines(object, None).map_err(print_error),
        (Some("json"), Some(typed)) => Ok(typed.to_json()),
        (Some("yaml"), Some(typed)) => Ok(to_yaml(&typed.to_value())),
        (Some(other), Some(typed)) => super::get::print_generic(typed.to_value(), other, false),
        (Some(_), None) => print_object(object, output, operation),
    }
}

/// Runs `create namespace|configmap|secret generic`.
pub async fn create_generated(
    client: &Client,
    discovery: &Discovery,
    options: &GenerateOptions,
) -> Result<(), CtlError> {
    let object = generate(options)?;
    let created = if options.dry_run == DryRun::Client {
        object
    } else {
        let resource = discovery.resolve(match options.what {
            Generated::Namespace => "namespaces",
            Generated::ConfigMap { .. } => "configmaps",
            Generated::Secret { .. } => "secrets",
        })?;
        let namespace = resource.namespaced.then_some(options.namespace.as_str());
        let path = super::discovery::resource_path(resource, namespace, None)
            + &write_query(options.dry_run, Some("kubectl-create"), true);
        let body = serde_json::to_vec(&object).unwrap_or_default();
        match send(client, Method::POST, &path, "application/json", body).await {
            Ok(created) => created,
            Err(err) => {
                let message = err.text.split_once("): ").map(|(_, m)| m.to_owned());
                return Err(match (&options.what, message) {
                    (Generated::ConfigMap { .. }, Some(m)) => {
                        CtlError { text: format!("error: failed to create configmap: {m}"), status: err.status }
                    }
                    (Generated::Secret { .. }, Some(m)) => {
                        CtlError { text: format!("error: failed to create secret {m}"), status: err.status }
                    }
                    _ => err,
                });
            }
        }
    };
    write_out(&print_typed(&created, options.output.as_deref(), &options.dry_run.decorate("created"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(what: Generated, names: &[&str]) -> GenerateOptions {
        GenerateOptions {
            what,
            names: names.iter().map(|s| s.to_string()).collect(),
            namespace: "ns".into(),
            enforce_namespace: false,
            dry_run: DryRun::Client,
            output: None,
        }
    }

    #[test]
    fn generators_build_kubectl_objects() {
        let cm =
            generate(&options(Generated::ConfigMap { literals: vec!["a=1".into(), "b=x=y".into()] }, &["c"])).unwrap();
        assert_eq!(
            cm,
            json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"}, "data": {"a": "1", "b": "x=y"}})
        );
        let secret =
            generate(&options(Generated::Secret { literals: vec!["p=secret".into()], secret_type: None }, &["s"]))
                .unwrap();
        assert_eq!(secret["data"]["p"], "c2VjcmV0");
        let mut ns = options(Generated::Namespace, &["n"]);
        ns.enforce_namespace = true;
        assert_eq!(generate(&ns).unwrap(), json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "n"}}));
        let err = generate(&options(Generated::Namespace, &[])).unwrap_err();
        assert_eq!(
            err.text,
            "error: exactly one NAME is required, got 0\nSee 'kubectl create namespace -h' for help and examples"
        );
        let err = generate(&options(Generated::ConfigMap { literals: vec!["bad".into()] }, &["c"])).unwrap_err();
        assert_eq!(err.text, "error: invalid literal source bad, expected key=value");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"s"), "cw==");
        assert_eq!(base64(b"se"), "c2U=");
        assert_eq!(base64(b"secret"), "c2VjcmV0");
    }

    #[test]
    fn typed_output_matches_kubectl() {
        let ns = generate(&options(Generated::Namespace, &["n1"])).unwrap();
        assert_eq!(
            print_typed(&ns, Some("yaml"), "created").unwrap(),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: null\n  name: n1\nspec: {}\nstatus: {}\n"
        );
        assert_eq!(print_typed(&ns, None, "created (dry run)").unwrap(), "namespace/n1 created (dry run)\n");
        assert_eq!(print_typed(&ns, Some("name"), "created").unwrap(), "namespace/n1\n");
    }
}
