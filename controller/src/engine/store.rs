//! The Kubernetes side of the mirror as a trait: the mirror kinds
//! ([`Mirror`]) and the operations the engine controller performs on them
//! ([`MirrorStore`]). The kube implementation lives in `kube_store`; the
//! unit tests use an in-memory one. Every operation is idempotent and
//! tolerates NotFound, so a handler can be retried at any point.

use std::fmt::Debug;
use std::future::Future;

use futures::stream::BoxStream;
use kube::Resource;
use kube::core::NamespaceResourceScope;
use rdd_api::container::{ContainerSpec, ContainerStatus};
use rdd_api::image::{ImageFields, ImageStatus};
use rdd_api::mirror::{MIRROR_FINALIZER, MIRROR_LABEL, MIRROR_LABEL_VALUE};
use rdd_api::volume::{VolumeFields, VolumeStatus};
use rdd_api::{Container, Image, Volume};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::StoreError;
use super::queue::{MirrorKind, Work};

/// A mirrored kind: Container, Image or Volume.
pub trait Mirror:
    Resource<DynamicType = (), Scope = NamespaceResourceScope>
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    type Status: Clone + PartialEq + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;
    const KIND: MirrorKind;

    /// A new mirror as the engine creates it: labelled, with the mirror
    /// finalizer, spec at its default (`state: unknown` for a Container).
    fn new_mirror(name: &str) -> Self;
    fn mirror_status(&self) -> Option<&Self::Status>;
    fn set_mirror_status(&mut self, status: Self::Status);
}

fn mark<K: Resource>(object: &mut K) {
    let meta = object.meta_mut();
    meta.labels.get_or_insert_default().insert(MIRROR_LABEL.to_owned(), MIRROR_LABEL_VALUE.to_owned());
    meta.finalizers = Some(vec![MIRROR_FINALIZER.to_owned()]);
}

impl Mirror for Container {
    type Status = ContainerStatus;
    const KIND: MirrorKind = MirrorKind::Container;

    fn new_mirror(name: &str) -> Self {
        let mut c = Container::new(name, ContainerSpec::default());
        mark(&mut c);
        c
    }
    fn mirror_status(&self) -> Option<&ContainerStatus> {
        self.status.as_ref()
    }
    fn set_mirror_status(&mut self, status: ContainerStatus) {
        self.status = Some(status);
    }
}

impl Mirror for Image {
    type Status = ImageStatus;
    const KIND: MirrorKind = MirrorKind::Image;

    fn new_mirror(name: &str) -> Self {
        let mut i = Image::new(name, ImageFields {});
        mark(&mut i);
        i
    }
    fn mirror_status(&self) -> Option<&ImageStatus> {
        self.status.as_ref()
    }
    fn set_mirror_status(&mut self, status: ImageStatus) {
        self.status = Some(status);
    }
}

impl Mirror for Volume {
    type Status = VolumeStatus;
    const KIND: MirrorKind = MirrorKind::Volume;

    fn new_mirror(name: &str) -> Self {
        let mut v = Volume::new(name, VolumeFields {});
        mark(&mut v);
        v
    }
    fn mirror_status(&self) -> Option<&VolumeStatus> {
        self.status.as_ref()
    }
    fn set_mirror_status(&mut self, status: VolumeStatus) {
        self.status = Some(status);
    }
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
    /// The stored status already had this content: no write.
    Unchanged,
}

/// Computes the status to store from the mirror as it is now.
pub type StatusFn<K> = Box<dyn Fn(&K) -> <K as Mirror>::Status + Send + Sync>;

/// The Kubernetes operations of the engine controller, bound to one mirror
/// namespace.
pub trait MirrorStore: Send + Sync + 'static {
    /// The mirror namespace (`App.spec.namespace`).
    fn namespace(&self) -> &str;
    /// Creates the core/v1 Namespace if it is missing.
    fn ensure_namespace(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Creates ContainerNamespace `moby` (labelled, no finalizer) if missing.
    fn ensure_container_namespace(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every labelled mirror of the kind in the namespace.
    fn list<K: Mirror>(&self) -> impl Future<Output = Result<Vec<K>, StoreError>> + Send;
    fn get<K: Mirror>(&self, name: &str) -> impl Future<Output = Result<Option<K>, StoreError>> + Send;
    /// Plain create (spec written once, here) when missing, AlreadyExists
    /// falls through; then the status through `/status` unless unchanged.
    /// Conflicts re-read and retry, capped.
    fn upsert<K: Mirror>(
        &self,
        name: &str,
        status: StatusFn<K>,
    ) -> impl Future<Output = Result<Written, StoreError>> + Send;
    /// [`MirrorStore::upsert`] from a view of the mirror the caller already
    /// holds (`None`: known missing), as a full sync has from its list:
    /// no read before the write, and no request at all when the status is
    /// unchanged. A stale view (conflict, AlreadyExists, NotFound) falls
    /// back to the re-reading upsert.
    fn upsert_from<K: Mirror>(
        &self,
        name: &str,
        current: Option<K>,
        status: StatusFn<K>,
    ) -> impl Future<Output = Result<Written, StoreError>> + Send {
        async move {
            if let Some(current) = &current
                && current.mirror_status() == Some(&status(current))
            {
                return Ok(Written::Unchanged);
            }
            self.upsert(name, status).await
        }
    }
    /// Strips the mirror finalizer (re-read + retry on conflict, capped);
    /// NotFound is success.
    fn strip_finalizer<K: Mirror>(&self, name: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Docker no longer has the object: strip the finalizer, then delete.
    fn remove<K: Mirror>(&self, name: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records a Warning Event on a mirror (core/v1 Event).
    fn warn<K: Mirror>(
        &self,
        object: &K,
        reason: &str,
        message: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// SPEC §6.7: every labelled mirror of every kind, ContainerNamespace
    /// included: finalizers stripped first, then deleted. Returns how many.
    fn sweep(&self) -> impl Future<Output = Result<usize, StoreError>> + Send;
    /// Kubernetes-side changes that need work: mirrors being deleted,
    /// Containers whose spec.state needs a decision, ContainerNamespace
    /// `moby` gone.
    fn changes(&self) -> BoxStream<'static, Work>;
}

/// Whether Kubernetes is deleting the mirror and waits for our finalizer.
pub fn awaiting_finalizer<K: Resource>(object: &K) -> bool {
    let meta = object.meta();
    meta.deletion_timestamp.is_some() && meta.finalizers.iter().flatten().any(|f| f == MIRROR_FINALIZER)
}

/// The work a changed Container asks for: a Docker delete when it is
/// being deleted; a spec.state decision when the spec asks for a Docker
/// call or StateReconciled does not reflect the current spec yet.
pub fn container_change_work(container: &Container) -> Option<Work> {
    let name = container.metadata.name.clone()?;
    if awaiting_finalizer(container) {
        return Some(Work::Delete(MirrorKind::Container, name));
    }
    if container.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let status = container.status.clone().unwrap_or_default();
    let desired = container.spec.state;
    let generation = container.metadata.generation.unwrap_or(0);
    let needs = super::plan::state_action(desired, status.status).is_some()
        || super::mapping::state_condition_stale(desired, status.status, &status.conditions, generation);
    // A mirror without status was never synced: the sync writes it first.
    (needs && container.status.is_some()).then_some(Work::ContainerState(name))
}

/// The work a changed Image or Volume asks for: only a delete.
pub fn delete_work<K: Mirror>(object: &K) -> Option<Work> {
    let name = object.meta().name.clone()?;
    awaiting_finalizer(object).then_some(Work::Delete(K::KIND, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::conditions::{ConditionStatus, DesiredCondition, upsert_condition};
    use rdd_api::container::{DesiredState, ObservedState, condition};
    use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn container(desired: DesiredState, observed: ObservedState, reconciled: Option<(bool, &str, i64)>) -> Container {
        let mut c = Container::new_mirror("c1");
        c.spec.state = desired;
        c.metadata.generation = Some(2);
        let mut status = ContainerStatus { status: observed, ..ContainerStatus::default() };
        if let Some((ok, reason, generation)) = reconciled {
            let d = DesiredCondition {
                type_: condition::STATE_RECONCILED,
                status: ConditionStatus::from_bool(ok),
                reason,
                message: "",
            };
            upsert_condition(&mut status.conditions, &d, generation, Time(Default::default()));
        }
        c.status = Some(status);
        c
    }

    #[test]
    fn new_mirrors_carry_label_finalizer_and_no_intent() {
        let c = Container::new_mirror("abc");
        assert_eq!(c.spec.state, DesiredState::Unknown);
        assert_eq!(c.metadata.finalizers.as_deref(), Some(&[MIRROR_FINALIZER.to_owned()][..]));
        assert_eq!(c.metadata.labels.as_ref().unwrap()[MIRROR_LABEL], "true");
        let v = Volume::new_mirror("vol-x");
        assert_eq!(v.metadata.labels.as_ref().unwrap()[MIRROR_LABEL], "true");
    }

    #[test]
    fn container_change_table() {
        use DesiredState as D;
        use ObservedState as O;
        let state = Some(Work::ContainerState("c1".into()));
        let cases = [
            // No intent, condition current: nothing.
            (container(D::Unknown, O::Running, Some((true, "NoDesiredState", 2))), None),
            // User asked for a change that needs a Docker call.
            (container(D::Running, O::Exited, Some((true, "NoDesiredState", 2))), state.clone()),
            (container(D::Running, O::Paused, Some((false, "Pending", 2))), state.clone()),
            // Already met, but the condition predates the new generation.
            (container(D::Running, O::Running, Some((true, "NoDesiredState", 1))), state.clone()),
            // Met and recorded: nothing (our own status writes end here).
            (container(D::Running, O::Running, Some((true, "StateMet", 2))), None),
            // A failure on record while Docker still refuses: the retry queue owns it.
            (container(D::Running, O::Exited, Some((false, "ActionFailed", 2))), state.clone()),
        ];
        for (c, want) in cases {
            assert_eq!(container_change_work(&c), want, "{:?} {:?}", c.spec.state, c.status.as_ref().map(|s| s.status));
        }
    }

    #[test]
    fn deleting_mirrors_ask_for_a_docker_delete() {
        let mut c = container(DesiredState::Running, ObservedState::Exited, None);
        c.metadata.deletion_timestamp = Some(Time(Default::default()));
        assert_eq!(container_change_work(&c), Some(Work::Delete(MirrorKind::Container, "c1".into())));
        c.metadata.finalizers = None;
        assert_eq!(container_change_work(&c), None);
        let mut i = Image::new_mirror("img-1");
        assert_eq!(delete_work(&i), None);
        i.metadata.deletion_timestamp = Some(Time(Default::default()));
        assert_eq!(delete_work(&i), Some(Work::Delete(MirrorKind::Image, "img-1".into())));
    }
}
