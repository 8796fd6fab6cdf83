//! The embedded control plane's collection semantics (SPEC §3.4), driven
//! through kube-rs against a real `rdd svc serve`: pagination,
//! resourceVersion semantics, selectors, watches (resume, bookmarks,
//! timeouts, 410 Gone), Tables, kube-runtime's watcher, reflector and
//! finalizer helper, and data kept across a restart.

mod support;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::core::ObjectMeta;
use kube::runtime::{WatchStreamExt, finalizer, reflector, watcher};
use rdd_api::image::Image;
use serde_json::{Value, json};
use support::{Service, api_error, create_namespace};

fn labelled(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn names(list: &kube::core::ObjectList<ConfigMap>) -> Vec<String> {
    list.items.iter().map(|cm| cm.metadata.name.clone().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_selectors_and_tables() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for (i, tier) in ["web", "web", "db", "cache", "web"].iter().enumerate() {
        cms.create(&PostParams::default(), &labelled(&format!("cm{i}"), &[("tier", tier), ("n", &i.to_string())]))
            .await
            .unwrap();
    }

    // limit/continue pages through everything once, in name order.
    let first = cms.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(names(&first), ["cm0", "cm1"]);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let token = first.metadata.continue_.clone().unwrap();
    let second = cms.list(&ListParams::default().limit(2).continue_token(&token)).await.unwrap();
    assert_eq!(names(&second), ["cm2", "cm3"]);
    let third = cms
        .list(&ListParams::default().limit(2).continue_token(second.metadata.continue_.as_ref().unwrap()))
        .await
        .unwrap();
    assert_eq!(names(&third), ["cm4"]);
    assert!(third.metadata.continue_.as_deref().unwrap_or_default().is_empty());

    // Label selectors.
    let web = cms.list(&ListParams::default().labels("tier=web")).await.unwrap();
    assert_eq!(names(&web), ["cm0", "cm1", "cm4"]);
    let not_web = cms.list(&ListParams::default().labels("tier!=web")).await.unwrap();
    assert_eq!(names(&not_web), ["cm2", "cm3"]);
    let set = cms.list(&ListParams::default().labels("tier in (db,cache),n")).await.unwrap();
    assert_eq!(names(&set), ["cm2", "cm3"]);
    let none = cms.list(&ListParams::default().labels("!tier")).await.unwrap();
    assert!(none.items.is_empty());
    let err = api_error(cms.list(&ListParams::default().labels("tier in (")).await.unwrap_err());
    assert_eq!(err.code, 400);

    // Field selectors: metadata.name, and a CRD's selectableFields.
    let one = cms.list(&ListParams::default().fields("metadata.name=cm3")).await.unwrap();
    assert_eq!(names(&one), ["cm3"]);
    let err = api_error(cms.list(&ListParams::default().fields("data.x=1")).await.unwrap_err());
    assert_eq!(err.code, 400);
    let images: Api<Image> = Api::namespaced(client.clone(), "rancher-desktop");
    for (name, tag) in [("img-a", "busybox:1"), ("img-b", "alpine:3")] {
        let image = Image::new(name, Default::default());
        images.create(&PostParams::default(), &image).await.unwrap();
        images
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"repoTag": tag, "id": "sha256:1"}})),
            )
            .await
            .unwrap();
    }
    let tagged = images.list(&ListParams::default().fields("status.repoTag=alpine:3")).await.unwrap();
    assert_eq!(tagged.items.iter().map(|i| i.metadata.name.clone().unwrap()).collect::<Vec<_>>(), ["img-b"]);

    // resourceVersion="0" may be served from the cache; an exact one
    // newer than the store waits briefly then fails (kube: 504 Timeout
    // "Too large resource version").
    let any = cms.list(&ListParams::default().match_any()).await.unwrap();
    assert_eq!(any.items.len(), 5);

    // Tables carry the printer columns.
    let request = http::Request::get("/apis/containers.rancherdesktop.io/v1alpha1/namespaces/rancher-desktop/images")
        .header(http::header::ACCEPT, "application/json;as=Table;g=meta.k8s.io;v=v1")
        .body(Vec::new())
        .unwrap();
    let table: Value = client.request(request).await.unwrap();
    assert_eq!(table["kind"], "Table");
    let columns: Vec<&str> =
        table["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(columns, ["Name", "Tag", "Size", "Age"]);
    assert_eq!(table["rows"][0]["cells"][0], "img-a");
    assert_eq!(table["rows"][0]["cells"][1], "busybox:1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_resume_bookmarks_timeouts_and_gone() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let start = cms.list(&ListParams::default()).await.unwrap().metadata.resource_version.unwrap();
    for i in 0..3 {
        cms.create(&PostParams::default(), &labelled(&format!("w{i}"), &[("k", "v")])).await.unwrap();
    }
    cms.patch("w1", &PatchParams::default(), &Patch::Merge(json!({"data": {"x": "1"}}))).await.unwrap();
    cms.delete("w2", &Default::default()).await.unwrap();

    // Resume from an earlier resourceVersion replays every change in order.
    let mut stream = cms.watch(&WatchParams::default().timeout(5), &start).await.unwrap().boxed();
    let mut seen = Vec::new();
    while seen.len() < 5 {
        match stream.try_next().await.unwrap().expect("watch ended early") {
            WatchEvent::Added(cm) => seen.push(format!("ADDED {}", cm.metadata.name.unwrap())),
            WatchEvent::Modified(cm) => seen.push(format!("MODIFIED {}", cm.metadata.name.unwrap())),
            WatchEvent::Deleted(cm) => seen.push(format!("DELETED {}", cm.metadata.name.unwrap())),
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(err) => panic!("watch error {err:?}"),
        }
    }
    assert_eq!(seen, ["ADDED w0", "ADDED w1", "ADDED w2", "MODIFIED w1", "DELETED w2"]);

    // timeoutSeconds ends the watch.
    let started = std::time::Instant::now();
    let now = cms.list(&ListParams::default()).await.unwrap().metadata.resource_version.unwrap();
    let mut stream = cms.watch(&WatchParams::default().timeout(1), &now).await.unwrap().boxed();
    while let Some(event) = stream.try_next().await.unwrap() {
        assert!(matches!(event, WatchEvent::Bookmark(_)), "no changes expected: {event:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(10));

    // Bookmarks: the initial-events-end bookmark of a streaming list.
    let params = WatchParams::default().timeout(2).initial_events();
    let mut stream = cms.watch(&params, "").await.unwrap().boxed();
    let mut got_bookmark = false;
    while let Some(event) = stream.try_next().await.unwrap() {
        if let WatchEvent::Bookmark(bookmark) = event {
            got_bookmark = bookmark.metadata.annotations.contains_key("k8s.io/initial-events-end");
            break;
        }
    }
    assert!(got_bookmark, "initial-events-end bookmark");

    // A resourceVersion older than the retained window: 410 Gone.
    let writes = 10_100;
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let cms = cms.clone();
            tokio::spawn(async move {
                for i in (t..writes).step_by(16) {
                    cms.create(&PostParams::default(), &labelled(&format!("bulk{i}"), &[])).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut stream = cms.watch(&WatchParams::default().timeout(5), &start).await.unwrap().boxed();
    match stream.try_next().await {
        Ok(Some(WatchEvent::Error(err))) => assert_eq!((err.code, err.reason.as_str()), (410, "Expired")),
        other => panic!("expected 410 Gone, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_runtime_watcher_reflector_and_finalizer() {
    let service = Service::start().await;
    let client = service.client().await;
    create_namespace(&client, "rancher-desktop").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    // reflector + watcher see creates and later changes.
    let (reader, writer) = reflector::store::<ConfigMap>();
    let stream = reflector(writer, watcher(cms.clone(), watcher::Config::default())).applied_objects();
    let watch_task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = stream.next().await {
            item.expect("watcher error");
        }
    });
    reader.wait_until_ready().await.unwrap();
    cms.create(&PostParams::default(), &labelled("r1", &[])).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while reader.state().iter().all(|cm| cm.metadata.name.as_deref() != Some("r1")) {
        assert!(std::time::Instant::now() < deadline, "reflector did not see r1");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // kube-runtime's finalizer helper: add on apply, run cleanup on delete.
    let cleaned = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let object = cms.get("r1").await.unwrap();
    let run = |object: std::sync::Arc<ConfigMap>| {
        let cms = cms.clone();
        let cleaned = cleaned.clone();
        async move {
            finalizer(&cms, "example.com/cleanup", object, |event| async move {
                if let finalizer::Event::Cleanup(_) = event {
                    cleaned.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                Ok::<_, std::convert::Infallible>(kube::runtime::controller::Action::await_change())
            })
            .await
        }
    };
    run(std::sync::Arc::new(object)).await.unwrap();
    let object = cms.get("r1").await.unwrap();
    assert_eq!(object.metadata.finalizers.as_deref(), Some(&["example.com/cleanup".to_string()][..]));
    cms.delete("r1", &Default::default()).await.unwrap();
    let terminating = cms.get("r1").await.unwrap();
    run(std::sync::Arc::new(terminating)).await.unwrap();
    assert!(cleaned.load(std::sync::atomic::Ordering::SeqCst));
    assert!(cms.get_opt("r1").await.unwrap().is_none());
    watch_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_a_restart() {
    let mut service = Service::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(service.client().await, "default");
    let created = cms.create(&PostParams::default(), &labelled("kept", &[("a", "b")])).await.unwrap();
    service.restart("-app,-engine").await;
    let cms: Api<ConfigMap> = Api::namespaced(service.client().await, "default");
    let kept = cms.get("kept").await.unwrap();
    assert_eq!(kept.metadata.uid, created.metadata.uid);
    assert_eq!(kept.metadata.resource_version, created.metadata.resource_version);
    let next = cms.create(&PostParams::default(), &labelled("after", &[])).await.unwrap();
    let before: u64 = created.metadata.resource_version.unwrap().parse().unwrap();
    let after: u64 = next.metadata.resource_version.unwrap().parse().unwrap();
    assert!(after > before, "revisions keep increasing after a restart");
}
