//! The store of the embedded API server (SPEC §3.5): a durable SQLite
//! revision log in the style of kine, the current state of every object in
//! memory, and a watch hub serving recent events.
//!
//! Reads (`get`, `list`, `revision`) are served from memory and never touch
//! SQLite. Writes go to one writer thread that owns the write connection and
//! commits everything queued in one transaction (group commit); a write is
//! answered only after its transaction is durable, and its effect is
//! published to memory and to watchers before the answer. Watches replay the
//! in-memory event window after a revision and then follow live events.
//! `docs/design/storage.md` explains the design and its guarantees.

mod compaction;
mod log;
mod memory;
mod watch;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

pub use compaction::CompactionReport;
pub use watch::WatchStream;

use memory::State;
use watch::Hub;
use writer::Request;

/// How many requests may wait for the writer before `write` callers queue
/// up behind them (backpressure instead of unbounded memory).
const REQUEST_QUEUE: usize = 4096;

/// Tunables of a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How many recent events are kept in memory for watches to resume from.
    pub watch_window: usize,
    /// How often old log rows are compacted away (only when `open` is called
    /// inside a tokio runtime; otherwise call [`Store::compact`]).
    pub compaction_interval: Duration,
    /// How many revisions of history compaction keeps (every key's latest
    /// row is always kept).
    pub retained_revisions: u64,
    /// How many live events a watcher may fall behind before it is closed
    /// with [`StoreError::Lagged`].
    pub watcher_queue: usize,
    /// The most writes committed in one transaction.
    pub max_batch: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            watch_window: 10_000,
            compaction_interval: Duration::from_secs(300),
            retained_revisions: 10_000,
            watcher_queue: 4096,
            max_batch: 512,
        }
    }
}

/// One stored object as the API serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    /// The revision of the object's last write: its `resourceVersion`.
    pub revision: u64,
    /// The serialized object, `metadata.resourceVersion` included.
    pub json: Bytes,
    /// `metadata.labels`, kept apart so selectors need not parse `json`.
    pub labels: BTreeMap<String, String>,
}

/// A page of a list, taken at one revision.
#[derive(Debug, Clone)]
pub struct ListSnapshot {
    pub revision: u64,
    pub items: Vec<Arc<StoredObject>>,
    /// How many matching keys follow the returned page.
    pub remaining: usize,
}

/// One write request.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Creates or replaces `key`; the store stamps `metadata.resourceVersion`.
    Put { key: String, object: serde_json::Value, precondition: Precondition },
    /// Removes `key` (which must exist); `object` is the final state shown to
    /// watchers, stamped with the delete's revision.
    Delete { key: String, object: serde_json::Value, precondition: Precondition },
}

impl WriteOp {
    pub fn key(&self) -> &str {
        match self {
            WriteOp::Put { key, .. } | WriteOp::Delete { key, .. } => key,
        }
    }
}

/// What must hold about the key's current state for a write to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    None,
    MustNotExist,
    /// The key must currently exist at exactly this revision.
    Revision(u64),
}

/// The answer to an applied write.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub revision: u64,
    /// The object as stored (for a delete: its final state).
    pub object: Arc<StoredObject>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("{key} already exists")]
    AlreadyExists { key: String },
    #[error("{key} not found")]
    NotFound { key: String },
    #[error("{key} was changed concurrently: it is now at revision {}; read it again and retry", current.revision)]
    Conflict { key: String, current: Arc<StoredObject> },
    #[error(
        "revision {requested} is older than the retained event window (oldest usable revision {oldest}); list again"
    )]
    TooOld { requested: u64, oldest: u64 },
    #[error(
        "the watch fell behind the live event stream and was closed; list again and watch from the list's revision"
    )]
    Lagged,
    #[error("the store is shut down")]
    Closed,
    #[error("cannot store {key}: {reason}")]
    Invalid { key: String, reason: String },
    #[error("storage database: {0}")]
    Database(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Modified,
    Deleted,
}

/// One change, as watchers see it.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub kind: EventKind,
    pub revision: u64,
    /// The new state; for `Deleted`, the final state.
    pub object: Arc<StoredObject>,
    /// The state before this change (none for `Added`).
    pub previous: Option<Arc<StoredObject>>,
}

/// Counters of the writer, for tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Committed transactions carrying writes.
    pub transactions: u64,
    /// Writes committed (successful puts and deletes).
    pub writes: u64,
}

/// What the writer thread and the readers share.
struct Shared {
    state: RwLock<State>,
    hub: Mutex<Hub>,
    transactions: AtomicU64,
    writes: AtomicU64,
}

impl Shared {
    // A panic while holding one of these locks cannot leave a half-applied
    // change: the writer builds every change before taking the lock and only
    // swaps values in under it, so a poisoned lock still holds valid data.
    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn state_mut(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn hub(&self) -> std::sync::MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct Inner {
    shared: Arc<Shared>,
    requests: mpsc::Sender<Request>,
    path: PathBuf,
}

/// A handle on an open store; clones share it.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).field("revision", &self.revision()).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, loads the current
    /// state and the recent event window, and starts the writer thread. When
    /// called inside a tokio runtime, periodic compaction is spawned on it.
    ///
    /// This reads the whole current state from SQLite, so async callers
    /// should run it in `spawn_blocking` when the database may be large.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let lock = log::lock(path)?;
        let mut conn = log::open(path)?;
        let loaded = log::load(&mut conn, path, options.watch_window)?;
        tracing::info!(
            path = %path.display(),
            revision = loaded.revision,
            objects = loaded.objects.len(),
            window = loaded.events.len(),
            "opened store"
        );
        let hub = Hub::new(options.watch_window, options.watcher_queue, loaded.floor, loaded.events);
        let shared = Arc::new(Shared {
            state: RwLock::new(State::new(loaded.objects, loaded.revision)),
            hub: Mutex::new(hub),
            transactions: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        });
        let (requests, receiver) = mpsc::channel(REQUEST_QUEUE);
        writer::spawn(lock, conn, path.to_owned(), shared.clone(), receiver, &options, loaded.revision)?;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            compaction::spawn_periodic(&runtime, requests.downgrade(), options.compaction_interval);
        }
        Ok(Store { inner: Arc::new(Inner { shared, requests, path: path.to_owned() }) })
    }

    /// The latest committed revision.
    pub fn revision(&self) -> u64 {
        self.inner.shared.state().revision()
    }

    pub fn get(&self, key: &str) -> Option<Arc<StoredObject>> {
        self.inner.shared.state().get(key)
    }

    /// Objects whose key starts with `prefix` and sorts after `start_after`,
    /// in byte order, at most `limit` of them, all at one revision.
    pub fn list(&self, prefix: &str, start_after: Option<&str>, limit: Option<usize>) -> ListSnapshot {
        self.inner.shared.state().list(prefix, start_after, limit)
    }

    /// Applies one write; answers only once it is durable on disk.
    pub async fn write(&self, op: WriteOp) -> Result<WriteOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner.requests.send(Request::Write { op, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Every event after revision `after` on keys under `prefix`, in order:
    /// first those still in the window, then live ones.
    pub fn watch(&self, prefix: &str, after: u64) -> Result<WatchStream, StoreError> {
        self.inner.shared.hub().subscribe(prefix, after)
    }

    /// Removes history older than the retained revisions now.
    pub async fn compact(&self) -> Result<CompactionReport, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner.requests.send(Request::Compact { reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub fn stats(&self) -> StoreStats {
        let shared = &self.inner.shared;
        StoreStats {
            transactions: shared.transactions.load(Ordering::Relaxed),
            writes: shared.writes.load(Ordering::Relaxed),
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Commits the writes already queued, stops the writer, closes the
    /// database and ends every watch with [`StoreError::Closed`]. Later
    /// writes fail with `Closed`; calling it again does nothing.
    pub async fn shutdown(&self) {
        let (reply, answer) = oneshot::channel();
        if self.inner.requests.send(Request::Shutdown { reply }).await.is_ok() {
            let _ = answer.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_cross_tasks() {
        fn shared<T: Send + Sync + Clone + 'static>() {}
        fn streamed<T: futures::Stream + Send + Unpin + 'static>() {}
        shared::<Store>();
        shared::<StoreError>();
        shared::<WatchEvent>();
        streamed::<WatchStream>();
    }
}
