//! Periodic compaction of the revision log: a tokio task that asks the
//! writer thread, at a fixed interval, to delete history older than the
//! retained revisions (the statement itself is in `log`). It runs in the
//! writer so it never contends with commits for SQLite's write lock, and
//! reads never wait for it because they are served from memory.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::writer::Request;

/// What one compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionReport {
    /// History at or below this revision was removed (each key's latest row
    /// excepted).
    pub cutoff: u64,
    pub deleted_rows: u64,
}

/// Compacts every `interval` until the store is shut down or dropped; the
/// task holds only a weak handle, so it never keeps the writer alive.
pub fn spawn_periodic(runtime: &tokio::runtime::Handle, requests: mpsc::WeakSender<Request>, interval: Duration) {
    if interval.is_zero() {
        return;
    }
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let Some(requests) = requests.upgrade() else { return };
            let (reply, answer) = oneshot::channel();
            if requests.send(Request::Compact { reply }).await.is_err() {
                return;
            }
            drop(requests);
            match answer.await {
                Ok(Ok(report)) => {
                    tracing::debug!(cutoff = report.cutoff, deleted_rows = report.deleted_rows, "periodic compaction")
                }
                // The next tick retries; the interval is the backoff.
                Ok(Err(err)) => tracing::warn!(error = %err, "periodic compaction of the store failed"),
                Err(_) => return,
            }
        }
    });
}
