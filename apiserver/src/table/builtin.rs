//! kube's internal printers for the built-in kinds rdd serves (from
//! pkg/printers/internalversion): the columns `kubectl get` shows for
//! namespaces, configmaps, secrets, events, leases and CRDs. The server
//! always prints the wide form; kubectl hides priority-1 columns unless
//! `-o wide`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{CREATION_TIMESTAMP_DESCRIPTION, NAME_DESCRIPTION, age, column, str_at};
use crate::registry::{Behaviour, ResourceInfo};

pub fn columns(info: &ResourceInfo) -> Vec<Value> {
    let name = column("Name", "string", "name", NAME_DESCRIPTION, 0);
    let age_column = column("Age", "string", "", CREATION_TIMESTAMP_DESCRIPTION, 0);
    match (info.behaviour, info.resource.as_str()) {
        (Behaviour::Namespace, _) => {
            vec![name, column("Status", "string", "", "The status of the namespace", 0), age_column]
        }
        (Behaviour::CoreEvent | Behaviour::EventsV1Event, _) => vec![
            column(
                "Last Seen",
                "string",
                "",
                "The time at which the most recent occurrence of this event was recorded.",
                0,
            ),
            column(
                "Type",
                "string",
                "",
                "Type of this event (Normal, Warning), new types could be added in the future",
                0,
            ),
            column(
                "Reason",
                "string",
                "",
                "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
                0,
            ),
            column("Object", "string", "", "The object that this event is about.", 0),
            column(
                "Subobject",
                "string",
                "",
                "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
                1,
            ),
            column(
                "Source",
                "string",
                "",
                "The component reporting this event. Should be a short machine understandable string.",
                1,
            ),
            column("Message", "string", "", "A human-readable description of the status of this operation.", 0),
            column(
                "First Seen",
                "string",
                "",
                "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
                1,
            ),
            column("Count", "string", "", "The number of times this event has occurred.", 1),
            column("Name", "string", "name", NAME_DESCRIPTION, 1),
        ],
        (Behaviour::CustomResourceDefinition, _) => {
            vec![name, column("Created At", "date", "", CREATION_TIMESTAMP_DESCRIPTION, 0)]
        }
        (_, "configmaps") => vec![
            name,
            column(
                "Data",
                "string",
                "",
                "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
                0,
            ),
            age_column,
        ],
        (_, "secrets") => vec![
            name,
            column(
                "Type",
                "string",
                "",
                "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
                0,
            ),
            column(
                "Data",
                "string",
                "",
                "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
                0,
            ),
            age_column,
        ],
        (_, "leases") => vec![
            name,
            column(
                "Holder",
                "string",
                "",
                "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
                0,
            ),
            age_column,
        ],
        _ => vec![name, age_column],
    }
}

fn count(object: &Value, field: &str) -> i64 {
    object.get(field).and_then(Value::as_object).map_or(0, |m| m.len() as i64)
}

pub fn cells(info: &ResourceInfo, object: &Value, now: Timestamp) -> Vec<Value> {
    let name = json!(str_at(object, "/metadata/name"));
    let created = object.pointer("/metadata/creationTimestamp").and_then(Value::as_str);
    let age_cell = json!(age(created, now));
    match (info.behaviour, info.resource.as_str()) {
        (Behaviour::Namespace, _) => vec![name, json!(str_at(object, "/status/phase")), age_cell],
        (Behaviour::CoreEvent, _) => event_cells(object, now),
        (Behaviour::EventsV1Event, _) => event_cells(&crate::events::to_core(object), now),
        (Behaviour::CustomResourceDefinition, _) => {
            let created_at = created
                .and_then(|t| t.parse::<Timestamp>().ok())
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            vec![name, json!(created_at)]
        }
        (_, "configmaps") => vec![name, json!(count(object, "data") + count(object, "binaryData")), age_cell],
        (_, "secrets") => vec![name, json!(str_at(object, "/type")), json!(count(object, "data")), age_cell],
        (_, "leases") => vec![name, json!(str_at(object, "/spec/holderIdentity")), age_cell],
        _ => vec![name, age_cell],
    }
}

/// `printEvent` for a core/v1 Event.
fn event_cells(event: &Value, now: Timestamp) -> Vec<Value> {
    let timestamp = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty());
    let first_seen = match timestamp("/firstTimestamp") {
        Some(t) => age(Some(t), now),
        None => age(timestamp("/eventTime"), now),
    };
    let mut last_seen = match timestamp("/lastTimestamp") {
        Some(t) => age(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = event.get("count").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = event.get("series").filter(|s| s.is_object()) {
        last_seen = age(series.get("lastObservedTime").and_then(Value::as_str), now);
        count = series.get("count").and_then(Value::as_i64).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let kind = str_at(event, "/involvedObject/kind").to_lowercase();
    let target = match str_at(event, "/involvedObject/name") {
        "" => kind,
        name => format!("{kind}/{name}"),
    };
    let first_non_empty = |a: &str, b: &str| if a.is_empty() { b.to_owned() } else { a.to_owned() };
    let component = first_non_empty(str_at(event, "/source/component"), str_at(event, "/reportingComponent"));
    let instance = first_non_empty(str_at(event, "/source/host"), str_at(event, "/reportingInstance"));
    let source = if instance.is_empty() { component } else { format!("{component}, {instance}") };
    vec![
        json!(last_seen),
        json!(str_at(event, "/type")),
        json!(str_at(event, "/reason")),
        json!(target),
        json!(str_at(event, "/involvedObject/fieldPath")),
        json!(source),
        json!(str_at(event, "/message").trim()),
        json!(first_seen),
        json!(count),
        json!(str_at(event, "/metadata/name")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn now() -> Timestamp {
        "2026-01-01T00:10:00Z".parse().unwrap()
    }

    #[test]
    fn configmap_cells_count_data_and_binary_data() {
        let snapshot = Registry::new().snapshot();
        let info = snapshot.lookup("", "v1", "configmaps").unwrap();
        let cm = json!({"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": ""}});
        assert_eq!(cells(info, &cm, now()), vec![json!("x"), json!(3), json!("10m")]);
        assert_eq!(columns(info).len(), 3);
    }

    #[test]
    fn event_cells_follow_print_event() {
        let snapshot = Registry::new().snapshot();
        let info = snapshot.lookup("", "v1", "events").unwrap();
        let event = json!({
            "metadata": {"name": "e1"},
            "involvedObject": {"kind": "Image", "name": "img-1"},
            "reason": "DeleteFailed", "type": "Warning", "message": " in use \n",
            "firstTimestamp": "2026-01-01T00:09:00Z",
            "source": {"component": "rdd-engine"}
        });
        let row = cells(info, &event, now());
        assert_eq!(row[0], "60s");
        assert_eq!(row[3], "image/img-1");
        assert_eq!(row[5], "rdd-engine");
        assert_eq!(row[6], "in use");
        assert_eq!(row[8], 1);
    }

    #[test]
    fn crd_created_at_is_rfc3339() {
        let snapshot = Registry::new().snapshot();
        let info = snapshot.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions").unwrap();
        let crd = json!({"metadata": {"name": "a.b", "creationTimestamp": "2026-01-01T00:00:00Z"}});
        assert_eq!(cells(info, &crd, now()), vec![json!("a.b"), json!("2026-01-01T00:00:00Z")]);
    }
}
