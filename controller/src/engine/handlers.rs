//! The handlers of each unit of work: full sync (SPEC §6.3), the Docker
//! event work of §6.4 and the Kubernetes → Docker work of §6.5. Each reads
//! fresh state (Docker inspect, Kubernetes get), decides with the pure
//! functions of `plan` and `mapping`, and writes through the store; each
//! is safe to retry from the start.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::{StreamExt, stream};
use rdd_api::jiff::Timestamp;
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rdd_api::mirror::volume_mirror_name;
use rdd_api::{Container, Image, Volume};

use super::docker::DockerSource;
use super::error::{DockerError, WorkError};
use super::mapping::{container_status, image_names_from_summary, image_statuses, volume_status};
use super::plan::{Attempt, ImageMirrorRef, image_gone, plan_image_refresh, stale, state_action};
use super::queue::{MirrorKind, Work};
use super::store::{MirrorStore, StatusFn, awaiting_finalizer};

/// The mirrors one image inspect stands for: (mirror name, status) per tag,
/// or one for a dangling image.
type ImageMirrors = Vec<(String, rdd_api::image::ImageStatus)>;

/// What a handler leaves behind besides its own success.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Fresh work the handler discovered (an image that may have become
    /// dangling).
    pub follow_up: Vec<Work>,
    /// Per-object failures inside a full sync, to retry with backoff; the
    /// rest of the sync went through.
    pub failed: Vec<Work>,
}

/// Docker, the store and the knobs the handlers share.
pub struct Handlers<D, S> {
    pub docker: Arc<D>,
    pub store: Arc<S>,
    /// Parallel inspects during a full sync.
    pub concurrency: usize,
    /// The last Warning recorded per mirror, so that retries of the same
    /// refusal do not add an Event each.
    warned: Mutex<HashMap<String, String>>,
}

fn now() -> Time {
    Time(Timestamp::now())
}

fn container_writer(inspect: bollard::models::ContainerInspectResponse, attempt: Attempt) -> StatusFn<Container> {
    let now = now();
    Box::new(move |c: &Container| {
        let generation = c.metadata.generation.unwrap_or(0);
        container_status(&inspect, c.spec.state, c.status.as_ref(), generation, &attempt, now.clone())
            .map(|(_, s)| s)
            .unwrap_or_else(|| c.status.clone().unwrap_or_default())
    })
}

fn image_ref(image: &Image) -> ImageMirrorRef {
    let status = image.status.clone().unwrap_or_default();
    ImageMirrorRef { name: image.metadata.name.clone().unwrap_or_default(), id: status.id, repo_tag: status.repo_tag }
}

impl<D: DockerSource, S: MirrorStore> Handlers<D, S> {
    pub fn new(docker: Arc<D>, store: Arc<S>, concurrency: usize) -> Self {
        Handlers { docker, store, concurrency, warned: Mutex::new(HashMap::new()) }
    }

    /// Whether this warning differs from the last one recorded on the mirror.
    fn first_warning(&self, key: &str, message: &str) -> bool {
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if warned.get(key).is_some_and(|m| m == message) {
            return false;
        }
        warned.insert(key.to_owned(), message.to_owned());
        true
    }

    pub async fn handle(&self, work: &Work) -> Result<Outcome, WorkError> {
        match work {
            Work::Container(id) => self.container(id, Attempt::None).await.map(|_| Outcome::default()),
            Work::ContainerGone(id) => Ok(self.store.remove::<Container>(id).await.map(|_| Outcome::default())?),
            Work::Image(reference) => self.image(reference).await,
            Work::ImageGone(id) => self.image_gone(id).await.map(|_| Outcome::default()),
            Work::Volume(name) => self.volume(name).await.map(|_| Outcome::default()),
            Work::VolumeGone(name) => {
                Ok(self.store.remove::<Volume>(&volume_mirror_name(name)).await.map(|_| Outcome::default())?)
            }
            Work::Delete(kind, name) => self.delete(*kind, name).await.map(|_| Outcome::default()),
            Work::ContainerState(name) => self.container_state(name).await.map(|_| Outcome::default()),
            Work::ContainerNamespace => {
                Ok(self.store.ensure_container_namespace().await.map(|_| Outcome::default())?)
            }
            Work::FullSync => self.full_sync().await,
        }
    }

    /// Re-inspects and applies one container; NotFound removes its mirror.
    async fn container(&self, id: &str, attempt: Attempt) -> Result<(), WorkError> {
        match self.docker.inspect_container(id).await {
            Ok(inspect) => {
                let Some(name) = inspect.id.clone() else { return Ok(()) };
                self.store.upsert::<Container>(&name, container_writer(inspect, attempt)).await?;
                Ok(())
            }
            Err(e) if e.is_not_found() => Ok(self.store.remove::<Container>(id).await?),
            Err(e) => Err(e.into()),
        }
    }

    /// Re-inspects an image by ID or reference and brings all mirrors of
    /// its ID (and of its tags) in line.
    async fn image(&self, reference: &str) -> Result<Outcome, WorkError> {
        match self.docker.inspect_image(reference).await {
            Ok(inspect) => {
                let fresh = image_statuses(&inspect);
                let listed = self.store.list::<Image>().await?;
                let existing: Vec<ImageMirrorRef> = listed.iter().map(image_ref).collect();
                let mut current: HashMap<String, Image> =
                    listed.into_iter().filter_map(|m| Some((m.metadata.name.clone()?, m))).collect();
                let plan = plan_image_refresh(fresh, &existing);
                // Written from the list just read: an image with many tags
                // costs one list, not a read per tag, and only the tags
                // whose mirror changed are written (a stale view conflicts
                // and is re-read). Image work runs one at a time (lanes).
                for (name, status) in plan.apply {
                    let listed = current.remove(&name);
                    self.store.upsert_from::<Image>(&name, listed, Box::new(move |_| status.clone())).await?;
                }
                for name in &plan.remove {
                    self.store.remove::<Image>(name).await?;
                }
                Ok(Outcome { follow_up: plan.reinspect.into_iter().map(Work::Image).collect(), failed: Vec::new() })
            }
            // Gone by the time we looked: the delete event (or the next full
            // sync) removes the mirrors; by ID we can do it now.
            Err(e) if e.is_not_found() => self.image_gone(reference).await.map(|_| Outcome::default()),
            Err(e) => Err(e.into()),
        }
    }

    async fn image_gone(&self, id: &str) -> Result<(), WorkError> {
        let existing: Vec<ImageMirrorRef> = self.store.list::<Image>().await?.iter().map(image_ref).collect();
        for name in image_gone(id, &existing) {
            self.store.remove::<Image>(&name).await?;
        }
        Ok(())
    }

    async fn volume(&self, name: &str) -> Result<(), WorkError> {
        match self.docker.inspect_volume(name).await {
            Ok(volume) => {
                let (mirror, status) = volume_status(&volume);
                self.store.upsert::<Volume>(&mirror, Box::new(move |_| status.clone())).await?;
                Ok(())
            }
            Err(e) if e.is_not_found() => Ok(self.store.remove::<Volume>(&volume_mirror_name(name)).await?),
            Err(e) => Err(e.into()),
        }
    }

    /// SPEC §6.5: Docker first, then the finalizer. A refusal (image or
    /// volume in use) keeps the finalizer, is recorded as an Event on the
    /// mirror, and fails the work so it is retried with backoff.
    async fn delete(&self, kind: MirrorKind, name: &str) -> Result<(), WorkError> {
        match kind {
            MirrorKind::Container => {
                let Some(object) = self.store.get::<Container>(name).await? else { return Ok(()) };
                if !awaiting_finalizer(&object) {
                    return Ok(());
                }
                let r = self.docker.remove_container(name).await;
                self.after_docker_delete(&object, r).await
            }
            MirrorKind::Image => {
                let Some(object) = self.store.get::<Image>(name).await? else { return Ok(()) };
                if !awaiting_finalizer(&object) {
                    return Ok(());
                }
                let r = self.remove_image(&object).await;
                self.after_docker_delete(&object, r).await
            }
            MirrorKind::Volume => {
                let Some(object) = self.store.get::<Volume>(name).await? else { return Ok(()) };
                if !awaiting_finalizer(&object) {
                    return Ok(());
                }
                let r = match object.status.as_ref().and_then(|s| s.name.clone()) {
                    Some(volume) => self.docker.remove_volume(&volume).await,
                    None => Ok(()),
                };
                self.after_docker_delete(&object, r).await
            }
        }
    }

    /// An image mirror stands for one tag (removed by tag, unless the tag
    /// now names another image) or for a dangling image (removed by ID).
    async fn remove_image(&self, object: &Image) -> Result<(), DockerError> {
        let status = object.status.clone().unwrap_or_default();
        match (status.repo_tag, status.id) {
            (Some(tag), id) => match self.docker.inspect_image(&tag).await {
                Ok(current) if current.id.is_some() && current.id == id => self.docker.remove_image(&tag).await,
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
                Err(e) => Err(e),
            },
            (None, Some(id)) => self.docker.remove_image(&id).await,
            (None, None) => Ok(()),
        }
    }

    async fn after_docker_delete<K: super::store::Mirror>(
        &self,
        object: &K,
        result: Result<(), DockerError>,
    ) -> Result<(), WorkError> {
        let name = object.meta().name.clone().unwrap_or_default();
        match result {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                let reason = if e.is_conflict() { "DockerRefusedDelete" } else { "DockerDeleteFailed" };
                let message = format!("keeping the finalizer until Docker removes it; will retry: {e}");
                tracing::warn!(kind = K::KIND.as_str(), name = %name, error = %e, "Docker refused the delete of a mirror");
                let key = format!("{}/{name}", K::KIND.as_str());
                if self.first_warning(&key, &message)
                    && let Err(event_error) = self.store.warn(object, reason, &message).await
                {
                    tracing::warn!(kind = K::KIND.as_str(), name = %name, error = %event_error, "could not record the Event");
                }
                return Err(e.into());
            }
        }
        self.warned.lock().unwrap_or_else(|e| e.into_inner()).remove(&format!("{}/{name}", K::KIND.as_str()));
        Ok(self.store.strip_finalizer::<K>(&name).await?)
    }

    /// SPEC §6.5 spec.state: inspect, act if needed, re-inspect and write
    /// StateReconciled; a Docker error is written and fails the work so it
    /// is retried with backoff.
    async fn container_state(&self, name: &str) -> Result<(), WorkError> {
        let Some(object) = self.store.get::<Container>(name).await? else { return Ok(()) };
        if object.metadata.deletion_timestamp.is_some() {
            return Ok(());
        }
        let inspect = match self.docker.inspect_container(name).await {
            Ok(inspect) => inspect,
            Err(e) if e.is_not_found() => return Ok(self.store.remove::<Container>(name).await?),
            Err(e) => return Err(e.into()),
        };
        let observed = container_status(&inspect, object.spec.state, None, 0, &Attempt::None, now())
            .map(|(_, s)| s.status)
            .unwrap_or_default();
        let Some(action) = state_action(object.spec.state, observed) else {
            return self.container(name, Attempt::None).await;
        };
        tracing::info!(
            kind = "Container",
            name,
            action = action.as_str(),
            desired = object.spec.state.as_str(),
            "changing container state"
        );
        let result = match action {
            super::plan::StateAction::Start => self.docker.start_container(name).await,
            super::plan::StateAction::Stop => self.docker.stop_container(name).await,
            super::plan::StateAction::Unpause => self.docker.unpause_container(name).await,
        };
        match result {
            Ok(()) => self.container(name, Attempt::Succeeded).await,
            Err(e) => {
                self.container(name, Attempt::Failed(e.to_string())).await?;
                Err(e.into())
            }
        }
    }

    /// SPEC §6.3: list, inspect in parallel, apply, prune what the lists no
    /// longer back. Per-object failures are returned for retry; only a
    /// failed list fails the sync.
    pub async fn full_sync(&self) -> Result<Outcome, WorkError> {
        self.store.ensure_container_namespace().await?;
        // The kinds are independent (each lists, writes and prunes its own
        // mirrors), so they run side by side: Docker's inspects of one
        // overlap the API writes of the others.
        let (mut containers, mut images, mut volumes) = (Outcome::default(), Outcome::default(), Outcome::default());
        let (c, i, v) = futures::join!(
            self.sync_containers(&mut containers),
            self.sync_images(&mut images),
            self.sync_volumes(&mut volumes)
        );
        c?;
        i?;
        v?;
        let mut outcome = containers;
        for more in [images, volumes] {
            outcome.follow_up.extend(more.follow_up);
            outcome.failed.extend(more.failed);
        }
        Ok(outcome)
    }

    /// Every mirror of the kind by name: the view the sync writes from
    /// (no read before each write) and prunes against. Nothing else runs
    /// during a full sync, so only the sync itself adds mirrors meanwhile.
    async fn known<K: super::store::Mirror>(&self) -> Result<HashMap<String, K>, WorkError> {
        let mirrors = self.store.list::<K>().await?;
        Ok(mirrors.into_iter().filter_map(|m| Some((m.meta().name.clone()?, m))).collect())
    }

    async fn sync_containers(&self, outcome: &mut Outcome) -> Result<(), WorkError> {
        let ids = self.docker.list_containers().await?;
        let mut known = self.known::<Container>().await?;
        let names: Vec<String> = known.keys().cloned().collect();
        let mut expected: HashSet<String> = ids.iter().cloned().collect();
        let items: Vec<(String, Option<Container>)> = ids
            .into_iter()
            .map(|id| {
                let current = known.remove(&id);
                (id, current)
            })
            .collect();
        let results: Vec<(String, Result<Option<String>, WorkError>)> = stream::iter(items)
            .map(|(id, current)| async move {
                let r = match self.docker.inspect_container(&id).await {
                    Ok(inspect) => match inspect.id.clone() {
                        Some(name) => {
                            // The list gives full IDs; should it not, read before writing.
                            let write = if name == id {
                                self.store
                                    .upsert_from::<Container>(&name, current, container_writer(inspect, Attempt::None))
                                    .await
                            } else {
                                self.store.upsert::<Container>(&name, container_writer(inspect, Attempt::None)).await
                            };
                            write.map(|_| Some(name)).map_err(WorkError::from)
                        }
                        None => Ok(None),
                    },
                    // Removed between list and inspect (seed r2 I5): the prune below drops it.
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e.into()),
                };
                (id, r)
            })
            .buffer_unordered(self.concurrency.max(1))
            .collect()
            .await;
        for (id, result) in results {
            match result {
                Ok(Some(name)) => {
                    expected.insert(name);
                }
                Ok(None) => {
                    expected.remove(&id);
                }
                Err(e) => {
                    // Keep the existing mirror; retry the object alone.
                    tracing::warn!(kind = "Container", name = %id, error = %e, "full sync skipped a container; will retry");
                    outcome.failed.push(Work::Container(id));
                }
            }
        }
        for name in stale(names.iter().map(String::as_str), &expected) {
            if let Err(e) = self.store.remove::<Container>(&name).await {
                tracing::warn!(kind = "Container", name = %name, error = %e, "could not prune a stale mirror; will retry");
                outcome.failed.push(Work::ContainerGone(name));
            }
        }
        Ok(())
    }

    async fn sync_images(&self, outcome: &mut Outcome) -> Result<(), WorkError> {
        let summaries = self.docker.list_images().await?;
        // From the list, before any inspect (seed r5 I5).
        let mut expected: HashSet<String> = summaries.iter().flat_map(image_names_from_summary).collect();
        let mut known = self.known::<Image>().await?;
        let names: Vec<String> = known.keys().cloned().collect();
        // Inspect each image, then write every tag's mirror with the full
        // concurrency: one image may carry hundreds of tags.
        let inspected: Vec<(String, Result<ImageMirrors, WorkError>)> =
            stream::iter(summaries.into_iter().map(|s| s.id))
                .map(|id| async move {
                    let r = match self.docker.inspect_image(&id).await {
                        Ok(inspect) => Ok(image_statuses(&inspect)),
                        Err(e) if e.is_not_found() => Ok(Vec::new()),
                        Err(e) => Err(e.into()),
                    };
                    (id, r)
                })
                .buffer_unordered(self.concurrency.max(1))
                .collect()
                .await;
        let mut writes = Vec::new();
        for (id, result) in inspected {
            match result {
                Ok(statuses) => {
                    for (name, status) in statuses {
                        expected.insert(name.clone());
                        let current = known.remove(&name);
                        writes.push((id.clone(), name, current, status));
                    }
                }
                Err(e) => {
                    tracing::warn!(kind = "Image", id = %id, error = %e, "full sync skipped an image; will retry");
                    outcome.failed.push(Work::Image(id));
                }
            }
        }
        let failed: Vec<String> = stream::iter(writes)
            .map(|(id, name, current, status)| async move {
                match self.store.upsert_from::<Image>(&name, current, Box::new(move |_| status.clone())).await {
                    Ok(_) => None,
                    Err(e) => {
                        tracing::warn!(kind = "Image", id = %id, name = %name, error = %e, "full sync skipped an image mirror; will retry");
                        Some(id)
                    }
                }
            })
            .buffer_unordered(self.concurrency.max(1))
            .filter_map(|f| async move { f })
            .collect()
            .await;
        let failed: std::collections::BTreeSet<String> = failed.into_iter().collect();
        outcome.failed.extend(failed.into_iter().map(Work::Image));
        for name in stale(names.iter().map(String::as_str), &expected) {
            if let Err(e) = self.store.remove::<Image>(&name).await {
                tracing::warn!(kind = "Image", name = %name, error = %e, "could not prune a stale mirror; will retry");
                outcome.failed.push(Work::FullSync);
            }
        }
        Ok(())
    }

    async fn sync_volumes(&self, outcome: &mut Outcome) -> Result<(), WorkError> {
        let volumes = self.docker.list_volumes().await?;
        let mut known = self.known::<Volume>().await?;
        let names: Vec<String> = known.keys().cloned().collect();
        let mut expected = HashSet::new();
        let mut items = Vec::with_capacity(volumes.len());
        for volume in &volumes {
            let (name, status) = volume_status(volume);
            expected.insert(name.clone());
            let current = known.remove(&name);
            items.push((volume.name.clone(), name, current, status));
        }
        let failed: Vec<String> = stream::iter(items)
            .map(|(volume, name, current, status)| async move {
                match self.store.upsert_from::<Volume>(&name, current, Box::new(move |_| status.clone())).await {
                    Ok(_) => None,
                    Err(e) => {
                        tracing::warn!(kind = "Volume", name = %volume, error = %e, "full sync skipped a volume; will retry");
                        Some(volume)
                    }
                }
            })
            .buffer_unordered(self.concurrency.max(1))
            .filter_map(|f| async move { f })
            .collect()
            .await;
        outcome.failed.extend(failed.into_iter().map(Work::Volume));
        for name in stale(names.iter().map(String::as_str), &expected) {
            if let Err(e) = self.store.remove::<Volume>(&name).await {
                tracing::warn!(kind = "Volume", name = %name, error = %e, "could not prune a stale mirror; will retry");
                outcome.failed.push(Work::FullSync);
            }
        }
        Ok(())
    }
}
