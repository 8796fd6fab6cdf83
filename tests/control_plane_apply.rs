//! Server-side apply and field ownership (SPEC §3.4) against a real
//! `rdd svc serve`, through kube-rs: create by apply, unchanged re-apply,
//! conflicts between managers, force, removal of fields no longer
//! applied, list-map merging through /status, managedFields of ordinary
//! writes, dry runs and kube's errors.

mod support;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use support::{Service, api_error};

fn cm(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

fn entries(meta: &kube::core::ObjectMeta) -> Vec<Value> {
    let value = serde_json::to_value(meta).unwrap();
    value["managedFields"].as_array().cloned().unwrap_or_default()
}

fn entry<'a>(entries: &'a [Value], manager: &str) -> &'a Value {
    entries.iter().find(|e| e["manager"] == manager).unwrap_or_else(|| panic!("no entry for {manager}: {entries:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_creates_and_an_unchanged_reapply_writes_nothing() {
    let service = Service::start().await;
    let client = service.client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    let created =
        cms.patch("web", &PatchParams::apply("mgr"), &Patch::Apply(cm("web", json!({"a": "1"})))).await.unwrap();
    assert_eq!(created.data, Some(BTreeMap::from([("a".into(), "1".into())])));
    let managed = entries(&created.metadata);
    assert_eq!(managed.len(), 1, "{managed:#?}");
    let mine = entry(&managed, "mgr");
    assert_eq!(mine["operation"], "Apply");
    assert_eq!(mine["apiVersion"], "v1");
    assert_eq!(mine["fieldsType"], "FieldsV1");
    assert_eq!(mine["fieldsV1"], json!({"f:data": {"f:a": {}}}));
    assert!(mine["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{mine}");

    let again =
        cms.patch("web", &PatchParams::apply("mgr"), &Patch::Apply(cm("web", json!({"a": "1"})))).await.unwrap();
    assert_eq!(again.metadata.resource_version, created.metadata.resource_version, "no write");
    assert_eq!(entries(&again.metadata), managed);

    // Dry run: answered, not stored.
    let dry = cms
        .patch("web", &PatchParams::apply("mgr").dry_run(), &Patch::Apply(cm("web", json!({"a": "2"}))))
        .await
        .unwrap();
    assert_eq!(dry.data.unwrap()["a"], "2");
    assert_eq!(cms.get("web").await.unwrap().data.unwrap()["a"], "1");
    let dry_new =
        cms.patch("ghost", &PatchParams::apply("mgr").dry_run(), &Patch::Apply(cm("ghost", json!({})))).await.unwrap();
    assert_eq!(dry_new.metadata.name.as_deref(), Some("ghost"));
    assert!(cms.get_opt("ghost").await.unwrap().is_none());

    // kube's errors: no fieldManager, force on a merge patch, a wrong version.
    let request = |query: &str, content_type: &str, body: &str| {
        http::Request::patch(format!("/api/v1/namespaces/default/configmaps/web{query}"))
            .header("Content-Type", content_type)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let body = r#"{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}"#;
    let err = api_error(client.request_text(request("", "application/apply-patch+yaml", body)).await.unwrap_err());
    assert_eq!(err.code, 422);
    assert_eq!(
        err.message,
        r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
    );
    let err = api_error(
        client
            .request_text(request("?fieldManager=x&force=true", "application/merge-patch+json", "{}"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.message,
        r#"PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch"#
    );
    let err = api_error(
        client
            .request_text(request(
                "?fieldManager=x",
                "application/apply-patch+yaml",
                "apiVersion: v2\nkind: ConfigMap\n",
            ))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (err.code, err.message.as_str()),
        (400, "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1")
    );
    // A YAML body works as well as JSON.
    let yaml = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n  b: \"2\"\n";
    let text = client.request_text(request("?fieldManager=mgr", "application/apply-patch+yaml", yaml)).await.unwrap();
    let applied: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(applied["data"], json!({"a": "1", "b": "2"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_conflict_force_share_and_remove() {
    let service = Service::start().await;
    let client = service.client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    // An ordinary create records an Update entry for its manager.
    let create = PostParams { field_manager: Some("kubectl-client-side-apply".into()), ..Default::default() };
    let created =
        cms.create(&create, &serde_json::from_value(cm("cfg", json!({"a": "1", "b": "2"}))).unwrap()).await.unwrap();
    let managed = entries(&created.metadata);
    let csa = entry(&managed, "kubectl-client-side-apply");
    assert_eq!(csa["operation"], "Update");
    assert_eq!(csa["fieldsV1"], json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}}));

    // Changing a field someone else owns: 409 naming them and the field.
    let err = api_error(
        cms.patch("cfg", &PatchParams::apply("mgr"), &Patch::Apply(cm("cfg", json!({"a": "changed"}))))
            .await
            .unwrap_err(),
    );
    assert_eq!((err.code, err.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        err.message,
        r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a"#
    );
    let details = err.details.expect("details");
    assert_eq!(details.causes[0].reason, "FieldManagerConflict");
    assert_eq!(details.causes[0].field, ".data.a");

    // The same value is no conflict: ownership is shared.
    let shared =
        cms.patch("cfg", &PatchParams::apply("mgr"), &Patch::Apply(cm("cfg", json!({"b": "2"})))).await.unwrap();
    assert_eq!(entry(&entries(&shared.metadata), "mgr")["fieldsV1"], json!({"f:data": {"f:b": {}}}));

    // Forced, the field changes hands.
    let forced = cms
        .patch("cfg", &PatchParams::apply("mgr").force(), &Patch::Apply(cm("cfg", json!({"a": "changed", "b": "2"}))))
        .await
        .unwrap();
    assert_eq!(forced.data.as_ref().unwrap()["a"], "changed");
    let managed = entries(&forced.metadata);
    assert_eq!(entry(&managed, "mgr")["fieldsV1"], json!({"f:data": {"f:a": {}, "f:b": {}}}));
    assert_eq!(entry(&managed, "kubectl-client-side-apply")["fieldsV1"], json!({"f:data": {".": {}, "f:b": {}}}));

    // mgr stops applying a (it alone owns it: removed) and b (shared: stays).
    let dropped =
        cms.patch("cfg", &PatchParams::apply("mgr"), &Patch::Apply(cm("cfg", json!({"c": "3"})))).await.unwrap();
    assert_eq!(dropped.data.unwrap(), BTreeMap::from([("b".into(), "2".into()), ("c".into(), "3".into())]));

    // An ordinary write without fieldManager is owned by the User-Agent's prefix.
    let patch = http::Request::patch("/api/v1/namespaces/default/configmaps/cfg")
        .header("Content-Type", "application/merge-patch+json")
        .header("User-Agent", "my-tool/1.2 (linux/amd64)")
        .body(br#"{"data":{"c":"4"}}"#.to_vec())
        .unwrap();
    let text = client.request_text(patch).await.unwrap();
    let patched: Value = serde_json::from_str(&text).unwrap();
    let managed = patched["metadata"]["managedFields"].as_array().unwrap().clone();
    assert_eq!(entry(&managed, "my-tool")["fieldsV1"], json!({"f:data": {"f:c": {}}}));
    assert_eq!(entry(&managed, "my-tool")["operation"], "Update");
    assert!(managed.iter().all(|e| e["manager"] != "mgr"), "mgr lost c, its last field: {managed:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_apply_merges_conditions_by_type() {
    let service = Service::start().await;
    let client = service.client().await;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer"},
                        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}
                    }},
                    "status": {"type": "object", "properties": {
                        "conditions": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
                            "items": {"type": "object", "required": ["type"], "properties": {
                                "type": {"type": "string"}, "status": {"type": "string"}}}}
                    }}
                }}}
            }]
        }
    }))
    .unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.patch("gadgets.example.com", &PatchParams::apply("setup"), &Patch::Apply(&crd)).await.unwrap();
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Gadget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "gadgets");
    let gadgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let gadget = |body: Value| {
        let mut object = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}});
        object.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
        object
    };
    loop {
        match gadgets
            .patch(
                "g",
                &PatchParams::apply("owner"),
                &Patch::Apply(gadget(json!({"spec": {"size": 1, "tags": ["a"]}}))),
            )
            .await
        {
            Ok(_) => break,
            Err(err) => assert!(std::time::Instant::now() < deadline, "CRD not served: {err}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Sets merge by value across managers.
    let tagged = gadgets
        .patch("g", &PatchParams::apply("tagger"), &Patch::Apply(gadget(json!({"spec": {"tags": ["b"]}}))))
        .await
        .unwrap();
    assert_eq!(tagged.data["spec"], json!({"size": 1, "tags": ["a", "b"]}));

    // Two controllers own one condition each.
    let a = json!({"status": {"conditions": [{"type": "A", "status": "True"}]}});
    let b = json!({"status": {"conditions": [{"type": "B", "status": "False"}]}});
    gadgets.patch_status("g", &PatchParams::apply("ctrl-a"), &Patch::Apply(gadget(a))).await.unwrap();
    let both = gadgets.patch_status("g", &PatchParams::apply("ctrl-b"), &Patch::Apply(gadget(b))).await.unwrap();
    assert_eq!(
        both.data["status"]["conditions"],
        json!([{"type": "A", "status": "True"}, {"type": "B", "status": "False"}])
    );
    let managed = entries(&both.metadata);
    let ctrl_b = entry(&managed, "ctrl-b");
    assert_eq!(ctrl_b["subresource"], "status");
    assert_eq!(
        ctrl_b["fieldsV1"],
        json!({"f:status": {"f:conditions": {"k:{\"type\":\"B\"}": {".": {}, "f:status": {}, "f:type": {}}}}})
    );
    // ctrl-b may not flip ctrl-a's condition.
    let flip = json!({"status": {"conditions": [{"type": "A", "status": "False"}]}});
    let err = api_error(
        gadgets.patch_status("g", &PatchParams::apply("ctrl-b"), &Patch::Apply(gadget(flip))).await.unwrap_err(),
    );
    assert_eq!(
        err.message,
        r#"Apply failed with 1 conflict: conflict with "ctrl-a" with subresource "status": .status.conditions[type="A"].status"#
    );
    // Status applied through the main resource is ignored there.
    let main = gadgets
        .patch(
            "g",
            &PatchParams::apply("owner"),
            &Patch::Apply(gadget(json!({"spec": {"size": 2, "tags": ["a"]}, "status": {"conditions": []}}))),
        )
        .await
        .unwrap();
    assert_eq!(main.data["spec"]["size"], 2);
    assert_eq!(main.data["status"]["conditions"].as_array().map(Vec::len), Some(2));
    // ctrl-b drops its condition: gone, ctrl-a's stays.
    let dropped = gadgets
        .patch_status("g", &PatchParams::apply("ctrl-b"), &Patch::Apply(gadget(json!({"status": {}}))))
        .await
        .unwrap();
    assert_eq!(dropped.data["status"]["conditions"], json!([{"type": "A", "status": "True"}]));
}
