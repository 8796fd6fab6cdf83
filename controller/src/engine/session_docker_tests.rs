//! The whole mirror session against a real, private dockerd, with the
//! in-memory store standing in for the API server: start-up sync, live
//! events (run, rename, tag/untag, dangling ↔ tagged with a container
//! pinning the image, volumes, destroy), spec.state through real Docker
//! calls, and a dockerd restart that keeps every survivor's UID.

#[path = "../../tests/support/dockerd.rs"]
#[allow(dead_code)] // one helper for every test with a real daemon
mod dockerd;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rdd_api::container::{DesiredState, ObservedState};
use rdd_api::mirror::{image_mirror_name, volume_mirror_name};
use rdd_api::{Container, Volume};

use super::bollard_source::BollardConnector;
use super::queue::MirrorKind;
use super::session::{Session, SessionConfig, SessionState};
use super::testing::MemoryStore;
use dockerd::Dockerd;

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

fn observed(store: &MemoryStore, id: &str) -> Option<ObservedState> {
    store.object::<Container>(id).and_then(|c| c.status).map(|s| s.status)
}

fn uids(store: &MemoryStore) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for kind in [MirrorKind::Container, MirrorKind::Image, MirrorKind::Volume] {
        for name in store.names(kind) {
            out.insert(name.clone(), store.uid(kind, &name).unwrap_or_default());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_dockerd_is_mirrored_live_and_across_a_restart() {
    let Some(mut d) = Dockerd::start("ses") else { return };
    let old = d.import_busybox("rdd-test/busybox:1");
    let id = d.import_busybox("rdd-test/busybox:1");
    let web = d.docker(&["run", "-d", "--network", "none", "--name", "web", "rdd-test/busybox:1", "sleep", "1000"]);
    d.docker(&["volume", "create", "My_Vol_Ume"]);

    // Containers created while the session starts are all mirrored: the
    // event stream replays from the daemon clock taken before the snapshot.
    let host = d.host.clone();
    let creator = std::thread::spawn(move || {
        (0..8)
            .map(|i| {
                let out = std::process::Command::new("docker")
                    .args(["-H", &host, "create", "--network", "none", "--name", &format!("during{i}")])
                    .args(["rdd-test/busybox:1", "sleep", "1"])
                    .output()
                    .expect("docker create");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8_lossy(&out.stdout).trim().to_owned()
            })
            .collect::<Vec<String>>()
    });
    let store = MemoryStore::default();
    let mut config = SessionConfig::new(d.host.clone(), Duration::from_secs(300));
    config.connect_give_up = Duration::from_secs(20);
    let metrics = config.metrics.clone();
    let session = Session::start(Arc::new(BollardConnector), Arc::new(store.clone()), config);
    let mut state = session.subscribe();
    tokio::time::timeout(Duration::from_secs(30), state.wait_for(|s| *s == SessionState::Connected))
        .await
        .expect("connects")
        .unwrap();
    let during = tokio::task::spawn_blocking(move || creator.join().expect("creator thread")).await.unwrap();
    eventually("every container created during start-up is mirrored", || {
        let names = store.names(MirrorKind::Container);
        during.iter().all(|id| names.contains(id)) && names.contains(&web)
    })
    .await;
    for id in &during {
        d.docker(&["rm", id]);
    }
    eventually("and their removal too", || store.names(MirrorKind::Container) == std::slice::from_ref(&web)).await;
    let mut images = vec![image_mirror_name(&id, Some("rdd-test/busybox:1")), image_mirror_name(&old, None)];
    images.sort();
    assert_eq!(store.names(MirrorKind::Image), images);
    assert_eq!(store.names(MirrorKind::Volume), [volume_mirror_name("My_Vol_Ume")]);
    assert!(store.state().container_namespace);

    // Live: rename follows.
    d.docker(&["rename", "web", "web2"]);
    eventually("rename reaches status.name", || {
        store.object::<Container>(&web).and_then(|c| c.status).and_then(|s| s.name).as_deref() == Some("web2")
    })
    .await;

    // Tag and untag: only that tag's mirror comes and goes.
    d.docker(&["tag", "rdd-test/busybox:1", "rdd-test/busybox:x"]);
    let x = image_mirror_name(&id, Some("rdd-test/busybox:x"));
    eventually("the new tag is mirrored", || store.names(MirrorKind::Image).contains(&x)).await;
    d.docker(&["rmi", "rdd-test/busybox:x"]);
    eventually("the removed tag is gone", || !store.names(MirrorKind::Image).contains(&x)).await;
    assert!(store.names(MirrorKind::Image).contains(&image_mirror_name(&id, Some("rdd-test/busybox:1"))));

    // Tagged → dangling while the running container pins the image, and back.
    d.docker(&["rmi", "-f", "rdd-test/busybox:1"]);
    let dangling = image_mirror_name(&id, None);
    eventually("tagged → dangling", || {
        let names = store.names(MirrorKind::Image);
        names.contains(&dangling) && !names.contains(&image_mirror_name(&id, Some("rdd-test/busybox:1")))
    })
    .await;
    d.docker(&["tag", &id, "rdd-test/busybox:2"]);
    eventually("dangling → tagged", || {
        let names = store.names(MirrorKind::Image);
        !names.contains(&dangling) && names.contains(&image_mirror_name(&id, Some("rdd-test/busybox:2")))
    })
    .await;

    // spec.state through real Docker calls: paused → running is an unpause.
    d.docker(&["pause", "web2"]);
    eventually("paused is mirrored", || observed(&store, &web) == Some(ObservedState::Paused)).await;
    store.user_set_state(&web, DesiredState::Running);
    eventually("unpaused", || observed(&store, &web) == Some(ObservedState::Running)).await;
    assert_eq!(d.docker(&["inspect", "--format", "{{.State.Status}}", "web2"]), "running");
    store.user_set_state(&web, DesiredState::Unknown);

    // Volumes come and go.
    d.docker(&["volume", "create", "second"]);
    eventually("volume create", || store.object::<Volume>(&volume_mirror_name("second")).is_some()).await;
    d.docker(&["volume", "rm", "second"]);
    eventually("volume rm", || store.object::<Volume>(&volume_mirror_name("second")).is_none()).await;

    // A container created and destroyed.
    let tmp = d.docker(&["create", "--network", "none", "rdd-test/busybox:2", "sleep", "1"]);
    eventually("create", || store.object::<Container>(&tmp).is_some()).await;
    d.docker(&["rm", "-f", &tmp]);
    eventually("destroy", || store.object::<Container>(&tmp).is_none()).await;

    // dockerd restarts: the stream breaks, the session reconnects and
    // re-syncs in place; survivors keep their UIDs, nothing is deleted.
    let before = uids(&store);
    let deleted_before = store.state().deleted.len();
    d.restart();
    eventually("reconnected after the restart, the stopped container seen as exited", || {
        metrics.watcher_restarts.load(Ordering::Relaxed) == 1
            && session.state() == SessionState::Connected
            && observed(&store, &web) == Some(ObservedState::Exited)
    })
    .await;
    assert_eq!(uids(&store), before, "same objects, same UIDs");
    assert_eq!(store.state().deleted.len(), deleted_before, "no DELETED for survivors");
    session.stop().await;
}
