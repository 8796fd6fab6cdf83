//! The Kubernetes side of the engine controller against an in-memory API
//! server (tests/support/fake_apiserver.rs) until the embedded one is
//! ready: the kube mirror writer (create/status/unchanged, spec never
//! overwritten, finalizer removal retried on 409, NotFound as success,
//! Events, the labelled-only sweep, watch-driven work), and the whole
//! controller (`engine::run`) against a real private dockerd: Connected
//! stamped with the generation, mirrors, Kubernetes → Docker deletes and
//! spec.state, ContainerNamespace re-creation, sweep-before-Stopped and
//! NotApplicable.

#[path = "support/dockerd.rs"]
#[allow(dead_code)] // one helper for every test with a real daemon
mod dockerd;
#[path = "support/fake_apiserver.rs"]
#[allow(dead_code)]
mod fake_apiserver;

use std::time::Duration;

use fake_apiserver::FakeApiServer;
use futures::StreamExt;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use rdd_api::container::{ContainerStatus, DesiredState, ObservedState};
use rdd_api::mirror::{MIRROR_FINALIZER, volume_mirror_name};
use rdd_api::volume::VolumeStatus;
use rdd_api::{Container, Volume};
use rdd_controller::engine::kube_store::KubeStore;
use rdd_controller::engine::queue::{MirrorKind, Work};
use rdd_controller::engine::store::{MirrorStore, Written};
use rdd_controller::engine::{EngineOptions, StoreError};
use serde_json::{Value, json};

const NS: &str = "rd";
const CONTAINERS: &str = "apis/containers.rancherdesktop.io/v1alpha1/namespaces/rd/containers";
const IMAGES: &str = "apis/containers.rancherdesktop.io/v1alpha1/namespaces/rd/images";
const VOLUMES: &str = "apis/containers.rancherdesktop.io/v1alpha1/namespaces/rd/volumes";
const CNS: &str = "apis/containers.rancherdesktop.io/v1alpha1/namespaces/rd/containernamespaces";
const APPS: &str = "apis/app.rancherdesktop.io/v1alpha1/apps";

fn volume_status(name: &str) -> VolumeStatus {
    VolumeStatus { name: Some(name.into()), namespace: Some("moby".into()), ..VolumeStatus::default() }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[tokio::test]
async fn engine_kube_store_writes_like_the_spec_says() {
    let api = FakeApiServer::start().await;
    let store = KubeStore::new(api.client(), NS);
    store.ensure_namespace().await.unwrap();
    store.ensure_namespace().await.unwrap();
    assert_eq!(api.names("api/v1/namespaces"), [NS]);
    store.ensure_container_namespace().await.unwrap();
    let cns = api.get(CNS, "moby").unwrap();
    assert_eq!(cns["metadata"]["labels"]["engine.rancherdesktop.io/mirror"], "true");
    assert!(cns["metadata"]["finalizers"].is_null(), "no finalizer on ContainerNamespace");

    // Create, then no write when unchanged.
    let name = volume_mirror_name("My_Vol_Ume");
    let w = store.upsert::<Volume>(&name, Box::new(|_| volume_status("My_Vol_Ume"))).await.unwrap();
    assert_eq!(w, Written::Created);
    let stored = api.get(VOLUMES, &name).unwrap();
    assert_eq!(stored["status"]["name"], "My_Vol_Ume");
    assert_eq!(stored["metadata"]["finalizers"], json!([MIRROR_FINALIZER]));
    assert_eq!(stored["metadata"]["labels"]["engine.rancherdesktop.io/mirror"], "true");
    let rv = stored["metadata"]["resourceVersion"].clone();
    let w = store.upsert::<Volume>(&name, Box::new(|_| volume_status("My_Vol_Ume"))).await.unwrap();
    assert_eq!(w, Written::Unchanged);
    assert_eq!(api.get(VOLUMES, &name).unwrap()["metadata"]["resourceVersion"], rv);

    // spec written once at creation; a user's spec.state survives status writes,
    // also through conflicts.
    let status = |s: ObservedState| move |_: &Container| ContainerStatus { status: s, ..ContainerStatus::default() };
    store.upsert::<Container>("c1", Box::new(status(ObservedState::Running))).await.unwrap();
    assert_eq!(api.get(CONTAINERS, "c1").unwrap()["spec"]["state"], "unknown");
    let containers: Api<Container> = Api::namespaced(api.client(), NS);
    let mut c = containers.get("c1").await.unwrap();
    c.spec.state = DesiredState::Running;
    containers.replace("c1", &PostParams::default(), &c).await.unwrap();
    api.lock().conflicts.insert("c1".into(), 2);
    let w = store.upsert::<Container>("c1", Box::new(status(ObservedState::Exited))).await.unwrap();
    assert_eq!(w, Written::Updated);
    let c = api.get(CONTAINERS, "c1").unwrap();
    assert_eq!((c["spec"]["state"].as_str(), c["status"]["status"].as_str()), (Some("running"), Some("exited")));

    // Finalizer removal: 409s are re-read and retried, capped.
    containers.delete("c1", &DeleteParams::default()).await.unwrap();
    assert!(api.get(CONTAINERS, "c1").unwrap()["metadata"]["deletionTimestamp"].is_string());
    api.lock().conflicts.insert("c1".into(), 2);
    store.strip_finalizer::<Container>("c1").await.unwrap();
    assert!(api.get(CONTAINERS, "c1").is_none(), "the last finalizer gone: deleted");
    store.strip_finalizer::<Container>("c1").await.expect("NotFound is success");
    store.upsert::<Container>("c2", Box::new(status(ObservedState::Running))).await.unwrap();
    api.lock().conflicts.insert("c2".into(), 100);
    let err = store.strip_finalizer::<Container>("c2").await.unwrap_err();
    assert!(matches!(err, StoreError::ConflictRetriesExhausted { attempts: 5, .. }), "{err}");
    api.lock().conflicts.clear();

    // remove = strip + delete; twice is fine.
    store.remove::<Volume>(&name).await.unwrap();
    store.remove::<Volume>(&name).await.unwrap();
    assert!(api.names(VOLUMES).is_empty());

    // A Warning Event on the object.
    let c2: Container = containers.get("c2").await.unwrap();
    store.warn(&c2, "DockerRefusedDelete", "image is in use").await.unwrap();
    let events = api.lock().objects.get("api/v1/namespaces/rd/events").cloned().unwrap_or_default();
    let event = events.values().next().expect("one event");
    // Named like client-go's: `<object>.<hex nanoseconds>`, no generateName.
    assert!(event["metadata"]["name"].as_str().unwrap().starts_with("c2."), "{event}");
    assert_eq!((event["type"].as_str(), event["reason"].as_str()), (Some("Warning"), Some("DockerRefusedDelete")));
    assert_eq!(
        (event["involvedObject"]["kind"].as_str(), event["involvedObject"]["name"].as_str()),
        (Some("Container"), Some("c2"))
    );

    // The sweep takes labelled objects only, finalizers first.
    api.put(
        CONTAINERS,
        json!({"apiVersion": "containers.rancherdesktop.io/v1alpha1", "kind": "Container",
        "metadata": {"name": "users-own", "namespace": NS}, "spec": {"state": "unknown"}}),
    );
    store.upsert::<Volume>(&name, Box::new(|_| volume_status("My_Vol_Ume"))).await.unwrap();
    let swept = store.sweep().await.unwrap();
    assert_eq!(swept, 3, "c2, the volume and ContainerNamespace moby");
    assert_eq!(api.names(CONTAINERS), ["users-own"]);
    assert!(api.names(VOLUMES).is_empty() && api.names(CNS).is_empty());
}

#[tokio::test]
async fn engine_kube_store_changes_turn_into_work() {
    let api = FakeApiServer::start().await;
    let store = KubeStore::new(api.client(), NS);
    store.ensure_container_namespace().await.unwrap();
    let mut changes = store.changes();
    store.upsert::<Container>("c1", Box::new(|_| ContainerStatus::default())).await.unwrap();
    let containers: Api<Container> = Api::namespaced(api.client(), NS);
    containers.delete("c1", &DeleteParams::default()).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(10), changes.next()).await.unwrap();
    assert_eq!(next, Some(Work::Delete(MirrorKind::Container, "c1".into())));
    let cns: Api<rdd_api::ContainerNamespace> = Api::namespaced(api.client(), NS);
    cns.delete("moby", &DeleteParams::default()).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(10), changes.next()).await.unwrap();
    assert_eq!(next, Some(Work::ContainerNamespace));
}

fn app(generation: i64, running: &str, engine: &str) -> Value {
    json!({
        "apiVersion": "app.rancherdesktop.io/v1alpha1", "kind": "App",
        "metadata": {"name": "app", "uid": "app-uid", "generation": generation},
        "spec": {"running": running == "True", "namespace": NS, "containerEngine": {"name": engine}, "extra": generation},
        "status": {"conditions": [{"type": "Running", "status": running, "reason": "Started", "message": "",
            "lastTransitionTime": "2024-01-01T00:00:00Z", "observedGeneration": generation}]}
    })
}

/// (status, reason, observedGeneration) of ContainerEngineReady.
fn engine_ready(api: &FakeApiServer) -> Option<(String, String, i64)> {
    let app = api.get(APPS, "app")?;
    let c = app["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == "ContainerEngineReady")?.clone();
    Some((c["status"].as_str()?.to_owned(), c["reason"].as_str()?.to_owned(), c["observedGeneration"].as_i64()?))
}

fn set_app(api: &FakeApiServer, generation: i64, running: &str, engine: &str) {
    // Keep the engine controller's condition, as the app controller would.
    let mut next = app(generation, running, engine);
    if let Some(current) = api.get(APPS, "app") {
        let keep: Vec<Value> = current["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["type"] == "ContainerEngineReady")
            .cloned()
            .collect();
        next["status"]["conditions"].as_array_mut().unwrap().extend(keep);
    }
    api.put(APPS, next);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_controller_follows_the_app_against_a_real_dockerd() {
    let Some(mut d) = dockerd::Dockerd::start("run") else { return };
    d.import_busybox("rdd-test/busybox:1");
    let web = d.docker(&["run", "-d", "--network", "none", "--name", "web", "rdd-test/busybox:1", "sleep", "1000"]);
    d.docker(&["volume", "create", "My_Vol_Ume"]);
    let api = FakeApiServer::start().await;
    set_app(&api, 1, "True", "moby");
    let (shutdown_tx, shutdown) = tokio::sync::watch::channel(false);
    let options = EngineOptions {
        managed_docker_host: Some(d.host.clone()),
        tick: Duration::from_millis(300),
        ..EngineOptions::default()
    };
    let controller = tokio::spawn(rdd_controller::engine::run(api.client(), options, shutdown));

    eventually("Connected at generation 1", || engine_ready(&api) == Some(("True".into(), "Connected".into(), 1)))
        .await;
    // Everything Connected promises is there.
    assert_eq!(api.names("api/v1/namespaces"), [NS]);
    assert_eq!(api.names(CNS), ["moby"]);
    assert_eq!(api.names(CONTAINERS), std::slice::from_ref(&web));
    assert_eq!(api.names(IMAGES).len(), 1);
    assert_eq!(api.names(VOLUMES), [volume_mirror_name("My_Vol_Ume")]);

    // A spec change of the App while connected is re-stamped (seed r5 C1).
    set_app(&api, 2, "True", "moby");
    eventually("Connected at generation 2", || engine_ready(&api) == Some(("True".into(), "Connected".into(), 2)))
        .await;

    // At rest, the controller reconciles on its tick (300 ms here), not in
    // a loop: a receiver cloned from the session's state channel once saw
    // every later tick as a change and spun a core.
    let requests = api.lock().requests;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let at_rest = api.lock().requests - requests;
    assert!(at_rest <= 20, "{at_rest} API requests in 1 s from a controller at rest");

    // Docker → Kubernetes, live.
    let idle = d.docker(&["create", "--network", "none", "--name", "idle", "rdd-test/busybox:1", "sleep", "1000"]);
    eventually("a new container is mirrored", || api.get(CONTAINERS, &idle).is_some()).await;

    // spec.state=running on a created container starts it.
    let containers: Api<Container> = Api::namespaced(api.client(), NS);
    let mut c = containers.get(&idle).await.unwrap();
    c.spec.state = DesiredState::Running;
    containers.replace(&idle, &PostParams::default(), &c).await.unwrap();
    eventually("started by spec.state", || {
        api.get(CONTAINERS, &idle).is_some_and(|c| {
            c["status"]["status"] == "running"
                && c["status"]["conditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["type"] == "StateReconciled" && c["status"] == "True" && c["observedGeneration"] == 2)
        })
    })
    .await;
    assert_eq!(d.docker(&["inspect", "--format", "{{.State.Status}}", "idle"]), "running");

    // Deleting a mirror removes the container, then the mirror.
    containers.delete(&web, &DeleteParams::default()).await.unwrap();
    eventually("the mirror is gone", || api.get(CONTAINERS, &web).is_none()).await;
    assert!(d.try_docker(&["inspect", &web]).is_none(), "the container is gone from Docker");

    // ContainerNamespace moby comes back (seed r5 I1).
    let cns: Api<rdd_api::ContainerNamespace> = Api::namespaced(api.client(), NS);
    cns.delete("moby", &DeleteParams::default()).await.unwrap();
    eventually("moby is back", || api.get(CNS, "moby").is_some()).await;

    // dockerd dies and is restarted while the user still wants it running
    // (the app controller shows Running=False/StartFailed meanwhile): the
    // mirrors are held, and the session re-syncs them in place.
    let uids = |api: &FakeApiServer| {
        [CONTAINERS, IMAGES, VOLUMES]
            .iter()
            .flat_map(|c| {
                api.names(c).into_iter().map(move |n| (n.clone(), api.get(c, &n).unwrap()["metadata"]["uid"].clone()))
            })
            .collect::<Vec<_>>()
    };
    let mut c = containers.get(&idle).await.unwrap();
    c.spec.state = DesiredState::Unknown;
    containers.replace(&idle, &PostParams::default(), &c).await.unwrap();
    let before = uids(&api);
    let mark = api.lock().revision;
    let mut hold = app(3, "False", "moby");
    hold["spec"]["running"] = json!(true);
    hold["status"]["conditions"][0]["reason"] = json!("StartFailed");
    api.put(APPS, hold);
    d.restart();
    set_app(&api, 3, "True", "moby");
    eventually("the restart is seen in place", || {
        api.get(CONTAINERS, &idle).is_some_and(|c| c["status"]["status"] == "exited")
            && engine_ready(&api) == Some(("True".into(), "Connected".into(), 3))
    })
    .await;
    assert_eq!(uids(&api), before, "same objects, same UIDs");
    let deleted: Vec<String> = api
        .lock()
        .log
        .iter()
        .filter(|c| c.revision > mark && c.kind == "DELETED" && c.collection != APPS)
        .map(|c| c.object["metadata"]["name"].to_string())
        .collect();
    assert!(deleted.is_empty(), "no DELETED for survivors: {deleted:?}");

    // Engine stopped: sweep first, then Stopped (SPEC §6.7).
    set_app(&api, 4, "False", "moby");
    eventually("Stopped at generation 4", || engine_ready(&api) == Some(("False".into(), "Stopped".into(), 4))).await;
    for collection in [CONTAINERS, IMAGES, VOLUMES, CNS] {
        assert!(api.names(collection).is_empty(), "{collection} swept before Stopped");
    }
    // Docker was not touched by the sweep.
    assert_eq!(d.docker(&["inspect", "--format", "{{.State.Status}}", "idle"]), "exited");
    // Idle reconciles do not sweep again (seed r2 I8): a labelled object
    // written now outlives several ticks.
    api.put(
        VOLUMES,
        json!({"apiVersion": "containers.rancherdesktop.io/v1alpha1", "kind": "Volume",
        "metadata": {"name": "late", "namespace": NS, "labels": {"engine.rancherdesktop.io/mirror": "true"}}}),
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(api.names(VOLUMES), ["late"], "swept again while idle");
    let volumes: Api<Volume> = Api::namespaced(api.client(), NS);
    volumes.delete("late", &DeleteParams::default()).await.unwrap();

    // containerd: NotApplicable, no mirrors.
    set_app(&api, 5, "True", "containerd");
    eventually("NotApplicable", || engine_ready(&api) == Some(("True".into(), "NotApplicable".into(), 5))).await;
    assert!(api.names(CONTAINERS).is_empty());

    // Back to moby: mirrors return.
    set_app(&api, 6, "True", "moby");
    eventually("Connected again", || engine_ready(&api) == Some(("True".into(), "Connected".into(), 6))).await;
    assert_eq!(api.names(CONTAINERS), std::slice::from_ref(&idle));

    shutdown_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), controller).await.unwrap().unwrap().unwrap();
}
