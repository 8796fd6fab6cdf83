//! Test doubles for the unit tests of the engine controller: a scripted
//! Docker daemon (objects, injected failures and panics, an event stream
//! that can be broken) and an in-memory mirror store with the Kubernetes
//! semantics the controller relies on (finalizers, deletionTimestamp, UIDs,
//! generations, resourceVersions, watch-like change notifications).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerState, ContainerStateStatusEnum, EventActor, EventMessage,
    EventMessageTypeEnum, ImageInspect, ImageSummary, Volume,
};
use futures::StreamExt;
use futures::stream::BoxStream;
use rdd_api::container::DesiredState;
use rdd_api::jiff::Timestamp;
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rdd_api::mirror::MIRROR_FINALIZER;
use rdd_api::{Container, Image, Volume as VolumeMirror};
use serde_json::Value;
use tokio::sync::mpsc;

use super::docker::{DockerConnector, DockerSource};
use super::error::{DockerError, DockerErrorKind, StoreError};
use super::queue::{MirrorKind, Work};
use super::store::{Mirror, MirrorStore, StatusFn, Written, container_change_work, delete_work};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a scripted failure does.
#[derive(Clone, Debug)]
pub enum Fault {
    Fail(DockerErrorKind),
    Panic,
}

#[derive(Default)]
pub struct DockerState {
    pub containers: BTreeMap<String, ContainerInspectResponse>,
    pub images: BTreeMap<String, ImageInspect>,
    pub volumes: BTreeMap<String, Volume>,
    /// `"operation argument"` → faults, consumed one per call.
    pub faults: HashMap<String, VecDeque<Fault>>,
    /// Mutating calls, in order (`start c1`, `remove image a:1`, …).
    pub calls: Vec<String>,
    pub streams: Vec<mpsc::UnboundedSender<Result<EventMessage, DockerError>>>,
    pub connect_failures: u32,
    /// How long a container inspect takes (to see handlers overlap).
    pub inspect_delay: Option<std::time::Duration>,
    /// Container inspects running now, per ID, and the most seen at once
    /// (in total and for any one ID).
    pub inspecting: HashMap<String, u32>,
    pub max_inspecting: u32,
    pub max_inspecting_one: u32,
    pub since: Vec<String>,
}

/// A scripted Docker daemon; clones share state.
#[derive(Clone, Default)]
pub struct FakeDocker(pub Arc<Mutex<DockerState>>);

pub fn container(id: &str, name: &str, status: &str, image: &str) -> ContainerInspectResponse {
    ContainerInspectResponse {
        id: Some(id.to_owned()),
        name: Some(format!("/{name}")),
        image: Some(image.to_owned()),
        created: Some("2024-01-01T00:00:00Z".to_owned()),
        state: Some(ContainerState {
            status: Some(status.parse().unwrap_or(ContainerStateStatusEnum::EMPTY)),
            running: Some(status == "running"),
            paused: Some(status == "paused"),
            ..ContainerState::default()
        }),
        config: Some(ContainerConfig::default()),
        ..ContainerInspectResponse::default()
    }
}

pub fn image(id: &str, tags: &[&str]) -> ImageInspect {
    ImageInspect {
        id: Some(id.to_owned()),
        repo_tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..ImageInspect::default()
    }
}

pub fn event(typ: EventMessageTypeEnum, action: &str, id: &str) -> EventMessage {
    let now = Timestamp::now();
    EventMessage {
        typ: Some(typ),
        action: Some(action.to_owned()),
        actor: Some(EventActor { id: Some(id.to_owned()), attributes: None }),
        time: Some(now.as_second()),
        time_nano: i64::try_from(now.as_nanosecond()).ok(),
        ..EventMessage::default()
    }
}

impl FakeDocker {
    pub fn state(&self) -> MutexGuard<'_, DockerState> {
        lock(&self.0)
    }

    pub fn fault(&self, call: &str, fault: Fault) {
        self.state().faults.entry(call.to_owned()).or_default().push_back(fault);
    }

    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// Sends an event to every open stream.
    pub fn emit(&self, e: EventMessage) {
        self.state().streams.retain(|s| s.send(Ok(e.clone())).is_ok());
    }

    /// Ends every open event stream, as a restarting dockerd does.
    pub fn break_streams(&self) {
        self.state().streams.clear();
    }

    fn check(&self, call: String) -> Result<(), DockerError> {
        let fault = self.state().faults.get_mut(&call).and_then(VecDeque::pop_front);
        match fault {
            Some(Fault::Fail(kind)) => Err(DockerError::new(call, kind, "injected")),
            Some(Fault::Panic) => panic!("injected panic in {call}"),
            None => Ok(()),
        }
    }

    fn not_found(call: String) -> DockerError {
        DockerError::new(call, DockerErrorKind::NotFound, "no such object")
    }

    fn set_status(&self, id: &str, status: &str) {
        if let Some(c) = self.state().containers.get_mut(id) {
            *c = container(
                id,
                c.name.as_deref().unwrap_or("/x").trim_start_matches('/'),
                status,
                c.image.as_deref().unwrap_or(""),
            );
        }
    }
}

impl DockerSource for FakeDocker {
    async fn ping(&self) -> Result<(), DockerError> {
        self.check("ping".into())
    }

    async fn system_time(&self) -> Result<Option<String>, DockerError> {
        Ok(Some("2024-05-05T05:05:05.000000123Z".to_owned()))
    }

    async fn list_containers(&self) -> Result<Vec<String>, DockerError> {
        self.check("list_containers".into())?;
        Ok(self.state().containers.keys().cloned().collect())
    }

    async fn inspect_container(&self, id: &str) -> Result<ContainerInspectResponse, DockerError> {
        let call = format!("inspect_container {id}");
        self.check(call.clone())?;
        let delay = self.state().inspect_delay;
        if let Some(delay) = delay {
            {
                let mut state = self.state();
                *state.inspecting.entry(id.to_owned()).or_insert(0) += 1;
                let total: u32 = state.inspecting.values().sum();
                let one = state.inspecting[id];
                state.max_inspecting = state.max_inspecting.max(total);
                state.max_inspecting_one = state.max_inspecting_one.max(one);
            }
            tokio::time::sleep(delay).await;
            if let Some(n) = self.state().inspecting.get_mut(id) {
                *n -= 1;
            }
        }
        self.state().containers.get(id).cloned().ok_or_else(|| Self::not_found(call))
    }

    async fn list_images(&self) -> Result<Vec<ImageSummary>, DockerError> {
        self.check("list_images".into())?;
        Ok(self
            .state()
            .images
            .values()
            .map(|i| ImageSummary {
                id: i.id.clone().unwrap_or_default(),
                repo_tags: i.repo_tags.clone().unwrap_or_default(),
                ..ImageSummary::default()
            })
            .collect())
    }

    async fn inspect_image(&self, reference: &str) -> Result<ImageInspect, DockerError> {
        let call = format!("inspect_image {reference}");
        self.check(call.clone())?;
        let state = self.state();
        state
            .images
            .values()
            .find(|i| i.id.as_deref() == Some(reference) || i.repo_tags.iter().flatten().any(|t| t == reference))
            .cloned()
            .ok_or_else(|| Self::not_found(call))
    }

    async fn list_volumes(&self) -> Result<Vec<Volume>, DockerError> {
        self.check("list_volumes".into())?;
        Ok(self.state().volumes.values().cloned().collect())
    }

    async fn inspect_volume(&self, name: &str) -> Result<Volume, DockerError> {
        let call = format!("inspect_volume {name}");
        self.check(call.clone())?;
        self.state().volumes.get(name).cloned().ok_or_else(|| Self::not_found(call))
    }

    fn events(&self, since: &str) -> BoxStream<'static, Result<EventMessage, DockerError>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = self.state();
        state.since.push(since.to_owned());
        state.streams.push(tx);
        tokio_stream_from(rx)
    }

    async fn remove_container(&self, id: &str) -> Result<(), DockerError> {
        let call = format!("remove_container {id}");
        self.check(call.clone())?;
        let mut state = self.state();
        state.calls.push(call.clone());
        state.containers.remove(id).map(|_| ()).ok_or_else(|| Self::not_found(call))
    }

    async fn remove_image(&self, reference: &str) -> Result<(), DockerError> {
        let call = format!("remove_image {reference}");
        self.check(call.clone())?;
        let mut state = self.state();
        state.calls.push(call.clone());
        let Some(id) = state
            .images
            .values()
            .find(|i| i.id.as_deref() == Some(reference) || i.repo_tags.iter().flatten().any(|t| t == reference))
            .and_then(|i| i.id.clone())
        else {
            return Err(Self::not_found(call));
        };
        let in_use = state.containers.values().any(|c| c.image.as_deref() == Some(id.as_str()));
        let image = state.images.get_mut(&id).expect("found above");
        let tags = image.repo_tags.get_or_insert_default();
        if tags.len() > 1 && reference != id {
            tags.retain(|t| t != reference);
            return Ok(());
        }
        if in_use {
            return Err(DockerError::new(call, DockerErrorKind::Conflict, "image is being used by a container"));
        }
        state.images.remove(&id);
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        let call = format!("remove_volume {name}");
        self.check(call.clone())?;
        let mut state = self.state();
        state.calls.push(call.clone());
        state.volumes.remove(name).map(|_| ()).ok_or_else(|| Self::not_found(call))
    }

    async fn start_container(&self, id: &str) -> Result<(), DockerError> {
        let call = format!("start_container {id}");
        self.check(call.clone())?;
        self.state().calls.push(call);
        self.set_status(id, "running");
        Ok(())
    }

    async fn stop_container(&self, id: &str) -> Result<(), DockerError> {
        let call = format!("stop_container {id}");
        self.check(call.clone())?;
        self.state().calls.push(call);
        self.set_status(id, "exited");
        Ok(())
    }

    async fn unpause_container(&self, id: &str) -> Result<(), DockerError> {
        let call = format!("unpause_container {id}");
        self.check(call.clone())?;
        self.state().calls.push(call);
        self.set_status(id, "running");
        Ok(())
    }
}

fn tokio_stream_from<T: Send + 'static>(rx: mpsc::UnboundedReceiver<T>) -> BoxStream<'static, T> {
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed()
}

impl DockerConnector for FakeDocker {
    type Source = FakeDocker;

    async fn connect(&self, host: &str) -> Result<FakeDocker, DockerError> {
        let mut state = self.state();
        if state.connect_failures > 0 {
            state.connect_failures -= 1;
            return Err(DockerError::new(
                format!("connect to {host}"),
                DockerErrorKind::Transport,
                "connection refused",
            ));
        }
        Ok(self.clone())
    }
}

/// One stored object.
#[derive(Clone, Debug)]
pub struct Stored {
    pub value: Value,
    pub writes: u32,
}

#[derive(Default)]
pub struct StoreState {
    pub objects: BTreeMap<(MirrorKind, String), Stored>,
    pub next_uid: u64,
    pub container_namespace: bool,
    pub container_namespace_creates: u32,
    pub namespace: bool,
    /// Names whose next finalizer removals answer 409.
    pub finalizer_conflicts: HashMap<String, u32>,
    /// `"kind name"` of objects that really went away (a DELETED event).
    pub deleted: Vec<String>,
    pub warnings: Vec<(String, String, String)>,
    pub changes: Option<mpsc::UnboundedSender<Work>>,
    /// Fail every upsert of these names (a transient API server error).
    pub failing_writes: HashMap<String, u32>,
}

/// An in-memory mirror namespace; clones share state.
#[derive(Clone, Default)]
pub struct MemoryStore(pub Arc<Mutex<StoreState>>);

impl MemoryStore {
    pub fn state(&self) -> MutexGuard<'_, StoreState> {
        lock(&self.0)
    }

    pub fn object<K: Mirror>(&self, name: &str) -> Option<K> {
        self.state()
            .objects
            .get(&(K::KIND, name.to_owned()))
            .map(|s| serde_json::from_value(s.value.clone()).expect("stored mirrors deserialize"))
    }

    pub fn names(&self, kind: MirrorKind) -> Vec<String> {
        self.state().objects.keys().filter(|(k, _)| *k == kind).map(|(_, n)| n.clone()).collect()
    }

    pub fn uid(&self, kind: MirrorKind, name: &str) -> Option<String> {
        self.state()
            .objects
            .get(&(kind, name.to_owned()))
            .and_then(|s| s.value["metadata"]["uid"].as_str().map(str::to_owned))
    }

    pub fn writes(&self, kind: MirrorKind, name: &str) -> u32 {
        self.state().objects.get(&(kind, name.to_owned())).map_or(0, |s| s.writes)
    }

    fn put<K: Mirror>(&self, state: &mut StoreState, object: &K) {
        let name = object.meta().name.clone().unwrap_or_default();
        let value = serde_json::to_value(object).expect("mirrors serialize");
        let entry = state.objects.entry((K::KIND, name)).or_insert(Stored { value: Value::Null, writes: 0 });
        entry.value = value;
        entry.writes += 1;
        let work = match K::KIND {
            MirrorKind::Container => {
                serde_json::from_value::<Container>(entry.value.clone()).ok().and_then(|c| container_change_work(&c))
            }
            MirrorKind::Image => {
                serde_json::from_value::<Image>(entry.value.clone()).ok().and_then(|i| delete_work(&i))
            }
            MirrorKind::Volume => {
                serde_json::from_value::<VolumeMirror>(entry.value.clone()).ok().and_then(|v| delete_work(&v))
            }
        };
        if let (Some(work), Some(tx)) = (work, state.changes.as_ref()) {
            let _ = tx.send(work);
        }
    }

    /// `kubectl patch … spec.state=…`: bumps the generation.
    pub fn user_set_state(&self, name: &str, desired: DesiredState) {
        let mut c: Container = self.object(name).expect("container mirror exists");
        c.spec.state = desired;
        c.metadata.generation = Some(c.metadata.generation.unwrap_or(1) + 1);
        let mut state = self.state();
        self.put(&mut state, &c);
    }

    /// `kubectl delete`: with the finalizer present, only marks it.
    pub fn user_delete<K: Mirror>(&self, name: &str) {
        let mut o: K = self.object(name).expect("mirror exists");
        o.meta_mut().deletion_timestamp = Some(Time(Timestamp::now()));
        let mut state = self.state();
        self.put(&mut state, &o);
    }

    pub fn user_delete_container_namespace(&self) {
        let mut state = self.state();
        state.container_namespace = false;
        if let Some(tx) = state.changes.as_ref() {
            let _ = tx.send(Work::ContainerNamespace);
        }
    }
}

impl MirrorStore for MemoryStore {
    fn namespace(&self) -> &str {
        "rancher-desktop"
    }

    async fn ensure_namespace(&self) -> Result<(), StoreError> {
        self.state().namespace = true;
        Ok(())
    }

    async fn ensure_container_namespace(&self) -> Result<(), StoreError> {
        let mut state = self.state();
        if !state.container_namespace {
            state.container_namespace = true;
            state.container_namespace_creates += 1;
        }
        Ok(())
    }

    async fn list<K: Mirror>(&self) -> Result<Vec<K>, StoreError> {
        let names = self.names(K::KIND);
        Ok(names.iter().filter_map(|n| self.object::<K>(n)).collect())
    }

    async fn get<K: Mirror>(&self, name: &str) -> Result<Option<K>, StoreError> {
        Ok(self.object(name))
    }

    async fn upsert<K: Mirror>(&self, name: &str, status: StatusFn<K>) -> Result<Written, StoreError> {
        {
            let mut state = self.state();
            if let Some(n) = state.failing_writes.get_mut(name)
                && *n > 0
            {
                *n -= 1;
                return Err(StoreError::Injected(format!("injected write failure of {name}")));
            }
        }
        let mut created = false;
        let mut object = match self.object::<K>(name) {
            Some(o) => o,
            None => {
                let mut o = K::new_mirror(name);
                let mut state = self.state();
                state.next_uid += 1;
                o.meta_mut().uid = Some(format!("uid-{}", state.next_uid));
                o.meta_mut().generation = Some(1);
                self.put(&mut state, &o);
                created = true;
                o
            }
        };
        let wanted = status(&object);
        if object.mirror_status() == Some(&wanted) {
            return Ok(if created { Written::Created } else { Written::Unchanged });
        }
        object.set_mirror_status(wanted);
        let mut state = self.state();
        self.put(&mut state, &object);
        Ok(if created { Written::Created } else { Written::Updated })
    }

    async fn strip_finalizer<K: Mirror>(&self, name: &str) -> Result<(), StoreError> {
        // Emulates the kube store's re-read + retry on 409, capped at 5.
        for _ in 0..5 {
            let mut state = self.state();
            if let Some(n) = state.finalizer_conflicts.get_mut(name)
                && *n > 0
            {
                *n -= 1;
                continue;
            }
            let Some(stored) = state.objects.get(&(K::KIND, name.to_owned())) else { return Ok(()) };
            let mut o: K = serde_json::from_value(stored.value.clone()).expect("stored mirrors deserialize");
            o.meta_mut().finalizers.get_or_insert_default().retain(|f| f != MIRROR_FINALIZER);
            if o.meta().deletion_timestamp.is_some() && o.meta().finalizers.iter().flatten().next().is_none() {
                state.objects.remove(&(K::KIND, name.to_owned()));
                state.deleted.push(format!("{} {name}", K::KIND.as_str()));
            } else {
                self.put(&mut state, &o);
            }
            return Ok(());
        }
        Err(StoreError::Injected(format!("finalizer removal of {name} kept conflicting")))
    }

    async fn remove<K: Mirror>(&self, name: &str) -> Result<(), StoreError> {
        self.strip_finalizer::<K>(name).await?;
        let mut state = self.state();
        if state.objects.remove(&(K::KIND, name.to_owned())).is_some() {
            state.deleted.push(format!("{} {name}", K::KIND.as_str()));
        }
        Ok(())
    }

    async fn warn<K: Mirror>(&self, object: &K, reason: &str, message: &str) -> Result<(), StoreError> {
        let name = object.meta().name.clone().unwrap_or_default();
        self.state().warnings.push((name, reason.to_owned(), message.to_owned()));
        Ok(())
    }

    async fn sweep(&self) -> Result<usize, StoreError> {
        let mut state = self.state();
        let count = state.objects.len();
        state.objects.clear();
        state.container_namespace = false;
        Ok(count)
    }

    fn changes(&self) -> BoxStream<'static, Work> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.state().changes = Some(tx);
        tokio_stream_from(rx)
    }
}
