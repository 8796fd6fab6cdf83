//! A recording watcher: every event of one kind in the mirror namespace,
//! as the API server sends it (raw watch, resumed from the last
//! resourceVersion when the server ends a watch), so a test can assert
//! that no DELETED event was sent for an object that still exists.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::serde::de::DeserializeOwned;
use kube::api::{ListParams, WatchEvent, WatchParams};
use kube::{Api, Resource, ResourceExt};

/// One recorded event: type ("ADDED", "MODIFIED", "DELETED", "ERROR …")
/// and object name.
pub type Recorded = Arc<Mutex<Vec<(String, String)>>>;

/// Lists `api` and records every later event until the task is aborted.
pub async fn record<K>(api: Api<K>) -> (Recorded, tokio::task::JoinHandle<()>)
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let list = api.list(&ListParams::default()).await.expect("list before watching");
    let mut rv = list.metadata.resource_version.clone().expect("a list resourceVersion");
    let events: Recorded = Arc::default();
    let out = events.clone();
    let task = tokio::spawn(async move {
        loop {
            let stream = match api.watch(&WatchParams::default().timeout(30), &rv).await {
                Ok(stream) => stream,
                Err(e) => {
                    out.lock().unwrap().push((format!("ERROR {e}"), String::new()));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            let mut stream = stream.boxed();
            while let Ok(Some(event)) = stream.try_next().await {
                let (kind, obj) = match event {
                    WatchEvent::Added(o) => ("ADDED", o),
                    WatchEvent::Modified(o) => ("MODIFIED", o),
                    WatchEvent::Deleted(o) => ("DELETED", o),
                    WatchEvent::Bookmark(b) => {
                        rv = b.metadata.resource_version;
                        continue;
                    }
                    WatchEvent::Error(e) => {
                        // 410: nothing to resume from; the test sees it.
                        out.lock().unwrap().push((format!("ERROR {}", e.code), String::new()));
                        return;
                    }
                };
                if let Some(v) = obj.resource_version() {
                    rv = v;
                }
                out.lock().unwrap().push((kind.to_owned(), obj.name_any()));
            }
        }
    });
    (events, task)
}
