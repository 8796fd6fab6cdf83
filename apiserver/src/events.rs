//! core/v1 and events.k8s.io/v1 Events are the same stored objects, as in
//! kube: rdd stores the core/v1 form and converts on the way in and out of
//! the events.k8s.io/v1 endpoints (the form kube-runtime's `Recorder`
//! writes). Field mapping follows kube's conversion functions.

use serde_json::{Map, Value, json};

fn moved(from: &Value, from_key: &str, to: &mut Map<String, Value>, to_key: &str) {
    if let Some(v) = from.get(from_key).filter(|v| !v.is_null()) {
        to.insert(to_key.to_owned(), v.clone());
    }
}

/// events.k8s.io/v1 → core/v1.
pub fn to_core(event: &Value) -> Value {
    let mut core = Map::new();
    core.insert("apiVersion".into(), json!("v1"));
    core.insert("kind".into(), json!("Event"));
    moved(event, "metadata", &mut core, "metadata");
    moved(event, "regarding", &mut core, "involvedObject");
    moved(event, "note", &mut core, "message");
    moved(event, "reason", &mut core, "reason");
    moved(event, "type", &mut core, "type");
    moved(event, "eventTime", &mut core, "eventTime");
    moved(event, "series", &mut core, "series");
    moved(event, "action", &mut core, "action");
    moved(event, "related", &mut core, "related");
    moved(event, "reportingController", &mut core, "reportingComponent");
    moved(event, "reportingInstance", &mut core, "reportingInstance");
    moved(event, "deprecatedSource", &mut core, "source");
    moved(event, "deprecatedFirstTimestamp", &mut core, "firstTimestamp");
    moved(event, "deprecatedLastTimestamp", &mut core, "lastTimestamp");
    moved(event, "deprecatedCount", &mut core, "count");
    if let Some(series) = core.get_mut("series").and_then(Value::as_object_mut) {
        series.remove("state");
    }
    Value::Object(core)
}

/// core/v1 → events.k8s.io/v1.
pub fn from_core(event: &Value) -> Value {
    let mut v1 = Map::new();
    v1.insert("apiVersion".into(), json!("events.k8s.io/v1"));
    v1.insert("kind".into(), json!("Event"));
    moved(event, "metadata", &mut v1, "metadata");
    moved(event, "involvedObject", &mut v1, "regarding");
    moved(event, "message", &mut v1, "note");
    moved(event, "reason", &mut v1, "reason");
    moved(event, "type", &mut v1, "type");
    moved(event, "eventTime", &mut v1, "eventTime");
    moved(event, "series", &mut v1, "series");
    moved(event, "action", &mut v1, "action");
    moved(event, "related", &mut v1, "related");
    moved(event, "reportingComponent", &mut v1, "reportingController");
    moved(event, "reportingInstance", &mut v1, "reportingInstance");
    moved(event, "source", &mut v1, "deprecatedSource");
    moved(event, "firstTimestamp", &mut v1, "deprecatedFirstTimestamp");
    moved(event, "lastTimestamp", &mut v1, "deprecatedLastTimestamp");
    moved(event, "count", &mut v1, "deprecatedCount");
    Value::Object(v1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_field() {
        let v1 = json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "rd"},
            "regarding": {"kind": "Image", "name": "img-1"},
            "note": "in use", "reason": "DeleteFailed", "type": "Warning",
            "eventTime": "2026-01-01T00:00:00.000000Z", "action": "Delete",
            "reportingController": "rdd", "reportingInstance": "rdd-2",
            "series": {"count": 2, "lastObservedTime": "2026-01-01T00:00:01.000000Z"}
        });
        let core = to_core(&v1);
        assert_eq!(core["involvedObject"]["name"], "img-1");
        assert_eq!(core["message"], "in use");
        assert_eq!(core["reportingComponent"], "rdd");
        assert_eq!(from_core(&core), v1);
    }
}
