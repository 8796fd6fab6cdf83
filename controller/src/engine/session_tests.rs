//! Tests of the session loop against the scripted Docker and the
//! in-memory store: start-up order, events, retries of failed and
//! panicking handlers, reconnect in place, connect give-up, periodic
//! resync, and Kubernetes-side work.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bollard::models::EventMessageTypeEnum as T;
use rdd_api::Container;
use rdd_api::container::{DesiredState, ObservedState};

use super::error::DockerErrorKind;
use super::queue::{Backoff, MirrorKind};
use super::session::{Session, SessionConfig, SessionState, events_since};
use super::testing::{FakeDocker, Fault, MemoryStore, container, event};

const C1: &str = "c100000000000000000000000000000000000000000000000000000000000001";
const C2: &str = "c200000000000000000000000000000000000000000000000000000000000002";
const C3: &str = "c300000000000000000000000000000000000000000000000000000000000003";
const A: &str = "sha256:aaaa";

fn config() -> SessionConfig {
    let fast = Backoff { initial: Duration::from_millis(5), max: Duration::from_millis(20) };
    SessionConfig {
        host: "unix:///fake.sock".into(),
        resync_period: Duration::from_secs(3600),
        concurrency: 2,
        connect_give_up: Duration::from_millis(100),
        connect_backoff: fast,
        retry_backoff: fast,
        queue_capacity: 100,
        metrics: Arc::default(),
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

fn start(docker: &FakeDocker, store: &MemoryStore, config: SessionConfig) -> Session {
    Session::start(Arc::new(docker.clone()), Arc::new(store.clone()), config)
}

#[test]
fn since_comes_from_the_daemon_clock() {
    assert_eq!(events_since(Some("2024-05-05T05:05:05.000000123Z")), "1714885505.000000123");
    // Without it: the host clock minus two minutes.
    let fallback: f64 = events_since(None).parse().unwrap();
    let now = rdd_api::jiff::Timestamp::now().as_second() as f64;
    assert!((now - 125.0..=now - 115.0).contains(&fallback), "{fallback} vs {now}");
}

#[tokio::test]
async fn start_up_syncs_then_follows_events_from_the_daemon_clock() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    let session = start(&docker, &store, config());
    let mut state = session.subscribe();
    state.wait_for(|s| *s == SessionState::Connected).await.unwrap();
    // Everything that Connected promises is there.
    assert!(store.state().namespace && store.state().container_namespace);
    assert_eq!(store.names(MirrorKind::Container), [C1]);
    assert_eq!(docker.state().since, ["1714885505.000000123"]);
    docker.state().containers.insert(C2.into(), container(C2, "two", "created", A));
    docker.emit(event(T::CONTAINER, "create", C2));
    eventually("the created container is mirrored", || store.names(MirrorKind::Container).len() == 2).await;
    session.stop().await;
}

#[tokio::test]
async fn failed_and_panicking_handlers_are_retried_and_the_loop_goes_on() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    let config = config();
    let metrics = config.metrics.clone();
    let session = start(&docker, &store, config);
    session.subscribe().wait_for(|s| *s == SessionState::Connected).await.unwrap();
    docker.state().containers.insert(C1.into(), container(C1, "err", "running", A));
    docker.state().containers.insert(C2.into(), container(C2, "panic", "running", A));
    docker.fault(&format!("inspect_container {C1}"), Fault::Fail(DockerErrorKind::Server(500)));
    docker.fault(&format!("inspect_container {C1}"), Fault::Fail(DockerErrorKind::Transport));
    docker.fault(&format!("inspect_container {C2}"), Fault::Panic);
    docker.emit(event(T::CONTAINER, "create", C1));
    docker.emit(event(T::CONTAINER, "create", C2));
    eventually("both containers are mirrored after retries", || store.names(MirrorKind::Container).len() == 2).await;
    // The loop survived the panic and still handles events.
    docker.state().containers.insert(C3.into(), container(C3, "later", "running", A));
    docker.emit(event(T::CONTAINER, "start", C3));
    eventually("a later event is handled", || store.names(MirrorKind::Container).len() == 3).await;
    assert_eq!(session.state(), SessionState::Connected);
    assert_eq!(metrics.retries.load(Ordering::Relaxed), 3, "two errors and one panic");
    assert_eq!(metrics.events_processed.load(Ordering::Relaxed), 3);
    assert!(metrics.mirror_lag.count() >= 1);
    session.stop().await;
}

#[tokio::test]
async fn a_broken_event_stream_reconnects_and_resyncs_in_place() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    docker.state().containers.insert(C1.into(), container(C1, "survivor", "running", A));
    docker.state().containers.insert(C2.into(), container(C2, "goner", "running", A));
    let config = config();
    let metrics = config.metrics.clone();
    let session = start(&docker, &store, config);
    let mut state = session.subscribe();
    state.wait_for(|s| *s == SessionState::Connected).await.unwrap();
    let uid = store.uid(MirrorKind::Container, C1);
    // dockerd restarts: the stream ends; meanwhile C2 went away and C3 appeared.
    docker.state().connect_failures = 2;
    docker.state().containers.remove(C2);
    docker.state().containers.insert(C3.into(), container(C3, "new", "running", A));
    docker.break_streams();
    state.wait_for(|s| matches!(s, SessionState::Connecting(_))).await.unwrap();
    state.wait_for(|s| *s == SessionState::Connected).await.unwrap();
    assert_eq!(store.names(MirrorKind::Container), [C1, C3]);
    assert_eq!(store.uid(MirrorKind::Container, C1), uid, "survivors keep their UID");
    assert_eq!(store.state().deleted, [format!("Container {C2}")], "no DELETED for survivors");
    assert_eq!(docker.state().since.len(), 2);
    assert_eq!(metrics.watcher_restarts.load(Ordering::Relaxed), 1);
    assert_eq!(metrics.sync_duration.count(), 2);
    session.stop().await;
}

#[tokio::test]
async fn connecting_turns_connect_failed_after_the_give_up_window_and_recovers() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    docker.state().connect_failures = 1_000;
    let session = start(&docker, &store, config());
    let mut state = session.subscribe();
    state.wait_for(|s| matches!(s, SessionState::Connecting(m) if m.contains("connection refused"))).await.unwrap();
    state.wait_for(|s| matches!(s, SessionState::ConnectFailed(_))).await.unwrap();
    assert!(store.names(MirrorKind::Container).is_empty(), "mirrors untouched while not connected");
    docker.state().connect_failures = 0;
    state.wait_for(|s| *s == SessionState::Connected).await.unwrap();
    session.stop().await;
}

#[tokio::test]
async fn periodic_resync_repairs_a_dropped_event() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    let mut config = config();
    config.resync_period = Duration::from_millis(1000);
    let session = start(&docker, &store, config);
    session.subscribe().wait_for(|s| *s == SessionState::Connected).await.unwrap();
    // No event at all for this one.
    docker.state().containers.insert(C1.into(), container(C1, "silent", "running", A));
    eventually("the resync mirrors it", || store.names(MirrorKind::Container) == [C1]).await;
    session.stop().await;
}

#[tokio::test]
async fn kubernetes_side_changes_reach_docker() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    docker.state().containers.insert(C1.into(), container(C1, "one", "paused", A));
    docker.state().containers.insert(C2.into(), container(C2, "two", "running", A));
    let session = start(&docker, &store, config());
    session.subscribe().wait_for(|s| *s == SessionState::Connected).await.unwrap();
    store.user_set_state(C1, DesiredState::Running);
    eventually("the paused container is unpaused", || {
        store.object::<Container>(C1).and_then(|c| c.status).is_some_and(|s| s.status == ObservedState::Running)
    })
    .await;
    store.user_delete::<Container>(C2);
    eventually("the deleted mirror's container is removed", || store.object::<Container>(C2).is_none()).await;
    store.user_delete_container_namespace();
    eventually("ContainerNamespace moby comes back", || store.state().container_namespace).await;
    assert_eq!(docker.calls(), [format!("unpause_container {C1}"), format!("remove_container {C2}")]);
    session.stop().await;
}

#[tokio::test]
async fn event_work_runs_in_parallel_but_one_at_a_time_per_object() {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    let session = start(&docker, &store, SessionConfig { concurrency: 4, ..config() });
    session.subscribe().wait_for(|s| *s == SessionState::Connected).await.unwrap();
    let ids: Vec<String> = (0..8).map(|i| format!("{i:064x}")).collect();
    docker.state().inspect_delay = Some(Duration::from_millis(30));
    for id in &ids {
        docker.state().containers.insert(id.clone(), container(id, id, "created", A));
    }
    // Several events per container while its first inspect is running.
    for round in ["create", "start", "stop", "start"] {
        for id in &ids {
            docker.emit(event(T::CONTAINER, round, id));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eventually("every container is mirrored", || store.names(MirrorKind::Container).len() == ids.len()).await;
    eventually("the handlers are done", || docker.state().inspecting.values().all(|n| *n == 0)).await;
    let (total, one) = {
        let state = docker.state();
        (state.max_inspecting, state.max_inspecting_one)
    };
    assert!(total > 1, "handlers ran one at a time");
    assert!(total <= 4, "more handlers than the pool: {total}");
    assert_eq!(one, 1, "two handlers of one container overlapped");
    session.stop().await;
}
