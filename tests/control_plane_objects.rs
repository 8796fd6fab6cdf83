//! The embedded control plane's object semantics (SPEC §3.4), driven
//! through kube-rs against a real `rdd svc serve`: metadata, optimistic
//! concurrency, the status subresource, finalizers, namespace lifecycle,
//! patches, dry runs, field validation, schema validation and rdd's
//! admission rules.

mod support;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, ValidationDirective};
use kube::core::ObjectMeta;
use rdd_api::app::App;
use rdd_api::container::{Container, ContainerSpec, DesiredState};
use serde_json::{Value, json};
use support::{Service, api_error, create_namespace};

fn config_map(name: &str, data: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta { name: Some(name.into()), ..Default::default() },
        data: Some(data.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        ..Default::default()
    }
}

fn container(name: &str) -> Container {
    let mut c = Container::new(name, ContainerSpec { state: DesiredState::Unknown });
    c.metadata.namespace = Some("rancher-desktop".into());
    c
}

const CONTAINER_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_concurrency_and_generation() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    let created = cms.create(&PostParams::default(), &config_map("one", &[("a", "1")])).await.unwrap();
    let meta = &created.metadata;
    assert_eq!(meta.uid.as_ref().map(String::len), Some(36), "uid is a UUID");
    assert!(meta.creation_timestamp.is_some());
    let rv1: u64 = meta.resource_version.as_deref().unwrap().parse().unwrap();

    // Create of an existing name: 409 AlreadyExists with kube's message.
    let err = api_error(cms.create(&PostParams::default(), &config_map("one", &[])).await.unwrap_err());
    assert_eq!((err.code, err.reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(err.message, r#"configmaps "one" already exists"#);

    // Update with the current resourceVersion works and bumps it.
    let mut changed = created.clone();
    changed.data = Some(BTreeMap::from([("a".into(), "2".into())]));
    let updated = cms.replace("one", &PostParams::default(), &changed).await.unwrap();
    let rv2: u64 = updated.metadata.resource_version.as_deref().unwrap().parse().unwrap();
    assert!(rv2 > rv1, "resourceVersion increases: {rv1} -> {rv2}");
    assert_eq!(updated.metadata.uid, created.metadata.uid);
    assert_eq!(updated.metadata.creation_timestamp, created.metadata.creation_timestamp);

    // A stale resourceVersion: 409 Conflict.
    let err = api_error(cms.replace("one", &PostParams::default(), &changed).await.unwrap_err());
    assert_eq!((err.code, err.reason.as_str()), (409, "Conflict"));
    assert!(err.message.contains("the object has been modified; please apply your changes to the latest version"));

    // generateName.
    let mut generated = config_map("", &[]);
    generated.metadata.name = None;
    generated.metadata.generate_name = Some("gen-".into());
    let generated = cms.create(&PostParams::default(), &generated).await.unwrap();
    let name = generated.metadata.name.unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "generated name {name}");

    // Not found, with kube's message.
    let err = api_error(cms.get("missing").await.unwrap_err());
    assert_eq!((err.code, err.reason.as_str()), (404, "NotFound"));
    assert_eq!(err.message, r#"configmaps "missing" not found"#);

    // generation: +1 on spec changes, not on metadata or status changes.
    let containers: Api<Container> = Api::namespaced(client.clone(), "rancher-desktop");
    let c = containers.create(&PostParams::default(), &container(CONTAINER_ID)).await.unwrap();
    assert_eq!(c.metadata.generation, Some(1));
    let c = containers
        .patch(CONTAINER_ID, &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})))
        .await
        .unwrap();
    assert_eq!(c.metadata.generation, Some(1), "labels do not bump generation");
    let c = containers
        .patch_status(CONTAINER_ID, &PatchParams::default(), &Patch::Merge(json!({"status": {"name": "web"}})))
        .await
        .unwrap();
    assert_eq!(c.metadata.generation, Some(1), "status does not bump generation");
    assert_eq!(c.status.as_ref().unwrap().name.as_deref(), Some("web"));
    let c = containers
        .patch(CONTAINER_ID, &PatchParams::default(), &Patch::Merge(json!({"spec": {"state": "running"}})))
        .await
        .unwrap();
    assert_eq!(c.metadata.generation, Some(2), "spec change bumps generation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_subresource_split() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let containers: Api<Container> = Api::namespaced(client, "rancher-desktop");
    containers.create(&PostParams::default(), &container(CONTAINER_ID)).await.unwrap();

    // Writes to the main resource ignore status.
    let c = containers
        .patch(
            CONTAINER_ID,
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"state": "created"}, "status": {"name": "ignored"}})),
        )
        .await
        .unwrap();
    assert_eq!(c.spec.state, DesiredState::Created);
    assert!(c.status.as_ref().is_none_or(|s| s.name.is_none()), "status unchanged: {:?}", c.status);

    // Writes to /status change only status.
    let c = containers
        .patch_status(
            CONTAINER_ID,
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"state": "running"}, "status": {"name": "web"}})),
        )
        .await
        .unwrap();
    assert_eq!(c.spec.state, DesiredState::Created, "spec unchanged through /status");
    assert_eq!(c.status.unwrap().name.as_deref(), Some("web"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizers_and_deletion() {
    let service = Service::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(service.client().await, "default");
    let mut cm = config_map("held", &[]);
    cm.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &cm).await.unwrap();

    // Delete with a finalizer: the object stays, with a deletionTimestamp.
    let deleted = cms.delete("held", &DeleteParams::default()).await.unwrap();
    let left = deleted.left().expect("the object is returned while finalizers remain");
    assert!(left.metadata.deletion_timestamp.is_some());
    let still = cms.get("held").await.unwrap();
    assert!(still.metadata.deletion_timestamp.is_some());

    // Adding a finalizer to a terminating object is rejected.
    let err = api_error(
        cms.patch(
            "held",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}})),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(err.code, 422, "{err:?}");

    // Removing the last finalizer lets it go.
    cms.patch("held", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}}))).await.unwrap();
    let err = api_error(cms.get("held").await.unwrap_err());
    assert_eq!(err.code, 404);

    // Without finalizers the delete is immediate and returns a Status or the object.
    cms.create(&PostParams::default(), &config_map("plain", &[])).await.unwrap();
    cms.delete("plain", &DeleteParams::default()).await.unwrap();
    assert_eq!(api_error(cms.get("plain").await.unwrap_err()).code, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_lifecycle() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let namespaces: Api<Namespace> = Api::all(client.clone());

    // Creating in a missing namespace is rejected.
    let missing: Api<ConfigMap> = Api::namespaced(client.clone(), "nowhere");
    let err = api_error(missing.create(&PostParams::default(), &config_map("x", &[])).await.unwrap_err());
    assert_eq!((err.code, err.reason.as_str()), (404, "NotFound"));
    assert_eq!(err.message, r#"namespaces "nowhere" not found"#);

    let ns =
        Namespace { metadata: ObjectMeta { name: Some("team".into()), ..Default::default() }, ..Default::default() };
    namespaces.create(&PostParams::default(), &ns).await.unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    cms.create(&PostParams::default(), &config_map("free", &[])).await.unwrap();
    let mut held = config_map("held", &[]);
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &held).await.unwrap();

    namespaces.delete("team", &DeleteParams::default()).await.unwrap();

    // Terminating until empty; no new content meanwhile.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let free_gone = cms.get_opt("free").await.unwrap().is_none();
        let held_terminating =
            cms.get_opt("held").await.unwrap().is_some_and(|cm| cm.metadata.deletion_timestamp.is_some());
        if free_gone && held_terminating {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "namespace contents not deleted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let team = namespaces.get("team").await.unwrap();
    assert_eq!(team.status.and_then(|s| s.phase).as_deref(), Some("Terminating"));
    let err = api_error(cms.create(&PostParams::default(), &config_map("late", &[])).await.unwrap_err());
    assert_eq!(err.code, 403);
    assert!(err.message.contains("because it is being terminated"), "{}", err.message);

    // Releasing the last object lets the namespace go.
    cms.patch("held", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}}))).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while namespaces.get_opt("team").await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "namespace not removed once empty");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patches_dry_run_and_field_validation() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(&PostParams::default(), &config_map("p", &[("a", "1"), ("b", "2")])).await.unwrap();

    // Merge patch: null deletes.
    let cm =
        cms.patch("p", &PatchParams::default(), &Patch::Merge(json!({"data": {"a": null, "c": "3"}}))).await.unwrap();
    assert_eq!(cm.data.unwrap(), BTreeMap::from([("b".into(), "2".into()), ("c".into(), "3".into())]));

    // JSON patch.
    let path = "/api/v1/namespaces/default/configmaps/p";
    let ops = json!([
        {"op": "test", "path": "/data/b", "value": "2"},
        {"op": "replace", "path": "/data/b", "value": "two"}
    ]);
    let cm = json_patch(&client, path, &ops).await.unwrap();
    assert_eq!(cm["data"]["b"], "two");

    // A failing JSON patch test changes nothing.
    let ops = json!([{"op": "test", "path": "/data/b", "value": "nope"}, {"op": "remove", "path": "/data/b"}]);
    let err = json_patch(&client, path, &ops).await.unwrap_err();
    assert_eq!(err.code, 422, "{err:?}");
    assert_eq!(cms.get("p").await.unwrap().data.unwrap()["b"], "two");

    // Strategic merge patch on a custom resource: 415.
    let containers: Api<Container> = Api::namespaced(client.clone(), "rancher-desktop");
    containers.create(&PostParams::default(), &container(CONTAINER_ID)).await.unwrap();
    let err = api_error(
        containers
            .patch(CONTAINER_ID, &PatchParams::default(), &Patch::Strategic(json!({"spec": {"state": "running"}})))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 415, "{err:?}");

    // dryRun=All: validated, answered, not stored.
    let dry = PostParams { dry_run: true, ..Default::default() };
    let shown = cms.create(&dry, &config_map("dry", &[("k", "v")])).await.unwrap();
    assert_eq!(shown.metadata.name.as_deref(), Some("dry"));
    assert!(cms.get_opt("dry").await.unwrap().is_none(), "dry-run create stored nothing");
    let dry_patch = PatchParams { dry_run: true, ..Default::default() };
    let shown = cms.patch("p", &dry_patch, &Patch::Merge(json!({"data": {"b": "dry"}}))).await.unwrap();
    assert_eq!(shown.data.unwrap()["b"], "dry");
    assert_eq!(cms.get("p").await.unwrap().data.unwrap()["b"], "two");
    let err = api_error(cms.create(&dry, &config_map("Bad_Name", &[])).await.unwrap_err());
    assert_eq!(err.code, 422, "dry run still validates");

    // fieldValidation: Strict rejects unknown fields, Ignore drops them.
    let strict = PatchParams { field_validation: Some(ValidationDirective::Strict), ..Default::default() };
    let err = api_error(
        containers
            .patch(CONTAINER_ID, &strict, &Patch::Merge(json!({"spec": {"state": "running", "bogus": 1}})))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 400, "{err:?}");
    assert!(err.message.contains(r#"unknown field "spec.bogus""#), "{}", err.message);
    let ignore = PatchParams { field_validation: Some(ValidationDirective::Ignore), ..Default::default() };
    let c = containers
        .patch(CONTAINER_ID, &ignore, &Patch::Merge(json!({"spec": {"state": "running", "bogus": 1}})))
        .await
        .unwrap();
    assert_eq!(c.spec.state, DesiredState::Running);
    let raw: Value = client
        .request(
            http::Request::get(format!(
                "/apis/containers.rancherdesktop.io/v1alpha1/namespaces/rancher-desktop/containers/{CONTAINER_ID}"
            ))
            .body(Vec::new())
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(raw["spec"].get("bogus").is_none(), "unknown fields are pruned: {raw}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_validation_defaulting_and_admission() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let apps: Api<App> = Api::all(client.clone());

    // Defaulting from the CRD schema.
    let apps_path = "/apis/app.rancherdesktop.io/v1alpha1/apps";
    let raw = post(&client, apps_path, &app_json("app")).await.unwrap();
    assert_eq!(raw["spec"]["namespace"], "rancher-desktop");
    assert_eq!(raw["spec"]["containerEngine"]["name"], "moby");
    assert_eq!(raw["spec"]["containerEngine"]["provider"], "managed");

    // App must be named app.
    let err = post(&client, apps_path, &app_json("other")).await.unwrap_err();
    assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"));
    assert!(err.message.contains("App resource must be named 'app'"), "{}", err.message);

    // Enum values are checked.
    let err = api_error(
        apps.patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"containerEngine": {"name": "podman"}}})),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(err.code, 422);
    assert!(
        err.message.contains(
            r#"spec.containerEngine.name: Unsupported value: "podman": supported values: "moby", "containerd""#
        ),
        "{}",
        err.message
    );

    // spec.namespace is immutable.
    let err = api_error(
        apps.patch("app", &PatchParams::default(), &Patch::Merge(json!({"spec": {"namespace": "elsewhere"}})))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
    assert!(err.message.contains("spec.namespace is immutable"), "{}", err.message);

    // external needs an endpoint.
    let err = api_error(
        apps.patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"containerEngine": {"provider": "external"}}})),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(err.code, 422);
    assert!(
        err.message.contains("spec.containerEngine.endpoint is required when provider is external"),
        "{}",
        err.message
    );

    // Types and required fields.
    let err = api_error(
        apps.patch("app", &PatchParams::default(), &Patch::Merge(json!({"spec": {"running": "yes"}})))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
    assert!(
        err.message.contains("spec.running: Invalid value: \"string\": spec.running in body must be of type boolean"),
        "{}",
        err.message
    );

    // Container: on update only spec.state may change.
    let containers: Api<Container> = Api::namespaced(client.clone(), "rancher-desktop");
    containers.create(&PostParams::default(), &container(CONTAINER_ID)).await.unwrap();
    containers
        .patch(CONTAINER_ID, &PatchParams::default(), &Patch::Merge(json!({"spec": {"state": "running"}})))
        .await
        .unwrap();

    // metadata.name validation.
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let err = api_error(cms.create(&PostParams::default(), &config_map("Not_Valid", &[])).await.unwrap_err());
    assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"));
    assert!(
        err.message.contains("metadata.name: Invalid value: \"Not_Valid\": a lowercase RFC 1123 subdomain"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_context_and_posted_crds() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;

    // The `user` context reads but may not write.
    let user: Api<ConfigMap> = Api::namespaced(service.user_client().await, "default");
    assert!(user.list(&Default::default()).await.is_ok());
    let err = api_error(user.create(&PostParams::default(), &config_map("nope", &[])).await.unwrap_err());
    assert_eq!((err.code, err.reason.as_str()), (403, "Forbidden"));

    // A CRD a client posts becomes served and Established.
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": ["wd"]},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer", "minimum": 1, "default": 3},
                        "color": {"type": "string", "enum": ["red", "blue"]}
                    }}
                }}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]
            }]
        }
    }))
    .unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crd).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let crd = crds.get("widgets.example.com").await.unwrap();
        let established = crd
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "CRD not Established");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let gvk = kube::api::GroupVersionKind::gvk("example.com", "v1", "Widget");
    let resource = kube::api::ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let widgets: Api<kube::api::DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);
    let mut widget = kube::api::DynamicObject::new("w1", &resource);
    widget.data = json!({"spec": {"color": "red"}});
    let created = widgets.create(&PostParams::default(), &widget).await.unwrap();
    assert_eq!(created.data["spec"]["size"], 3, "default applied");
    let mut bad = kube::api::DynamicObject::new("w2", &resource);
    bad.data = json!({"spec": {"size": 0, "color": "green"}});
    let err = api_error(widgets.create(&PostParams::default(), &bad).await.unwrap_err());
    assert_eq!(err.code, 422);
    assert!(
        err.message.contains("spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains(r#"spec.color: Unsupported value: "green": supported values: "red", "blue""#),
        "{}",
        err.message
    );
}

/// A minimal App as a user would post it: only `spec.running`.
fn app_json(name: &str) -> Value {
    json!({"apiVersion": "app.rancherdesktop.io/v1alpha1", "kind": "App", "metadata": {"name": name}, "spec": {"running": false}})
}

async fn post(client: &kube::Client, path: &str, body: &Value) -> Result<Value, kube::core::Status> {
    let request = http::Request::post(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .unwrap();
    client.request::<Value>(request).await.map_err(api_error)
}

/// Sends an RFC 6902 JSON patch (kube-rs only has typed JSON patches
/// behind a feature this workspace does not enable).
async fn json_patch(client: &kube::Client, path: &str, ops: &Value) -> Result<Value, kube::core::Status> {
    let request = http::Request::patch(path)
        .header(http::header::CONTENT_TYPE, "application/json-patch+json")
        .body(serde_json::to_vec(ops).unwrap())
        .unwrap();
    client.request::<Value>(request).await.map_err(api_error)
}
