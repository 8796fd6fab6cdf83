//! The writer thread: the only owner of the write connection. It takes
//! every request queued (up to a cap), checks preconditions in order
//! against the current state plus the earlier writes of the same batch,
//! commits the batch in one SQLite transaction (group commit), publishes the
//! changes to memory and to watchers, and only then answers each request.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::log::{self, NewRow, db_error};
use super::memory::{labels_of, stamp};
use super::{
    CompactionReport, EventKind, Precondition, Shared, StoreError, StoreOptions, StoredObject, WatchEvent, WriteOp,
    WriteOutcome,
};

pub enum Request {
    Write { op: WriteOp, reply: oneshot::Sender<Result<WriteOutcome, StoreError>> },
    Compact { reply: oneshot::Sender<Result<CompactionReport, StoreError>> },
    Shutdown { reply: oneshot::Sender<()> },
}

pub fn spawn(
    lock: File,
    conn: Connection,
    path: PathBuf,
    shared: Arc<Shared>,
    requests: mpsc::Receiver<Request>,
    options: &StoreOptions,
    revision: u64,
) -> Result<(), StoreError> {
    let writer = Writer {
        _lock: lock,
        conn,
        path,
        shared,
        revision,
        max_batch: options.max_batch.max(1),
        retained: options.retained_revisions,
    };
    std::thread::Builder::new()
        .name("rdd-store-writer".into())
        .spawn(move || writer.run(requests))
        .map_err(|err| StoreError::Database(format!("starting the store writer thread: {err}")))?;
    Ok(())
}

struct Writer {
    /// Held for the writer's life; released after the connection is closed.
    _lock: File,
    conn: Connection,
    path: PathBuf,
    shared: Arc<Shared>,
    /// The latest committed revision.
    revision: u64,
    max_batch: usize,
    retained: u64,
}

/// A write that passed its precondition, ready to be appended.
struct Staged {
    key: String,
    revision: u64,
    value: Bytes,
    /// `None` for a delete.
    object: Option<Arc<StoredObject>>,
    event: WatchEvent,
}

type Reply = oneshot::Sender<Result<WriteOutcome, StoreError>>;

impl Writer {
    fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        let mut carried: Option<Request> = None;
        let mut stopping: Vec<oneshot::Sender<()>> = Vec::new();
        loop {
            let Some(request) = carried.take().or_else(|| requests.blocking_recv()) else { break };
            match request {
                Request::Write { op, reply } => {
                    let mut batch = vec![(op, reply)];
                    while batch.len() < self.max_batch {
                        match requests.try_recv() {
                            Ok(Request::Write { op, reply }) => batch.push((op, reply)),
                            Ok(other) => {
                                carried = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.commit_batch(batch);
                }
                Request::Compact { reply } => {
                    let _ = reply.send(self.compact());
                }
                Request::Shutdown { reply } => {
                    // Requests already queued are still received (and
                    // committed) after close; new ones are refused.
                    requests.close();
                    stopping.push(reply);
                }
            }
        }
        self.finish();
        for reply in stopping {
            let _ = reply.send(());
        }
    }

    fn commit_batch(&mut self, batch: Vec<(WriteOp, Reply)>) {
        let mut overlay: HashMap<String, Option<Arc<StoredObject>>> = HashMap::new();
        let mut staged: Vec<Staged> = Vec::new();
        // Each request's answer: the index of its staged write, or its error.
        let mut answers: Vec<(Reply, Result<usize, StoreError>)> = Vec::with_capacity(batch.len());
        {
            let state = self.shared.state();
            for (op, reply) in batch {
                let current = match overlay.get(op.key()) {
                    Some(current) => current.clone(),
                    None => state.get(op.key()),
                };
                let revision = self.revision + staged.len() as u64 + 1;
                match stage(op, current, revision) {
                    Ok(write) => {
                        overlay.insert(write.key.clone(), write.object.clone());
                        answers.push((reply, Ok(staged.len())));
                        staged.push(write);
                    }
                    Err(err) => answers.push((reply, Err(err))),
                }
            }
        }
        if staged.is_empty() {
            for (reply, answer) in answers {
                if let Err(err) = answer {
                    let _ = reply.send(Err(err));
                }
            }
            return;
        }
        if let Err(err) = self.append(&staged) {
            tracing::error!(path = %self.path.display(), writes = staged.len(), error = %err, "store commit failed");
            for (reply, _) in answers {
                let _ = reply.send(Err(err.clone()));
            }
            return;
        }
        self.revision += staged.len() as u64;
        self.shared.transactions.fetch_add(1, Ordering::Relaxed);
        self.shared.writes.fetch_add(staged.len() as u64, Ordering::Relaxed);

        let outcomes: Vec<WriteOutcome> =
            staged.iter().map(|s| WriteOutcome { revision: s.revision, object: s.event.object.clone() }).collect();
        {
            // Memory first, then watchers, both before any answer: whoever
            // sees an acknowledged revision can read and watch from it.
            let mut state = self.shared.state_mut();
            let mut hub = self.shared.hub();
            let mut events = Vec::with_capacity(staged.len());
            for write in staged {
                state.apply(&write.key, write.object, write.revision);
                events.push(write.event);
            }
            hub.publish(events);
        }
        for (reply, answer) in answers {
            let _ = reply.send(answer.map(|index| outcomes[index].clone()));
        }
    }

    fn append(&mut self, staged: &[Staged]) -> Result<(), StoreError> {
        let context = || format!("committing {} writes to {}", staged.len(), self.path.display());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error(context()))?;
        for write in staged {
            let prev_revision = write.event.previous.as_ref().map_or(0, |p| p.revision);
            let row = NewRow {
                revision: write.revision,
                key: &write.key,
                value: &write.value,
                deleted: write.object.is_none(),
                prev_revision,
            };
            log::append(&tx, &row).map_err(db_error(format!("{} (appending {})", context(), write.key)))?;
        }
        tx.commit().map_err(db_error(context()))
    }

    fn compact(&mut self) -> Result<CompactionReport, StoreError> {
        let cutoff = self.revision.saturating_sub(self.retained);
        let started = std::time::Instant::now();
        let deleted = log::compact(&mut self.conn, cutoff, self.revision)
            .map_err(db_error(format!("compacting {} up to revision {cutoff}", self.path.display())))?;
        let report = CompactionReport { cutoff, deleted_rows: deleted as u64 };
        tracing::debug!(cutoff, deleted, elapsed_ms = started.elapsed().as_millis() as u64, "compacted the store");
        Ok(report)
    }

    fn finish(self) {
        // Fold the WAL back into the main file so the next open starts clean;
        // a failure only costs replaying the WAL at the next open.
        if let Err(err) = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
            tracing::warn!(path = %self.path.display(), error = %err, "checkpointing the store at shutdown failed");
        }
        self.shared.hub().close();
        if let Err((_, err)) = self.conn.close() {
            tracing::warn!(path = %self.path.display(), error = %err, "closing the store database failed");
        }
    }
}

/// Checks `op`'s precondition against `current` and builds the row, the new
/// state and the event it commits as `revision`.
fn stage(op: WriteOp, current: Option<Arc<StoredObject>>, revision: u64) -> Result<Staged, StoreError> {
    let (key, mut object, precondition, deleting) = match op {
        WriteOp::Put { key, object, precondition } => (key, object, precondition, false),
        WriteOp::Delete { key, object, precondition } => (key, object, precondition, true),
    };
    match (&current, precondition) {
        (Some(_), Precondition::MustNotExist) => return Err(StoreError::AlreadyExists { key }),
        (Some(found), Precondition::Revision(wanted)) if found.revision != wanted => {
            let current = found.clone();
            return Err(StoreError::Conflict { key, current });
        }
        (None, Precondition::Revision(_)) => return Err(StoreError::NotFound { key }),
        (None, _) if deleting => return Err(StoreError::NotFound { key }),
        _ => {}
    }
    stamp(&mut object, revision).map_err(|reason| StoreError::Invalid { key: key.clone(), reason })?;
    let value =
        Bytes::from(serde_json::to_vec(&object).map_err(|err| StoreError::Invalid {
            key: key.clone(),
            reason: format!("it cannot be serialized: {err}"),
        })?);
    let stored = Arc::new(StoredObject { key: key.clone(), revision, json: value.clone(), labels: labels_of(&object) });
    let kind = match (deleting, &current) {
        (true, _) => EventKind::Deleted,
        (false, None) => EventKind::Added,
        (false, Some(_)) => EventKind::Modified,
    };
    let event = WatchEvent { kind, revision, object: stored.clone(), previous: current };
    Ok(Staged { key, revision, value, object: (!deleting).then_some(stored), event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn existing(revision: u64) -> Option<Arc<StoredObject>> {
        Some(Arc::new(StoredObject {
            key: "/k".into(),
            revision,
            json: Bytes::from_static(b"{}"),
            labels: Default::default(),
        }))
    }

    fn put(precondition: Precondition) -> WriteOp {
        WriteOp::Put { key: "/k".into(), object: json!({"metadata": {"labels": {"a": "b"}}}), precondition }
    }

    fn delete(precondition: Precondition) -> WriteOp {
        WriteOp::Delete { key: "/k".into(), object: json!({"metadata": {}}), precondition }
    }

    #[test]
    fn preconditions() {
        assert!(matches!(
            stage(put(Precondition::MustNotExist), existing(3), 9),
            Err(StoreError::AlreadyExists { .. })
        ));
        assert!(matches!(
            stage(put(Precondition::Revision(2)), existing(3), 9),
            Err(StoreError::Conflict { current, .. }) if current.revision == 3
        ));
        assert!(matches!(stage(put(Precondition::Revision(2)), None, 9), Err(StoreError::NotFound { .. })));
        assert!(matches!(stage(delete(Precondition::None), None, 9), Err(StoreError::NotFound { .. })));
        assert!(matches!(stage(delete(Precondition::Revision(3)), None, 9), Err(StoreError::NotFound { .. })));
        let bad = WriteOp::Put { key: "/k".into(), object: json!("text"), precondition: Precondition::None };
        assert!(matches!(stage(bad, None, 9), Err(StoreError::Invalid { .. })));
    }

    #[test]
    fn staged_writes_carry_the_stamped_object_and_event() {
        let added = stage(put(Precondition::MustNotExist), None, 9).unwrap();
        assert_eq!(added.event.kind, EventKind::Added);
        assert_eq!(&added.value[..], br#"{"metadata":{"labels":{"a":"b"},"resourceVersion":"9"}}"#);
        assert_eq!(added.object.as_ref().unwrap().labels["a"], "b");

        let modified = stage(put(Precondition::Revision(3)), existing(3), 9).unwrap();
        assert_eq!(modified.event.kind, EventKind::Modified);
        assert_eq!(modified.event.previous.unwrap().revision, 3);

        let deleted = stage(delete(Precondition::None), existing(3), 9).unwrap();
        assert_eq!(deleted.event.kind, EventKind::Deleted);
        assert!(deleted.object.is_none());
        assert_eq!(deleted.event.object.revision, 9);
        assert_eq!(&deleted.event.object.json[..], br#"{"metadata":{"resourceVersion":"9"}}"#);
    }
}
