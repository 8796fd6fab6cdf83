//! Ownership, conflict and removal rules of server-side apply, on a
//! ConfigMap (built-in schema) and a small custom schema with a list-map.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::registry::Registry;

fn writer(manager: &str, time: &str) -> Writer {
    Writer { manager: manager.into(), api_version: "v1".into(), subresource: None, time: time.into() }
}

fn with_configmaps<T>(f: impl FnOnce(&Types<'_>) -> T) -> T {
    let registry = Registry::new();
    let snapshot = registry.snapshot();
    let info = snapshot.lookup("", "v1", "configmaps").unwrap();
    f(&Types::of(info))
}

fn cm(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}, "data": data})
}

fn managers(object: &Value) -> Vec<(String, String, Value)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap().to_owned(),
                        e["operation"].as_str().unwrap().to_owned(),
                        e["fieldsV1"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn create_records_an_update_entry_like_kubectl_create() {
    with_configmaps(|types| {
        let mut object = cm(json!({"a": "1"}));
        object["metadata"]["labels"] = json!({"app": "web"});
        record_update(types, None, &mut object, &writer("kubectl-create", "t1"));
        assert_eq!(
            managers(&object),
            vec![(
                "kubectl-create".into(),
                "Update".into(),
                json!({"f:data": {".": {}, "f:a": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}})
            )]
        );
        assert_eq!(object["metadata"]["managedFields"][0]["time"], "t1");
        assert_eq!(object["metadata"]["managedFields"][0]["apiVersion"], "v1");
    });
}

#[test]
fn apply_creates_owns_and_reapplies_without_change() {
    with_configmaps(|types| {
        let config = cm(json!({"a": "1"}));
        let created = apply(types, None, &config, &writer("mgr", "t1"), false).unwrap();
        assert_eq!(created["data"], json!({"a": "1"}));
        assert_eq!(managers(&created), vec![("mgr".into(), "Apply".into(), json!({"f:data": {"f:a": {}}}))]);
        let again = apply(types, Some(&created), &config, &writer("mgr", "t2"), false).unwrap();
        assert_eq!(again, created, "an unchanged re-apply changes nothing, not even the time");
    });
}

#[test]
fn conflicts_name_the_owner_and_force_takes_over() {
    with_configmaps(|types| {
        let mut live = cm(json!({"a": "1", "b": "2"}));
        record_update(types, None, &mut live, &writer("kubectl-client-side-apply", "t1"));
        let config = cm(json!({"a": "changed"}));
        let err = apply(types, Some(&live), &config, &writer("mgr", "t2"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a"#
        );
        let two = cm(json!({"a": "x", "b": "y"}));
        let err = apply(types, Some(&live), &two, &writer("mgr", "t2"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using v1:\n- .data.a\n- .data.b"
        );
        // Same value: no conflict, shared ownership.
        let same = apply(types, Some(&live), &cm(json!({"a": "1"})), &writer("mgr", "t2"), false).unwrap();
        let owners = managers(&same);
        assert_eq!(owners[0], ("mgr".into(), "Apply".into(), json!({"f:data": {"f:a": {}}})));
        assert_eq!(owners[1].2, json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}}));
        // Forced: the field changes hands.
        let forced = apply(types, Some(&live), &config, &writer("mgr", "t2"), true).unwrap();
        assert_eq!(forced["data"]["a"], "changed");
        let owners = managers(&forced);
        assert_eq!(owners[0], ("mgr".into(), "Apply".into(), json!({"f:data": {"f:a": {}}})));
        assert_eq!(owners[1].2, json!({"f:data": {".": {}, "f:b": {}}}));
    });
}

#[test]
fn fields_no_longer_applied_go_unless_someone_else_owns_them() {
    with_configmaps(|types| {
        let first = apply(types, None, &cm(json!({"a": "1", "b": "2"})), &writer("one", "t1"), false).unwrap();
        let shared = apply(types, Some(&first), &cm(json!({"b": "2"})), &writer("two", "t2"), false).unwrap();
        let mut nothing = cm(json!({}));
        nothing.as_object_mut().unwrap().remove("data");
        let dropped = apply(types, Some(&shared), &nothing, &writer("one", "t3"), false).unwrap();
        assert_eq!(dropped["data"], json!({"b": "2"}), "a goes, b stays because two owns it");
        let owners = managers(&dropped);
        assert_eq!(owners, vec![("two".into(), "Apply".into(), json!({"f:data": {"f:b": {}}}))]);
    });
}

#[test]
fn objects_without_ownership_start_with_before_first_apply() {
    with_configmaps(|types| {
        let live = cm(json!({"a": "1"}));
        let err = apply(types, Some(&live), &cm(json!({"a": "2"})), &writer("mgr", "t1"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a"#
        );
    });
}

#[test]
fn updates_take_fields_from_appliers() {
    with_configmaps(|types| {
        let applied = apply(types, None, &cm(json!({"a": "1"})), &writer("mgr", "t1"), false).unwrap();
        let mut edited = applied.clone();
        edited["data"]["a"] = json!("2");
        record_update(types, Some(&applied), &mut edited, &writer("kubectl-edit", "t2"));
        assert_eq!(managers(&edited), vec![("kubectl-edit".into(), "Update".into(), json!({"f:data": {"f:a": {}}}))]);
        // A write that changes nothing keeps managedFields as they were.
        let mut same = edited.clone();
        record_update(types, Some(&edited), &mut same, &writer("other", "t3"));
        assert_eq!(same, edited);
        // One empty entry strips them all.
        let mut stripped = edited.clone();
        stripped["metadata"]["managedFields"] = json!([{}]);
        record_update(types, Some(&edited), &mut stripped, &writer("x", "t4"));
        assert!(stripped["metadata"].get("managedFields").is_none());
    });
}

#[test]
fn list_map_items_merge_and_are_owned_per_key() {
    let schema = json!({"type": "object", "properties": {"status": {"type": "object", "properties": {
        "conditions": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
            "items": {"type": "object", "properties": {"type": {"type": "string"}, "status": {"type": "string"}}}}}}}});
    let definitions = BTreeMap::new();
    let types = Types::custom(&schema, &definitions);
    let obj = |conditions: Value| json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"}, "status": {"conditions": conditions}});
    let a = apply(&types, None, &obj(json!([{"type": "A", "status": "True"}])), &writer("a", "t1"), false).unwrap();
    let b =
        apply(&types, Some(&a), &obj(json!([{"type": "B", "status": "False"}])), &writer("b", "t2"), false).unwrap();
    assert_eq!(b["status"]["conditions"], json!([{"type": "A", "status": "True"}, {"type": "B", "status": "False"}]));
    let err = apply(&types, Some(&b), &obj(json!([{"type": "A", "status": "False"}])), &writer("b", "t3"), false)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "a": .status.conditions[type="A"].status"#
    );
    let gone = apply(&types, Some(&b), &obj(json!([])), &writer("b", "t3"), false).unwrap();
    assert_eq!(gone["status"]["conditions"], json!([{"type": "A", "status": "True"}]));
}
