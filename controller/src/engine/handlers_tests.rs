//! Scenario tests of the handlers against the scripted Docker and the
//! in-memory store: the review findings of seeds r2 and r5, one by one.

use std::sync::Arc;

use bollard::models::EventMessageTypeEnum as T;
use rdd_api::container::{DesiredState, ObservedState, condition};
use rdd_api::mirror::{MIRROR_FINALIZER, image_mirror_name};
use rdd_api::{Container, Image};

use super::error::DockerErrorKind;
use super::events::work_for_event;
use super::handlers::Handlers;
use super::queue::{MirrorKind, Work};
use super::testing::{FakeDocker, Fault, MemoryStore, container, event, image};

const C1: &str = "c100000000000000000000000000000000000000000000000000000000000001";
const C2: &str = "c200000000000000000000000000000000000000000000000000000000000002";
const A: &str = "sha256:aaaa";
const B: &str = "sha256:bbbb";

fn setup() -> (FakeDocker, MemoryStore, Handlers<FakeDocker, MemoryStore>) {
    let docker = FakeDocker::default();
    let store = MemoryStore::default();
    let handlers = Handlers::new(Arc::new(docker.clone()), Arc::new(store.clone()), 4);
    (docker, store, handlers)
}

fn containers(store: &MemoryStore) -> Vec<String> {
    store.names(MirrorKind::Container)
}

fn images(store: &MemoryStore) -> Vec<String> {
    store.names(MirrorKind::Image)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn full_sync_tolerates_a_container_removed_between_list_and_inspect() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    docker.state().containers.insert(C2.into(), container(C2, "two", "exited", A));
    docker.fault(&format!("inspect_container {C2}"), Fault::Fail(DockerErrorKind::NotFound));
    let outcome = h.full_sync().await.expect("a NotFound race does not fail the sync");
    assert!(outcome.failed.is_empty());
    assert_eq!(containers(&store), [C1]);
    assert!(store.state().container_namespace);
}

#[tokio::test]
async fn a_transient_inspect_failure_keeps_the_existing_mirrors() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    docker.state().images.insert(A.into(), image(A, &["x:1", "x:2"]));
    h.full_sync().await.unwrap();
    let uid = store.uid(MirrorKind::Image, &image_mirror_name(A, Some("x:1")));
    docker.fault(&format!("inspect_image {A}"), Fault::Fail(DockerErrorKind::Server(500)));
    docker.fault(&format!("inspect_container {C1}"), Fault::Fail(DockerErrorKind::Server(500)));
    let outcome = h.full_sync().await.unwrap();
    assert_eq!(outcome.failed, [Work::Container(C1.into()), Work::Image(A.into())]);
    assert_eq!(containers(&store), [C1]);
    assert_eq!(images(&store), sorted(vec![image_mirror_name(A, Some("x:1")), image_mirror_name(A, Some("x:2"))]));
    assert_eq!(store.uid(MirrorKind::Image, &image_mirror_name(A, Some("x:1"))), uid);
    assert!(store.state().deleted.is_empty());
}

#[tokio::test]
async fn an_unchanged_snapshot_writes_nothing_and_stale_mirrors_are_pruned() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    docker.state().containers.insert(C2.into(), container(C2, "two", "running", A));
    h.full_sync().await.unwrap();
    let writes = store.writes(MirrorKind::Container, C1);
    docker.state().containers.remove(C2);
    h.full_sync().await.unwrap();
    assert_eq!(store.writes(MirrorKind::Container, C1), writes, "no write when nothing changed");
    assert_eq!(containers(&store), [C1]);
    assert_eq!(store.state().deleted, [format!("Container {C2}")]);
}

#[tokio::test]
async fn untag_is_handled_by_re_inspecting_the_id() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &["x:1", "x:2"]));
    h.full_sync().await.unwrap();
    docker.state().images.insert(A.into(), image(A, &["x:1"]));
    // Docker's untag event carries the image ID, never the tag.
    let work = work_for_event(&event(T::IMAGE, "untag", A)).unwrap();
    h.handle(&work).await.unwrap();
    assert_eq!(images(&store), [image_mirror_name(A, Some("x:1"))]);
}

#[tokio::test]
async fn tagged_and_dangling_transitions_go_both_ways() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &[]));
    h.full_sync().await.unwrap();
    assert_eq!(images(&store), [image_mirror_name(A, None)]);
    docker.state().images.insert(A.into(), image(A, &["x:1"]));
    h.handle(&Work::Image(A.into())).await.unwrap();
    assert_eq!(images(&store), [image_mirror_name(A, Some("x:1"))]);
    docker.state().images.insert(A.into(), image(A, &[]));
    h.handle(&Work::Image(A.into())).await.unwrap();
    assert_eq!(images(&store), [image_mirror_name(A, None)]);
}

#[tokio::test]
async fn a_re_pointed_tag_leaves_the_old_image_dangling() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &["x:1"]));
    docker.state().images.insert(B.into(), image(B, &[]));
    h.full_sync().await.unwrap();
    // `docker tag b x:1`: a tag event for B only.
    docker.state().images.insert(A.into(), image(A, &[]));
    docker.state().images.insert(B.into(), image(B, &["x:1"]));
    let outcome = h.handle(&work_for_event(&event(T::IMAGE, "tag", B)).unwrap()).await.unwrap();
    assert_eq!(outcome.follow_up, [Work::Image(A.into())]);
    for work in outcome.follow_up {
        h.handle(&work).await.unwrap();
    }
    assert_eq!(images(&store), sorted(vec![image_mirror_name(A, None), image_mirror_name(B, Some("x:1"))]));
    let tagged: Image = store.object(&image_mirror_name(B, Some("x:1"))).unwrap();
    assert_eq!(tagged.status.unwrap().id.as_deref(), Some(B));
}

#[tokio::test]
async fn image_delete_removes_every_mirror_of_the_id() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &["x:1", "x:2"]));
    docker.state().images.insert(B.into(), image(B, &["y:1"]));
    h.full_sync().await.unwrap();
    docker.state().images.remove(A);
    h.handle(&work_for_event(&event(T::IMAGE, "delete", A)).unwrap()).await.unwrap();
    assert_eq!(images(&store), [image_mirror_name(B, Some("y:1"))]);
}

#[tokio::test]
async fn rename_updates_the_name_and_keeps_the_object() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "before", "running", A));
    h.full_sync().await.unwrap();
    let uid = store.uid(MirrorKind::Container, C1);
    docker.state().containers.insert(C1.into(), container(C1, "after", "running", A));
    h.handle(&work_for_event(&event(T::CONTAINER, "rename", C1)).unwrap()).await.unwrap();
    let c: Container = store.object(C1).unwrap();
    assert_eq!(c.status.unwrap().name.as_deref(), Some("after"));
    assert_eq!(store.uid(MirrorKind::Container, C1), uid);
}

#[tokio::test]
async fn destroy_removes_the_mirror_without_calling_docker() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    h.full_sync().await.unwrap();
    docker.state().containers.remove(C1);
    h.handle(&work_for_event(&event(T::CONTAINER, "destroy", C1)).unwrap()).await.unwrap();
    assert!(containers(&store).is_empty());
    assert!(docker.calls().is_empty());
}

#[tokio::test]
async fn deleting_a_container_mirror_removes_the_container_then_the_finalizer() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    h.full_sync().await.unwrap();
    store.user_delete::<Container>(C1);
    // Two 409s on the finalizer removal: re-read and retried.
    store.state().finalizer_conflicts.insert(C1.into(), 2);
    h.handle(&Work::Delete(MirrorKind::Container, C1.into())).await.unwrap();
    assert_eq!(docker.calls(), [format!("remove_container {C1}")]);
    assert!(containers(&store).is_empty());
}

#[tokio::test]
async fn an_in_use_image_keeps_its_finalizer_until_docker_lets_go() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &["x:1"]));
    docker.state().containers.insert(C1.into(), container(C1, "pinning", "running", A));
    h.full_sync().await.unwrap();
    let name = image_mirror_name(A, Some("x:1"));
    store.user_delete::<Image>(&name);
    let err = h.handle(&Work::Delete(MirrorKind::Image, name.clone())).await.unwrap_err();
    assert!(err.to_string().contains("being used"), "{err}");
    let kept: Image = store.object(&name).unwrap();
    assert_eq!(kept.metadata.finalizers.as_deref(), Some(&[MIRROR_FINALIZER.to_owned()][..]));
    // A second refusal with the same reason adds no second Event.
    assert!(h.handle(&Work::Delete(MirrorKind::Image, name.clone())).await.is_err());
    let warnings = store.state().warnings.clone();
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].0.as_str(), warnings[0].1.as_str()), (name.as_str(), "DockerRefusedDelete"));
    // The container goes; the retry succeeds.
    docker.state().containers.remove(C1);
    h.handle(&Work::Delete(MirrorKind::Image, name.clone())).await.unwrap();
    assert!(images(&store).is_empty());
    assert_eq!(docker.calls(), ["remove_image x:1", "remove_image x:1", "remove_image x:1"]);
}

#[tokio::test]
async fn deleting_a_dangling_mirror_removes_by_id_and_a_re_pointed_tag_is_left_alone() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &[]));
    docker.state().images.insert(B.into(), image(B, &["x:1"]));
    h.full_sync().await.unwrap();
    store.user_delete::<Image>(&image_mirror_name(A, None));
    h.handle(&Work::Delete(MirrorKind::Image, image_mirror_name(A, None))).await.unwrap();
    assert_eq!(docker.calls(), [format!("remove_image {A}")]);
    // A stale mirror of x:1 for A (the tag moved to B): deleting it must not untag B.
    let stale = image_mirror_name(A, Some("x:1"));
    store.state().objects.insert((MirrorKind::Image, stale.clone()), super::testing::Stored {
        value: serde_json::json!({
            "apiVersion": "containers.rancherdesktop.io/v1alpha1", "kind": "Image",
            "metadata": {"name": stale, "finalizers": [MIRROR_FINALIZER], "deletionTimestamp": "2024-01-01T00:00:00Z"},
            "status": {"id": A, "repoTag": "x:1"}
        }),
        writes: 1,
    });
    h.handle(&Work::Delete(MirrorKind::Image, stale)).await.unwrap();
    assert_eq!(docker.calls().len(), 1, "no Docker call for a tag that names another image now");
    assert_eq!(images(&store), [image_mirror_name(B, Some("x:1"))]);
}

async fn state_after(h: &Handlers<FakeDocker, MemoryStore>, store: &MemoryStore) -> (ObservedState, String, String) {
    h.handle(&Work::ContainerState(C1.into())).await.ok();
    let c: Container = store.object(C1).unwrap();
    let status = c.status.unwrap();
    let cond = rdd_api::conditions::find_condition(&status.conditions, condition::STATE_RECONCILED).unwrap().clone();
    (status.status, cond.reason, cond.message)
}

#[tokio::test]
async fn spec_state_drives_start_stop_and_unpause() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "paused", A));
    h.full_sync().await.unwrap();
    store.user_set_state(C1, DesiredState::Running);
    assert_eq!(state_after(&h, &store).await, (ObservedState::Running, "StateMet".into(), String::new()));
    store.user_set_state(C1, DesiredState::Created);
    assert_eq!(state_after(&h, &store).await, (ObservedState::Exited, "StateMet".into(), String::new()));
    store.user_set_state(C1, DesiredState::Running);
    assert_eq!(state_after(&h, &store).await.0, ObservedState::Running);
    assert_eq!(
        docker.calls(),
        [format!("unpause_container {C1}"), format!("stop_container {C1}"), format!("start_container {C1}")]
    );
}

#[tokio::test]
async fn a_failed_state_change_is_shown_and_fails_the_work_for_a_retry() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "exited", A));
    h.full_sync().await.unwrap();
    store.user_set_state(C1, DesiredState::Running);
    docker.fault(&format!("start_container {C1}"), Fault::Fail(DockerErrorKind::Server(500)));
    assert!(h.handle(&Work::ContainerState(C1.into())).await.is_err());
    let c: Container = store.object(C1).unwrap();
    let cond = rdd_api::conditions::find_condition(&c.status.unwrap().conditions, condition::STATE_RECONCILED)
        .unwrap()
        .clone();
    assert_eq!((cond.status.as_str(), cond.reason.as_str()), ("False", "ActionFailed"));
    assert!(cond.message.contains("start_container"), "{}", cond.message);
    // The retry goes through and clears it.
    assert_eq!(state_after(&h, &store).await, (ObservedState::Running, "StateMet".into(), String::new()));
}

#[tokio::test]
async fn user_intent_survives_syncs() {
    let (docker, store, h) = setup();
    docker.state().containers.insert(C1.into(), container(C1, "one", "running", A));
    h.full_sync().await.unwrap();
    store.user_set_state(C1, DesiredState::Created);
    h.full_sync().await.unwrap();
    h.handle(&Work::Container(C1.into())).await.unwrap();
    let c: Container = store.object(C1).unwrap();
    assert_eq!(c.spec.state, DesiredState::Created);
}

#[tokio::test]
async fn the_moby_container_namespace_comes_back() {
    let (_docker, store, h) = setup();
    h.full_sync().await.unwrap();
    store.user_delete_container_namespace();
    h.handle(&Work::ContainerNamespace).await.unwrap();
    assert!(store.state().container_namespace);
    assert_eq!(store.state().container_namespace_creates, 2);
}

#[tokio::test]
async fn full_sync_tolerates_an_image_removed_between_list_and_inspect() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &["x:1"]));
    docker.state().images.insert(B.into(), image(B, &["y:1"]));
    docker.fault(&format!("inspect_image {B}"), Fault::Fail(DockerErrorKind::NotFound));
    let outcome = h.full_sync().await.expect("a NotFound race does not fail the sync");
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    // No mirror for an image that was gone when inspected; the others sync.
    assert_eq!(images(&store), [image_mirror_name(A, Some("x:1"))]);
}

#[tokio::test]
async fn a_500_on_one_image_inspect_keeps_its_mirror_while_the_rest_syncs_and_the_retry_repairs_it() {
    let (docker, store, h) = setup();
    docker.state().images.insert(A.into(), image(A, &["x:1"]));
    docker.state().images.insert(B.into(), image(B, &["y:1"]));
    h.full_sync().await.unwrap();
    let a1 = image_mirror_name(A, Some("x:1"));
    let (uid, writes) = (store.uid(MirrorKind::Image, &a1), store.writes(MirrorKind::Image, &a1));
    // Meanwhile A was also tagged x:2 and B y:2; A's inspect fails once.
    docker.state().images.insert(A.into(), image(A, &["x:1", "x:2"]));
    docker.state().images.insert(B.into(), image(B, &["y:1", "y:2"]));
    docker.fault(&format!("inspect_image {A}"), Fault::Fail(DockerErrorKind::Server(500)));
    let outcome = h.full_sync().await.unwrap();
    assert_eq!(outcome.failed, [Work::Image(A.into())], "the failed image is handed back for a retry");
    assert_eq!(store.uid(MirrorKind::Image, &a1), uid, "its mirror survives, same object");
    assert_eq!(store.writes(MirrorKind::Image, &a1), writes);
    assert!(store.state().deleted.is_empty());
    // x:2 is expected from the list but not written without an inspect.
    assert_eq!(
        images(&store),
        sorted(vec![a1.clone(), image_mirror_name(B, Some("y:1")), image_mirror_name(B, Some("y:2"))])
    );
    for work in outcome.failed {
        h.handle(&work).await.unwrap();
    }
    assert!(images(&store).contains(&image_mirror_name(A, Some("x:2"))));
    assert_eq!(store.uid(MirrorKind::Image, &a1), uid);
}
