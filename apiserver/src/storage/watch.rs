//! The watch hub: a ring buffer of the most recent events, and the fan-out
//! of new events to watchers through one broadcast channel.
//!
//! Publishing, subscribing and the replay copy all happen under the hub's
//! lock, so a new watcher gets every event after its revision exactly once:
//! those already published from the ring, later ones from the channel. A
//! watcher that falls more than the channel's capacity behind gets
//! [`StoreError::Lagged`] and its stream ends, so its client relists instead
//! of silently missing changes.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::broadcast;

use super::{StoreError, WatchEvent};

pub struct Hub {
    window: VecDeque<WatchEvent>,
    capacity: usize,
    /// Every event after this revision is in `window` (or not yet published).
    floor: u64,
    live: Option<broadcast::Sender<WatchEvent>>,
}

impl Hub {
    /// A hub whose window starts with `events` (all revisions after `floor`).
    pub fn new(capacity: usize, watcher_queue: usize, floor: u64, events: Vec<WatchEvent>) -> Self {
        let (live, _) = broadcast::channel(watcher_queue.max(1));
        let mut hub = Hub { window: VecDeque::with_capacity(capacity.min(1024)), capacity, floor, live: Some(live) };
        hub.remember(events);
        hub
    }

    /// Adds committed events (in revision order) to the window and sends
    /// them to the watchers.
    pub fn publish(&mut self, events: Vec<WatchEvent>) {
        if let Some(live) = &self.live {
            for event in &events {
                // An error only means nobody is watching right now.
                let _ = live.send(event.clone());
            }
        }
        self.remember(events);
    }

    fn remember(&mut self, events: Vec<WatchEvent>) {
        for event in events {
            self.window.push_back(event);
        }
        while self.window.len() > self.capacity {
            if let Some(evicted) = self.window.pop_front() {
                self.floor = evicted.revision;
            }
        }
    }

    pub fn subscribe(&self, prefix: &str, after: u64) -> Result<WatchStream, StoreError> {
        let Some(live) = &self.live else {
            return Err(StoreError::Closed);
        };
        if after < self.floor {
            return Err(StoreError::TooOld { requested: after, oldest: self.floor });
        }
        let replay: VecDeque<WatchEvent> =
            self.window.iter().filter(|e| e.revision > after && e.object.key.starts_with(prefix)).cloned().collect();
        let cursor = Cursor { replay, live: live.subscribe(), prefix: prefix.to_owned(), after, done: false };
        Ok(WatchStream { inner: futures::stream::unfold(cursor, Cursor::next).boxed() })
    }

    /// Ends every watch: each stream yields what it has, then `Closed`.
    pub fn close(&mut self) {
        self.live = None;
    }
}

struct Cursor {
    replay: VecDeque<WatchEvent>,
    live: broadcast::Receiver<WatchEvent>,
    prefix: String,
    after: u64,
    done: bool,
}

impl Cursor {
    async fn next(mut self) -> Option<(Result<WatchEvent, StoreError>, Cursor)> {
        if self.done {
            return None;
        }
        if let Some(event) = self.replay.pop_front() {
            return Some((Ok(event), self));
        }
        loop {
            match self.live.recv().await {
                Ok(event) if event.revision > self.after && event.object.key.starts_with(&self.prefix) => {
                    return Some((Ok(event), self));
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(prefix = %self.prefix, missed, "closing a watch that fell behind");
                    self.done = true;
                    return Some((Err(StoreError::Lagged), self));
                }
                Err(broadcast::error::RecvError::Closed) => {
                    self.done = true;
                    return Some((Err(StoreError::Closed), self));
                }
            }
        }
    }
}

/// The events of one watch, in revision order; ends after an error.
pub struct WatchStream {
    inner: BoxStream<'static, Result<WatchEvent, StoreError>>,
}

impl std::fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream").finish_non_exhaustive()
    }
}

impl Stream for WatchStream {
    type Item = Result<WatchEvent, StoreError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{EventKind, StoredObject};
    use std::sync::Arc;

    fn event(revision: u64, key: &str) -> WatchEvent {
        let object = Arc::new(StoredObject {
            key: key.into(),
            revision,
            json: bytes::Bytes::from_static(b"{}"),
            labels: Default::default(),
        });
        WatchEvent { kind: EventKind::Added, revision, object, previous: None }
    }

    async fn take(stream: &mut WatchStream, n: usize) -> Vec<u64> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(stream.next().await.unwrap().unwrap().revision);
        }
        out
    }

    #[tokio::test]
    async fn replays_the_window_then_follows_live_events() {
        let mut hub = Hub::new(3, 16, 0, vec![event(1, "/a/1"), event(2, "/b/1")]);
        hub.publish(vec![event(3, "/a/2"), event(4, "/a/3")]);
        assert!(matches!(hub.subscribe("/a/", 0), Err(StoreError::TooOld { requested: 0, oldest: 1 })));
        let mut stream = hub.subscribe("/a/", 1).unwrap();
        hub.publish(vec![event(5, "/b/2"), event(6, "/a/4")]);
        assert_eq!(take(&mut stream, 3).await, [3, 4, 6]);
        hub.close();
        assert!(matches!(stream.next().await, Some(Err(StoreError::Closed))));
        assert!(stream.next().await.is_none());
        assert!(matches!(hub.subscribe("/a/", 6), Err(StoreError::Closed)));
    }

    #[tokio::test]
    async fn a_stalled_watcher_gets_lagged_then_ends() {
        let mut hub = Hub::new(100, 4, 0, Vec::new());
        let mut stream = hub.subscribe("/", 0).unwrap();
        hub.publish((1..=10).map(|r| event(r, "/x")).collect());
        assert!(matches!(stream.next().await, Some(Err(StoreError::Lagged))));
        assert!(stream.next().await.is_none());
    }
}
