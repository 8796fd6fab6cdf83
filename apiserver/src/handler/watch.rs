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
use futures::{FutureExt as _, StreamExt as _};
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::json;
use tokio::sync::mpsc;

use super::body::Rendering;
use super::read::{Selectors, bytes_are_presentable, present};
use super::response::ResponseBody;
use super::{ControlPlane, RequestContext};
use crate::error::ApiError;
use crate::registry::ResourceInfo;
use crate::storage::{EventKind, StoreError, StoredObject, WatchEvent, WatchStream};
use crate::table::partial_metadata;

/// How often an idle watch gets a BOOKMARK when the client allows them.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(30);
/// Most bytes of queued events sent as one chunk.
const COALESCE_BYTES: usize = 256 * 1024;

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
                        // Events already waiting behind this one go out in
                        // the same chunk: one write (and one TLS record) per
                        // burst instead of per event, so a watcher that fell
                        // behind catches up at a fraction of the cost.
                        let mut chunk = Vec::new();
                        self.render_event(&event, &mut chunk);
                        let mut ended = None;
                        while chunk.len() < COALESCE_BYTES {
                            match stream.next().now_or_never() {
                                Some(Some(Ok(event))) => self.render_event(&event, &mut chunk),
                                Some(Some(Err(err))) => { ended = Some(Some(err)); break; }
                                Some(None) => { ended = Some(None); break; }
                                None => break,
                            }
                        }
                        if !chunk.is_empty() && !self.send_line(chunk).await { return; }
                        match ended {
                            Some(Some(err)) => { self.send_error(&err).await; return; }
                            Some(None) => return,
                            None => {}
                        }
                    }
                }
            }
        }
    }

    /// Appends the line(s) one store event means to this watcher (none
    /// when it neither matches now nor matched before).
    fn render_event(&mut self, event: &WatchEvent, out: &mut Vec<u8>) {
        self.last_revision = event.revision;
        if !self.wanted_key(&event.object.key) {
            return;
        }
        let now_passes = event.kind != EventKind::Deleted && self.selectors.matches(&event.object);
        let before_passed = event.previous.as_ref().is_some_and(|p| self.selectors.matches(p));
        match (now_passes, before_passed, event.kind) {
            (false, false, _) => {}
            (true, false, _) => self.render_object("ADDED", &event.object, None, out),
            (true, true, _) => self.render_object("MODIFIED", &event.object, None, out),
            (false, true, EventKind::Deleted) => self.render_object("DELETED", &event.object, None, out),
            (false, true, _) => {
                if let Some(previous) = &event.previous {
                    self.render_object("DELETED", previous, Some(event.revision), out);
                }
            }
        }
    }

    /// Sends one event; false when the client is gone.
    async fn send_object(&mut self, kind: &str, stored: &StoredObject, revision_override: Option<u64>) -> bool {
        let mut line = Vec::new();
        self.render_object(kind, stored, revision_override, &mut line);
        line.is_empty() || self.send_line(line).await
    }

    /// Sends rendered lines as one chunk; false when the client is gone.
    async fn send_line(&mut self, line: Vec<u8>) -> bool {
        self.tx.send(Ok(Frame::data(Bytes::from(line)))).await.is_ok()
    }

    /// Appends one event line. The stored JSON is the object as served, so
    /// a plain watch copies those bytes (serialised once, at write time)
    /// between a fixed prefix and suffix; other renderings decode it.
    fn render_object(&mut self, kind: &str, stored: &StoredObject, revision_override: Option<u64>, out: &mut Vec<u8>) {
        let plain = self.rendering == Rendering::Object
            && revision_override.is_none()
            && bytes_are_presentable(&self.plane, &self.info);
        if plain {
            out.reserve(stored.json.len() + 32);
            out.extend_from_slice(b"{\"type\":\"");
            out.extend_from_slice(kind.as_bytes());
            out.extend_from_slice(b"\",\"object\":");
            out.extend_from_slice(&stored.json);
            out.extend_from_slice(b"}\n");
            return;
        }
        let Ok(mut value) = present(&self.plane, &self.info, stored) else { return };
        if let Some(revision) = revision_override {
            super::object::metadata_mut(&mut value).insert("resourceVersion".into(), json!(revision.to_string()));
        }
        let object = match self.rendering {
            Rendering::Table { v1beta1 } => {
                let mut table = crate::table::table(
                    &self.info,
                    vec![value],
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
            Rendering::Metadata => partial_metadata(value),
            _ => value,
        };
        if serde_json::to_writer(&mut *out, &json!({ "type": kind, "object": object })).is_ok() {
            out.push(b'\n');
        }
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
