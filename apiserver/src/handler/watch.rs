//! `watch`: a chunked stream of `{"type":...,"object":...}` lines. From a
//! resourceVersion it replays every later change in order (none lost, none
//! duplicated); without one it first sends the current state as ADDED
//! events. Selector transitions follow kube's cacher: an object that stops
//! matching is reported DELETED (with its previous content), one that
//! starts matching ADDED. A resume older than the store's window, or a
//! watcher that falls behind, ends with an ERROR event carrying 410 Expired
//! so the client relists.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt as _;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::json;
use tokio::sync::mpsc;

use super::body::Rendering;
use super::read::{Selectors, bytes_are_presentable, partial_metadata, present};
use super::response::ResponseBody;
use super::{ControlPlane, RequestContext};
use crate::error::ApiError;
use crate::registry::ResourceInfo;
use crate::storage::{EventKind, StoreError, StoredObject, WatchStream};

/// How often an idle watch gets a BOOKMARK when the client allows them.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(30);

type Chunk = Result<Frame<Bytes>, std::io::Error>;

/// Where a new watch starts.
enum Start {
    /// Send the current state (at this revision) as ADDED first.
    WithInitialState { end_bookmark: bool },
    /// Replay changes after the given revision.
    After(u64),
}

pub fn watch(plane: &Arc<ControlPlane>, ctx: &RequestContext) -> Result<Response<ResponseBody>, ApiError> {
    let selectors = Selectors::parse(ctx)?;
    let options = &ctx.options;
    let start =
        match options.resource_version.as_deref() {
            None | Some("") | Some("0") => match options.send_initial_events {
                Some(false) if options.resource_version.is_some() => Start::After(plane.store.revision()),
                Some(true) => {
                    if !options.allow_watch_bookmarks {
                        return Err(ApiError::bad_request(
                            "sendInitialEvents is forbidden for watch unless allowWatchBookmarks=true",
                        ));
                    }
                    Start::WithInitialState { end_bookmark: true }
                }
                _ => Start::WithInitialState { end_bookmark: false },
            },
            Some(rv) => Start::After(rv.parse().map_err(|_| {
                ApiError::bad_request(format!("invalid resource version {rv:?}: use a revision number"))
            })?),
        };
    let timeout = Duration::from_secs(options.timeout_seconds.unwrap_or_else(|| 1800 + (rand_u64() % 1800)));
    let (tx, rx) = mpsc::channel::<Chunk>(64);
    let session = WatchSession {
        plane: plane.clone(),
        info: ctx.info.clone(),
        prefix: ctx.info.list_prefix(ctx.namespace()),
        only_key: ctx.req.name.as_ref().map(|_| ctx.key()),
        selectors,
        rendering: ctx.rendering,
        include_object: options.include_object,
        bookmarks: options.allow_watch_bookmarks,
        columns_sent: false,
        last_revision: 0,
        tx,
    };
    tokio::spawn(session.run(start, timeout));
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// A random timeout spread so that watches do not all expire together.
fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

struct WatchSession {
    plane: Arc<ControlPlane>,
    info: Arc<ResourceInfo>,
    prefix: String,
    only_key: Option<String>,
    selectors: Selectors,
    rendering: Rendering,
    include_object: crate::request::IncludeObject,
    bookmarks: bool,
    columns_sent: bool,
    last_revision: u64,
    tx: mpsc::Sender<Chunk>,
}

impl WatchSession {
    fn wanted_key(&self, key: &str) -> bool {
        self.only_key.as_deref().is_none_or(|only| only == key)
    }

    fn passes(&self, stored: &StoredObject) -> bool {
        self.wanted_key(&stored.key) && self.selectors.matches(stored)
    }

    async fn run(mut self, start: Start, timeout: Duration) {
        let mut shutdown = self.plane.shutdown.subscribe();
        let (stream, after) = match start {
            Start::After(revision) => (self.plane.store.watch(&self.prefix, revision), revision),
            Start::WithInitialState { end_bookmark } => {
                let snapshot = self.plane.store.list(&self.prefix, None, None);
                let stream = self.plane.store.watch(&self.prefix, snapshot.revision);
                for item in &snapshot.items {
                    if self.passes(item) && !self.send_object("ADDED", item, None).await {
                        return;
                    }
                }
                self.last_revision = snapshot.revision;
                if end_bookmark && !self.send_bookmark(true).await {
                    return;
                }
                (stream, snapshot.revision)
            }
        };
        self.last_revision = self.last_revision.max(after);
        let mut stream: WatchStream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                self.send_error(&err).await;
                return;
            }
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut bookmark_timer = tokio::time::interval(BOOKMARK_INTERVAL);
        bookmark_timer.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = shutdown.changed() => return,
                _ = self.tx.closed() => return,
                _ = bookmark_timer.tick(), if self.bookmarks => {
                    if !self.send_bookmark(false).await { return; }
                }
                next = stream.next() => match next {
                    None => return,
                    Some(Err(err)) => { self.send_error(&err).await; return; }
                    Some(Ok(event)) => {
                        self.last_revision = event.revision;
                        if !self.wanted_key(&event.object.key) { continue; }
                        let now_passes = event.kind != EventKind::Deleted && self.selectors.matches(&event.object);
                        let before_passed = event.previous.as_ref().is_some_and(|p| self.selectors.matches(p));
                        let sent = match (now_passes, before_passed, event.kind) {
                            (false, false, _) => true,
                            (true, false, _) => self.send_object("ADDED", &event.object, None).await,
                            (true, true, _) => self.send_object("MODIFIED", &event.object, None).await,
                            (false, true, EventKind::Deleted) => self.send_object("DELETED", &event.object, None).await,
                            (false, true, _) => match &event.previous {
                                Some(previous) => self.send_object("DELETED", previous, Some(event.revision)).await,
                                None => true,
                            },
                        };
                        if !sent { return; }
                    }
                }
            }
        }
    }

    /// Sends one event; false when the client is gone.
    async fn send_object(&mut self, kind: &str, stored: &StoredObject, revision_override: Option<u64>) -> bool {
        let plain = self.rendering == Rendering::Object
            && revision_override.is_none()
            && bytes_are_presentable(&self.plane, &self.info);
        let line = if plain {
            let mut line = Vec::with_capacity(stored.json.len() + 32);
            line.extend_from_slice(format!("{{\"type\":\"{kind}\",\"object\":").as_bytes());
            line.extend_from_slice(&stored.json);
            line.extend_from_slice(b"}\n");
            line
        } else {
            let Ok(mut value) = present(&self.plane, &self.info, stored) else { return true };
            if let Some(revision) = revision_override {
                super::object::metadata_mut(&mut value).insert("resourceVersion".into(), json!(revision.to_string()));
            }
            let object = match self.rendering {
                Rendering::Table { v1beta1 } => {
                    let mut table = crate::table::table(
                        &self.info,
                        std::slice::from_ref(&value),
                        self.include_object,
                        !self.columns_sent,
                        &stored.revision.to_string(),
                        None,
                        jiff::Timestamp::now(),
                    );
                    self.columns_sent = true;
                    if v1beta1 {
                        table["apiVersion"] = json!("meta.k8s.io/v1beta1");
                    }
                    table
                }
                Rendering::Metadata => partial_metadata(&value),
                _ => value,
            };
            let mut line = serde_json::to_vec(&json!({ "type": kind, "object": object })).unwrap_or_default();
            line.push(b'\n');
            line
        };
        self.tx.send(Ok(Frame::data(Bytes::from(line)))).await.is_ok()
    }

    async fn send_bookmark(&mut self, initial_events_end: bool) -> bool {
        let mut metadata = json!({ "resourceVersion": self.last_revision.to_string() });
        if initial_events_end {
            metadata["annotations"] = json!({ "k8s.io/initial-events-end": "true" });
        }
        let object = json!({ "kind": self.info.kind, "apiVersion": self.info.api_version(), "metadata": metadata });
        let mut line = serde_json::to_vec(&json!({ "type": "BOOKMARK", "object": object })).unwrap_or_default();
        line.push(b'\n');
        self.tx.send(Ok(Frame::data(Bytes::from(line)))).await.is_ok()
    }

    async fn send_error(&mut self, err: &StoreError) {
        let api_error = match err {
            StoreError::TooOld { requested, oldest } => {
                ApiError::expired(format!("too old resource version: {requested} ({oldest})"))
            }
            StoreError::Lagged => ApiError::expired(format!(
                "too old resource version: {} (the watch fell behind; list again)",
                self.last_revision
            )),
            StoreError::Closed => return,
            other => ApiError::internal(other),
        };
        let mut line =
            serde_json::to_vec(&json!({ "type": "ERROR", "object": api_error.to_status() })).unwrap_or_default();
        line.push(b'\n');
        let _ = self.tx.send(Ok(Frame::data(Bytes::from(line)))).await;
    }
}
