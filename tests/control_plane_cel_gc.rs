//! CEL validation rules and ownerReferences garbage collection of the
//! embedded API server, through kube-rs against a real `rdd svc serve`.

mod support;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use kube::core::ObjectMeta;
use rdd_api::app::App;
use serde_json::{Value, json};
use support::{Service, api_error};

fn gadget_crd(rules: Value) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer"},
                        "max": {"type": "integer"},
                        "owner": {"type": "string", "x-kubernetes-validations": [
                            {"rule": "self == oldSelf", "message": "owner is immutable"}]}
                    }, "x-kubernetes-validations": rules}
                }}}
            }]
        }
    }))
    .unwrap()
}

async fn wait_established(crds: &Api<CustomResourceDefinition>, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let crd = crds.get(name).await.unwrap();
        let established = crd
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return;
        }
        assert!(Instant::now() < deadline, "CRD {name} not Established");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cel_rules_of_posted_and_rdd_crds() {
    let service = Service::start().await;
    let client = service.client().await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());

    // A CRD with a rule that does not compile is rejected with kube's message.
    let err = api_error(
        crds.create(&PostParams::default(), &gadget_crd(json!([{"rule": "self.nope > 1"}]))).await.unwrap_err(),
    );
    assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"), "{err:?}");
    assert!(
        err.message.contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:\"self.nope > 1\""),
        "{}",
        err.message
    );
    assert!(err.message.contains("compilation failed: ERROR: <input>:1:5: undefined field 'nope'"), "{}", err.message);

    let rules = json!([
        {"rule": "self.size <= self.max", "messageExpression": "'size ' + string(self.size) + ' exceeds max ' + string(self.max)",
         "fieldPath": ".size"},
        {"rule": "self.size >= oldSelf.size", "message": "size may not shrink", "reason": "FieldValueForbidden"}
    ]);
    crds.create(&PostParams::default(), &gadget_crd(rules)).await.unwrap();
    wait_established(&crds, "gadgets.example.com").await;
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Gadget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "gadgets");
    let gadgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);

    let mut gadget = DynamicObject::new("g1", &resource);
    gadget.data = json!({"spec": {"size": 5, "max": 3, "owner": "me"}});
    let err = api_error(gadgets.create(&PostParams::default(), &gadget).await.unwrap_err());
    assert_eq!(err.code, 422);
    assert_eq!(
        err.message,
        r#"Gadget.example.com "g1" is invalid: spec.size: Invalid value: "object": size 5 exceeds max 3"#
    );
    let cause = &err.details.as_ref().unwrap().causes[0];
    assert_eq!((cause.reason.as_str(), cause.field.as_str()), ("FieldValueInvalid", "spec.size"));

    gadget.data = json!({"spec": {"size": 2, "max": 3, "owner": "me"}});
    gadgets.create(&PostParams::default(), &gadget).await.unwrap();
    // Transition rules: rejected on update with the rule's message.
    let err = api_error(
        gadgets
            .patch("g1", &PatchParams::default(), &Patch::Merge(json!({"spec": {"size": 1, "owner": "you"}})))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
    assert_eq!(
        err.message,
        r#"Gadget.example.com "g1" is invalid: [spec: Forbidden: size may not shrink, spec.owner: Invalid value: "string": owner is immutable]"#
    );
    gadgets.patch("g1", &PatchParams::default(), &Patch::Merge(json!({"spec": {"size": 3}}))).await.unwrap();

    // rdd's App rules run through CEL, with the messages kube would give.
    support::create_namespace(&client, "rancher-desktop").await;
    let apps: Api<App> = Api::all(client.clone());
    let app: App = serde_json::from_value(json!({"apiVersion": "app.rancherdesktop.io/v1alpha1", "kind": "App",
        "metadata": {"name": "other"}, "spec": {"running": false}}))
    .unwrap();
    let err = api_error(apps.create(&PostParams::default(), &app).await.unwrap_err());
    assert_eq!(
        err.message,
        r#"App.app.rancherdesktop.io "other" is invalid: <nil>: Invalid value: "object": App resource must be named 'app'"#
    );
    let mut app = app;
    app.metadata.name = Some("app".into());
    apps.create(&PostParams::default(), &app).await.unwrap();
    let err = api_error(
        apps.patch("app", &PatchParams::default(), &Patch::Merge(json!({"spec": {"namespace": "elsewhere"}})))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.message,
        r#"App.app.rancherdesktop.io "app" is invalid: spec.namespace: Invalid value: "string": spec.namespace is immutable"#
    );
    let err = api_error(
        apps.patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"containerEngine": {"provider": "external", "endpoint": ""}}})),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        err.message.ends_with(r#"spec.containerEngine: Invalid value: "object": spec.containerEngine.endpoint is required when provider is external"#),
        "{}",
        err.message
    );
}

fn config_map(name: &str, owners: &[(&ConfigMap, bool)]) -> ConfigMap {
    let owner_references = owners
        .iter()
        .map(|(owner, block)| k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: owner.metadata.name.clone().unwrap(),
            uid: owner.metadata.uid.clone().unwrap(),
            block_owner_deletion: Some(*block),
            ..Default::default()
        })
        .collect();
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            owner_references: Some(owner_references),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_collection_background_foreground_orphan() {
    let service = Service::start().await;
    let client = service.client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let pp = PostParams::default();
    let create = async |cm: ConfigMap| cms.create(&pp, &cm).await.unwrap();

    // Background (default): dependents whose owners are all gone go too;
    // one with another live owner stays, losing the dangling reference.
    let owner = create(config_map("owner", &[])).await;
    let other = create(config_map("other", &[])).await;
    create(config_map("child", &[(&owner, false)])).await;
    create(config_map("shared", &[(&owner, false), (&other, false)])).await;
    create(config_map("grandchild", &[(&cms.get("child").await.unwrap(), false)])).await;
    cms.delete("owner", &DeleteParams::background()).await.unwrap();
    eventually("child and grandchild collected", async || {
        cms.get_opt("child").await.unwrap().is_none() && cms.get_opt("grandchild").await.unwrap().is_none()
    })
    .await;
    eventually("dangling reference removed", async || {
        let shared = cms.get("shared").await.unwrap();
        shared.metadata.owner_references.unwrap_or_default().len() == 1
    })
    .await;

    // Foreground: the owner waits (foregroundDeletion finalizer) until its
    // blocking dependents are gone; a dependent's finalizer holds it.
    let owner = create(config_map("fg-owner", &[])).await;
    let mut held = config_map("fg-child", &[(&owner, true)]);
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    create(held).await;
    let deleting = cms.delete("fg-owner", &DeleteParams::foreground()).await.unwrap();
    let marked = deleting.left().expect("the owner is returned, not gone");
    assert!(marked.metadata.deletion_timestamp.is_some());
    assert_eq!(marked.metadata.finalizers.as_deref(), Some(&["foregroundDeletion".to_owned()][..]));
    eventually("dependent terminating", async || {
        cms.get("fg-child").await.unwrap().metadata.deletion_timestamp.is_some()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(cms.get_opt("fg-owner").await.unwrap().is_some(), "owner waits for its blocking dependent");
    cms.patch("fg-child", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}})))
        .await
        .unwrap();
    eventually("foreground owner gone", async || cms.get_opt("fg-owner").await.unwrap().is_none()).await;

    // Orphan: dependents stay, without the reference.
    let owner = create(config_map("or-owner", &[])).await;
    create(config_map("or-child", &[(&owner, true)])).await;
    cms.delete("or-owner", &DeleteParams::orphan()).await.unwrap();
    eventually("orphan owner gone", async || cms.get_opt("or-owner").await.unwrap().is_none()).await;
    let orphan = cms.get("or-child").await.unwrap();
    assert!(orphan.metadata.owner_references.unwrap_or_default().is_empty());
    assert!(orphan.metadata.deletion_timestamp.is_none());

    // A namespaced dependent of a cluster-scoped owner (matched by uid).
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    support::create_namespace(&client, "gc-owner-ns").await;
    let ns = namespaces.get("gc-owner-ns").await.unwrap();
    let mut dependent = config_map("ns-child", &[]);
    dependent.metadata.owner_references = Some(vec![k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        name: "gc-owner-ns".into(),
        uid: ns.metadata.uid.clone().unwrap(),
        ..Default::default()
    }]);
    create(dependent).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(cms.get_opt("ns-child").await.unwrap().is_some(), "live cluster-scoped owner keeps it");
    namespaces.delete("gc-owner-ns", &DeleteParams::default()).await.unwrap();
    eventually("dependent of the deleted namespace collected", async || {
        cms.get_opt("ns-child").await.unwrap().is_none()
    })
    .await;
}
