//! The [`MirrorStore`] over kube 5 `Api<K>` in the mirror namespace
//! (SPEC §6.6): plain create with the spec written once, status through
//! `/status` only when it changed, finalizer removal by re-read and
//! replace with retry on conflict, NotFound as success, and the
//! Kubernetes-side watch streams that feed the work queue.

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use k8s_openapi::api::core::v1::{Event, EventSource, Namespace};
use kube::api::{DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use rdd_api::container_namespace::{ContainerNamespace, ContainerNamespaceFields, MOBY};
use rdd_api::jiff::Timestamp;
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rdd_api::mirror::{MIRROR_FINALIZER, MIRROR_LABEL, MIRROR_LABEL_VALUE};
use rdd_api::{Container, Image, Volume};

use super::error::StoreError;
use super::queue::Work;
use super::store::{Mirror, MirrorStore, StatusFn, Written, container_change_work, delete_work};

/// How often a write is retried after a 409 before giving up for now (the
/// work queue retries the whole handler later with backoff).
const CONFLICT_ATTEMPTS: u32 = 5;
/// The `source.component` / `reportingComponent` of recorded Events.
const COMPONENT: &str = "rdd-engine-controller";

fn selector() -> String {
    format!("{MIRROR_LABEL}={MIRROR_LABEL_VALUE}")
}

/// Mirrors in one namespace of one cluster.
#[derive(Clone)]
pub struct KubeStore {
    client: Client,
    namespace: String,
}

impl KubeStore {
    pub fn new(client: Client, namespace: impl Into<String>) -> Self {
        KubeStore { client, namespace: namespace.into() }
    }

    fn api<K: Mirror>(&self) -> Api<K> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    fn err(&self, operation: &'static str, kind: &'static str, name: &str, source: kube::Error) -> StoreError {
        StoreError::Api { operation, kind, namespace: self.namespace.clone(), name: name.to_owned(), source }
    }

    fn exhausted(&self, operation: &'static str, kind: &'static str, name: &str) -> StoreError {
        StoreError::ConflictRetriesExhausted {
            operation,
            kind,
            namespace: self.namespace.clone(),
            name: name.to_owned(),
            attempts: CONFLICT_ATTEMPTS,
        }
    }

    async fn strip<
        K: Resource<DynamicType = ()> + Clone + serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug,
    >(
        &self,
        api: &Api<K>,
        kind: &'static str,
        name: &str,
    ) -> Result<(), StoreError> {
        for _ in 0..CONFLICT_ATTEMPTS {
            let Some(mut object) = api.get_opt(name).await.map_err(|e| self.err("read", kind, name, e))? else {
                return Ok(());
            };
            let finalizers = object.meta_mut().finalizers.get_or_insert_default();
            let before = finalizers.len();
            finalizers.retain(|f| f != MIRROR_FINALIZER);
            if finalizers.len() == before {
                return Ok(());
            }
            match api.replace(name, &PostParams::default(), &object).await {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(s)) if s.is_not_found() => return Ok(()),
                Err(kube::Error::Api(s)) if s.is_conflict() => {
                    tracing::debug!(kind, namespace = %self.namespace, name, "finalizer removal conflicted; re-reading");
                }
                Err(e) => return Err(self.err("remove the finalizer of", kind, name, e)),
            }
        }
        Err(self.exhausted("remove the finalizer of", kind, name))
    }

    async fn delete<K: Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + std::fmt::Debug>(
        &self,
        api: &Api<K>,
        kind: &'static str,
        name: &str,
    ) -> Result<(), StoreError> {
        match api.delete(name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
            Err(e) => Err(self.err("delete", kind, name, e)),
        }
    }

    async fn sweep_kind<K: Mirror>(&self) -> Result<usize, StoreError> {
        let api = self.api::<K>();
        let kind = K::KIND.as_str();
        let items = self.list::<K>().await?;
        for item in &items {
            let name = item.name_any();
            self.strip(&api, kind, &name).await?;
            self.delete(&api, kind, &name).await?;
        }
        Ok(items.len())
    }
}

fn mirror_stream<K: Mirror>(api: Api<K>, work: fn(&K) -> Option<Work>) -> BoxStream<'static, Work> {
    watcher(api, watcher::Config::default().labels(&selector()))
        .default_backoff()
        .filter_map(move |event| async move {
            match event {
                Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => work(&o),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(kind = K::KIND.as_str(), error = %e, "watch of mirrors failed; retrying");
                    None
                }
            }
        })
        .boxed()
}

impl MirrorStore for KubeStore {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    async fn ensure_namespace(&self) -> Result<(), StoreError> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        if api.get_opt(&self.namespace).await.map_err(|e| self.err("read", "Namespace", &self.namespace, e))?.is_some()
        {
            return Ok(());
        }
        let ns = Namespace {
            metadata: ObjectMeta { name: Some(self.namespace.clone()), ..ObjectMeta::default() },
            ..Namespace::default()
        };
        match api.create(&PostParams::default(), &ns).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.is_already_exists() => Ok(()),
            Err(e) => Err(self.err("create", "Namespace", &self.namespace, e)),
        }
    }

    async fn ensure_container_namespace(&self) -> Result<(), StoreError> {
        let api: Api<ContainerNamespace> = Api::namespaced(self.client.clone(), &self.namespace);
        let existing = api.get_opt(MOBY).await.map_err(|e| self.err("read", "ContainerNamespace", MOBY, e))?;
        if existing.is_some_and(|c| c.metadata.deletion_timestamp.is_none()) {
            return Ok(());
        }
        let mut cns = ContainerNamespace::new(MOBY, ContainerNamespaceFields {});
        cns.metadata.labels = Some([(MIRROR_LABEL.to_owned(), MIRROR_LABEL_VALUE.to_owned())].into());
        match api.create(&PostParams::default(), &cns).await {
            Ok(_) => {
                tracing::info!(kind = "ContainerNamespace", namespace = %self.namespace, name = MOBY, "created");
                Ok(())
            }
            // Still terminating, or created concurrently: the watch brings us back if it goes away.
            Err(kube::Error::Api(s)) if s.is_already_exists() => Ok(()),
            Err(e) => Err(self.err("create", "ContainerNamespace", MOBY, e)),
        }
    }

    async fn list<K: Mirror>(&self) -> Result<Vec<K>, StoreError> {
        let params = ListParams::default().labels(&selector());
        let list = self.api::<K>().list(&params).await.map_err(|e| self.err("list", K::KIND.as_str(), "*", e))?;
        Ok(list.items)
    }

    async fn get<K: Mirror>(&self, name: &str) -> Result<Option<K>, StoreError> {
        self.api::<K>().get_opt(name).await.map_err(|e| self.err("read", K::KIND.as_str(), name, e))
    }

    async fn upsert<K: Mirror>(&self, name: &str, status: StatusFn<K>) -> Result<Written, StoreError> {
        let api = self.api::<K>();
        let kind = K::KIND.as_str();
        let mut created = false;
        for _ in 0..CONFLICT_ATTEMPTS {
            let mut object = match api.get_opt(name).await.map_err(|e| self.err("read", kind, name, e))? {
                Some(object) => object,
                None => match api.create(&PostParams::default(), &K::new_mirror(name)).await {
                    Ok(object) => {
                        created = true;
                        tracing::debug!(kind, namespace = %self.namespace, name, "created mirror");
                        object
                    }
                    // Created concurrently: re-read it; its spec is someone else's now.
                    Err(kube::Error::Api(s)) if s.is_already_exists() => continue,
                    Err(e) => return Err(self.err("create", kind, name, e)),
                },
            };
            let wanted = status(&object);
            if object.mirror_status() == Some(&wanted) {
                return Ok(if created { Written::Created } else { Written::Unchanged });
            }
            object.set_mirror_status(wanted);
            match api.replace_status(name, &PostParams::default(), &object).await {
                Ok(_) => return Ok(if created { Written::Created } else { Written::Updated }),
                Err(kube::Error::Api(s)) if s.is_conflict() || s.is_not_found() => {
                    tracing::debug!(kind, namespace = %self.namespace, name, "status write raced; re-reading");
                }
                Err(e) => return Err(self.err("write the status of", kind, name, e)),
            }
        }
        Err(self.exhausted("write the status of", kind, name))
    }

    async fn upsert_from<K: Mirror>(
        &self,
        name: &str,
        current: Option<K>,
        status: StatusFn<K>,
    ) -> Result<Written, StoreError> {
        let api = self.api::<K>();
        let kind = K::KIND.as_str();
        let (mut object, created) = match current {
            Some(object) => (object, false),
            None => match api.create(&PostParams::default(), &K::new_mirror(name)).await {
                Ok(object) => (object, true),
                Err(kube::Error::Api(s)) if s.is_already_exists() => return self.upsert(name, status).await,
                Err(e) => return Err(self.err("create", kind, name, e)),
            },
        };
        let wanted = status(&object);
        if object.mirror_status() == Some(&wanted) {
            return Ok(if created { Written::Created } else { Written::Unchanged });
        }
        object.set_mirror_status(wanted);
        match api.replace_status(name, &PostParams::default(), &object).await {
            Ok(_) => Ok(if created { Written::Created } else { Written::Updated }),
            Err(kube::Error::Api(s)) if s.is_conflict() || s.is_not_found() => {
                tracing::debug!(kind, namespace = %self.namespace, name, "status write from a stale view; re-reading");
                self.upsert(name, status).await
            }
            Err(e) => Err(self.err("write the status of", kind, name, e)),
        }
    }

    async fn strip_finalizer<K: Mirror>(&self, name: &str) -> Result<(), StoreError> {
        self.strip(&self.api::<K>(), K::KIND.as_str(), name).await
    }

    async fn remove<K: Mirror>(&self, name: &str) -> Result<(), StoreError> {
        let api = self.api::<K>();
        self.strip(&api, K::KIND.as_str(), name).await?;
        self.delete(&api, K::KIND.as_str(), name).await
    }

    async fn warn<K: Mirror>(&self, object: &K, reason: &str, message: &str) -> Result<(), StoreError> {
        let name = object.name_any();
        let now = Time(Timestamp::now());
        let event = Event {
            // `<object>.<hex nanoseconds>`, as client-go names Events: a
            // valid name without relying on generateName handling.
            metadata: ObjectMeta {
                name: Some(format!("{name}.{:x}", now.0.as_nanosecond().max(0))),
                namespace: Some(self.namespace.clone()),
                ..ObjectMeta::default()
            },
            involved_object: object.object_ref(&()),
            reason: Some(reason.to_owned()),
            message: Some(message.to_owned()),
            type_: Some("Warning".to_owned()),
            count: Some(1),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            source: Some(EventSource { component: Some(COMPONENT.to_owned()), host: None }),
            reporting_component: Some(COMPONENT.to_owned()),
            reporting_instance: Some(COMPONENT.to_owned()),
            ..Event::default()
        };
        let api: Api<Event> = Api::namespaced(self.client.clone(), &self.namespace);
        api.create(&PostParams::default(), &event)
            .await
            .map_err(|e| self.err("record an Event on", K::KIND.as_str(), &name, e))?;
        Ok(())
    }

    async fn sweep(&self) -> Result<usize, StoreError> {
        let mut count = self.sweep_kind::<Container>().await?;
        count += self.sweep_kind::<Image>().await?;
        count += self.sweep_kind::<Volume>().await?;
        let api: Api<ContainerNamespace> = Api::namespaced(self.client.clone(), &self.namespace);
        let params = ListParams::default().labels(&selector());
        let list = api.list(&params).await.map_err(|e| self.err("list", "ContainerNamespace", "*", e))?;
        for cns in &list.items {
            self.delete(&api, "ContainerNamespace", &cns.name_any()).await?;
        }
        Ok(count + list.items.len())
    }

    fn changes(&self) -> BoxStream<'static, Work> {
        let cns: Api<ContainerNamespace> = Api::namespaced(self.client.clone(), &self.namespace);
        let namespaces = watcher(cns, watcher::Config::default().fields(&format!("metadata.name={MOBY}")))
            .default_backoff()
            .filter_map(|event| async move {
                match event {
                    Ok(watcher::Event::Delete(_)) => Some(Work::ContainerNamespace),
                    Ok(watcher::Event::Apply(o)) if o.metadata.deletion_timestamp.is_some() => {
                        Some(Work::ContainerNamespace)
                    }
                    Ok(_) => None,
                    Err(e) => {
                        tracing::warn!(kind = "ContainerNamespace", error = %e, "watch failed; retrying");
                        None
                    }
                }
            })
            .boxed();
        stream::select_all([
            mirror_stream::<Container>(self.api(), container_change_work),
            mirror_stream::<Image>(self.api(), delete_work::<Image>),
            mirror_stream::<Volume>(self.api(), delete_work::<Volume>),
            namespaces,
        ])
        .boxed()
    }
}
