//! The engine controller's Docker side against a real, private dockerd
//! (started here on its own socket, data and exec roots, without bridge or
//! iptables): bollard with API negotiation, the snapshot → mirror mapping
//! of SPEC §4.2–§4.4, and the event → work mapping of SPEC §6.4 on real
//! events. Skipped (with a message) where dockerd cannot run.

#[path = "support/dockerd.rs"]
#[allow(dead_code)] // one helper for every test with a real daemon
mod dockerd;

use std::collections::BTreeMap;
use std::time::Duration;

use dockerd::Dockerd;

use futures::StreamExt;
use rdd_api::container::{DesiredState, ObservedState};
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rdd_api::mirror::{image_mirror_name, volume_mirror_name};
use rdd_controller::engine::bollard_source::BollardSource;
use rdd_controller::engine::events::work_for_event;
use rdd_controller::engine::mapping::{container_status, image_names_from_summary, image_statuses, volume_status};
use rdd_controller::engine::plan::Attempt;
use rdd_controller::engine::queue::Work;
use rdd_controller::engine::session::events_since;
use rdd_controller::engine::{DockerErrorKind, DockerSource};

fn now() -> Time {
    Time(rdd_api::jiff::Timestamp::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_real_snapshot_maps_to_the_specified_mirrors() {
    let Some(d) = Dockerd::start("snap") else { return };
    let docker = BollardSource::connect(&d.host).await.expect("connect with API negotiation");
    docker.ping().await.unwrap();
    let clock = docker.system_time().await.unwrap().expect("dockerd reports its clock");
    assert!(events_since(Some(&clock)).contains('.'));

    let old = d.import_busybox("rdd-test/busybox:1");
    // Importing the tag again leaves the first image dangling.
    let id = d.import_busybox("rdd-test/busybox:1");
    assert_ne!(old, id);
    d.docker(&["tag", "rdd-test/busybox:1", "rdd-test/busybox:2"]);
    let web = d.docker(&[
        "run",
        "-d",
        "--network",
        "none",
        "--expose",
        "80",
        "--name",
        "web",
        "-l",
        "app=web",
        "-l",
        "tier=a",
        "rdd-test/busybox:1",
        "sleep",
        "1000",
    ]);
    d.docker(&["pause", "web"]);
    let idle = d.docker(&["create", "--network", "none", "--name", "idle", "rdd-test/busybox:1", "sleep", "1"]);
    d.docker(&["volume", "create", "--label", "k=v", "My_Vol_Ume"]);

    // Containers.
    let mut ids = docker.list_containers().await.unwrap();
    ids.sort();
    let mut want = vec![web.clone(), idle.clone()];
    want.sort();
    assert_eq!(ids, want);
    let inspect = docker.inspect_container(&web).await.unwrap();
    let (name, status) = container_status(&inspect, DesiredState::Unknown, None, 1, &Attempt::None, now()).unwrap();
    assert_eq!(name, web);
    assert_eq!((status.namespace.as_deref(), status.name.as_deref()), (Some("moby"), Some("web")));
    assert_eq!(status.status, ObservedState::Paused);
    assert_eq!(status.image.as_deref(), Some(id.as_str()));
    assert_eq!(status.path.as_deref(), Some("sleep"));
    assert_eq!(status.args, ["1000"]);
    assert_eq!(serde_json::to_value(&status.ports).unwrap(), serde_json::json!([{"name": "80/tcp"}]));
    assert_eq!(
        status.labels,
        BTreeMap::from([("app".to_owned(), "web".to_owned()), ("tier".to_owned(), "a".to_owned())])
    );
    assert!(status.pid.is_some_and(|p| p > 0));
    assert!(status.created_at.is_some() && status.started_at.is_some() && status.finished_at.is_none());
    let conditions: BTreeMap<String, String> =
        status.conditions.iter().map(|c| (c.type_.clone(), c.status.clone())).collect();
    assert_eq!(conditions["Running"], "True");
    assert_eq!(conditions["Paused"], "True");
    assert_eq!(conditions["Dead"], "False");
    assert_eq!(conditions["StateReconciled"], "True");
    // Second precision, as stored.
    let created = serde_json::to_value(&status.created_at).unwrap();
    assert!(created.as_str().unwrap().ends_with('Z') && !created.as_str().unwrap().contains('.'));

    let inspect = docker.inspect_container(&idle).await.unwrap();
    let (_, status) = container_status(&inspect, DesiredState::Unknown, None, 1, &Attempt::None, now()).unwrap();
    assert_eq!((status.namespace.as_deref(), status.name.as_deref()), (Some("moby"), Some("idle")));
    assert_eq!(status.status, ObservedState::Created);
    assert!(status.pid.is_none() && status.started_at.is_none());

    // Images: names from the list equal names from the inspects.
    let summaries = docker.list_images().await.unwrap();
    let mut from_list: Vec<String> = summaries.iter().flat_map(image_names_from_summary).collect();
    from_list.sort();
    let mut from_inspect = Vec::new();
    for s in &summaries {
        from_inspect.extend(image_statuses(&docker.inspect_image(&s.id).await.unwrap()).into_iter().map(|(n, _)| n));
    }
    from_inspect.sort();
    let mut want = vec![
        image_mirror_name(&id, Some("rdd-test/busybox:1")),
        image_mirror_name(&id, Some("rdd-test/busybox:2")),
        image_mirror_name(&old, None),
    ];
    want.sort();
    assert_eq!(from_list, want);
    assert_eq!(from_inspect, want);
    let tagged = image_statuses(&docker.inspect_image(&id).await.unwrap());
    let (_, first) = &tagged[0];
    assert_eq!(first.repo_tag.as_deref(), Some("rdd-test/busybox:1"));
    assert_eq!(first.namespace.as_deref(), Some("moby"));
    assert!(first.size.is_some_and(|s| s > 0) && first.created_at.is_some());
    assert!(first.os.as_deref() == Some("linux"));

    // Volumes.
    let volumes = docker.list_volumes().await.unwrap();
    assert_eq!(volumes.len(), 1);
    let (name, status) = volume_status(&volumes[0]);
    assert_eq!(name, volume_mirror_name("My_Vol_Ume"));
    assert_eq!(status.name.as_deref(), Some("My_Vol_Ume"));
    assert_eq!(status.driver.as_deref(), Some("local"));
    assert_eq!(status.scope.as_deref(), Some("local"));
    assert_eq!(status.labels, BTreeMap::from([("k".to_owned(), "v".to_owned())]));
    assert!(status.created_at.is_some() && status.mountpoint.is_some());

    // Errors are classified: NotFound for a gone object, Conflict for an image in use.
    let gone = docker.inspect_container("doesnotexist").await.unwrap_err();
    assert_eq!(gone.kind, DockerErrorKind::NotFound);
    let in_use = docker.remove_image(&id).await.unwrap_err();
    assert_eq!(in_use.kind, DockerErrorKind::Conflict, "{in_use}");
    // Kubernetes → Docker calls: unpause, stop, start, forced remove.
    docker.unpause_container(&web).await.unwrap();
    docker.stop_container(&web).await.unwrap();
    docker.start_container(&web).await.unwrap();
    docker.remove_container(&web).await.unwrap();
    docker.remove_image("rdd-test/busybox:2").await.unwrap();
    docker.remove_volume("My_Vol_Ume").await.unwrap();
    assert!(docker.list_volumes().await.unwrap().is_empty());
}

/// Collects work from the event stream until `last` arrives.
async fn collect_until(
    events: &mut futures::stream::BoxStream<
        'static,
        Result<bollard::models::EventMessage, rdd_controller::engine::DockerError>,
    >,
    last: &Work,
) -> Vec<Work> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let next = tokio::time::timeout_at(deadline, events.next()).await.expect("events arrive in time");
        let event = next.expect("stream open").expect("event readable");
        if let Some(work) = work_for_event(&event) {
            let done = &work == last;
            seen.push(work);
            if done {
                return seen;
            }
        }
    }
}

fn position(seen: &[Work], work: &Work) -> usize {
    seen.iter().position(|w| w == work).unwrap_or_else(|| panic!("{work:?} not in {seen:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_real_events_map_to_the_specified_work() {
    let Some(d) = Dockerd::start("evt") else { return };
    let docker = BollardSource::connect(&d.host).await.unwrap();
    // Since from the daemon clock, taken before anything happens: the
    // stream opened afterwards replays it all.
    let since = events_since(docker.system_time().await.unwrap().as_deref());
    let id = d.import_busybox("rdd-test/busybox:1");
    let c = d.docker(&["create", "--network", "none", "--name", "one", "rdd-test/busybox:1", "sleep", "1000"]);
    d.docker(&["start", "one"]);
    d.docker(&["pause", "one"]);
    d.docker(&["unpause", "one"]);
    d.docker(&["rename", "one", "two"]);
    d.docker(&["rm", "-f", "two"]);
    d.docker(&["tag", "rdd-test/busybox:1", "rdd-test/busybox:2"]);
    d.docker(&["rmi", "rdd-test/busybox:2"]);
    d.docker(&["volume", "create", "My_Vol_Ume"]);
    d.docker(&["volume", "rm", "My_Vol_Ume"]);
    let mut events = docker.events(&since);
    let seen = collect_until(&mut events, &Work::VolumeGone("My_Vol_Ume".into())).await;

    assert_eq!(position(&seen, &Work::Image(id.clone())), 0, "import comes first: {seen:#?}");
    let container_work: Vec<&Work> =
        seen.iter().filter(|w| matches!(w, Work::Container(x) | Work::ContainerGone(x) if *x == c)).collect();
    // create, start, pause, unpause, rename, then kill/die/… and destroy last.
    assert!(container_work.len() >= 6, "{container_work:#?}");
    assert!(container_work[..5].iter().all(|w| **w == Work::Container(c.clone())));
    assert_eq!(container_work.last(), Some(&&Work::ContainerGone(c.clone())));
    // tag and untag both carry the image ID: the untag is handled by re-inspecting it.
    let destroy = position(&seen, &Work::ContainerGone(c.clone()));
    let image_after: Vec<&Work> = seen[destroy..].iter().filter(|w| matches!(w, Work::Image(_))).collect();
    assert_eq!(image_after, [&Work::Image(id.clone()), &Work::Image(id.clone())], "{seen:#?}");
    assert!(
        position(&seen, &Work::Volume("My_Vol_Ume".into())) < position(&seen, &Work::VolumeGone("My_Vol_Ume".into()))
    );

    // docker save | docker load, then a delete of the image.
    d.sh("docker save rdd-test/busybox:1 > \"$D/img.tar\" && docker rmi rdd-test/busybox:1 >/dev/null && docker load -i \"$D/img.tar\" >/dev/null");
    d.docker(&["rmi", "rdd-test/busybox:1"]);
    let seen = collect_until(&mut events, &Work::ImageGone(id.clone())).await;
    // untag + delete for the rmi, load (by ID), then untag + delete again.
    assert!(seen.contains(&Work::Image(id.clone())), "{seen:#?}");
    assert_eq!(
        seen.iter().filter(|w| **w == Work::ImageGone(id.clone())).count(),
        1,
        "stops at the first delete: {seen:#?}"
    );
    let rest = collect_until(&mut events, &Work::ImageGone(id.clone())).await;
    assert!(rest.contains(&Work::Image(id.clone())), "load is re-inspected: {rest:#?}");
}
