//! The unit of work and the per-object retry queue (SPEC §6.4: a failed
//! handler is retried per object with backoff, de-duplicated, bounded).
//! Pure data structure: the caller passes the clock in.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

/// Which mirror kind a Kubernetes-side delete concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MirrorKind {
    Container,
    Image,
    Volume,
}

impl MirrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MirrorKind::Container => "Container",
            MirrorKind::Image => "Image",
            MirrorKind::Volume => "Volume",
        }
    }
}

/// One thing to bring in line; equal values are one queue entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Work {
    /// Re-inspect a container and apply it (NotFound: remove its mirror).
    Container(String),
    /// Docker destroyed the container: remove the mirror, no Docker call.
    ContainerGone(String),
    /// Re-inspect an image (by ID or reference), apply its tags, prune.
    Image(String),
    /// Docker deleted the image: remove every mirror with this status.id.
    ImageGone(String),
    Volume(String),
    VolumeGone(String),
    /// A mirror is being deleted in Kubernetes: remove it from Docker, then
    /// strip the finalizer.
    Delete(MirrorKind, String),
    /// A Container's spec.state may need a Docker call.
    ContainerState(String),
    /// Re-create ContainerNamespace `moby` if it is gone.
    ContainerNamespace,
    /// Compare everything (start-up, reconnect, periodic resync).
    FullSync,
}

/// Exponential backoff: `initial · 2^(attempt-1)`, capped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1).min(20)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

/// What [`RetryQueue::push`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// Already waiting (ready or backing off): one entry per object.
    Duplicate,
    /// The queue is full; the caller should fall back to a full sync.
    Full,
}

/// Ready work in arrival order, failed work waiting out its backoff.
#[derive(Debug)]
pub struct RetryQueue {
    ready: VecDeque<Work>,
    delayed: BTreeMap<(Instant, u64), Work>,
    queued: HashSet<Work>,
    attempts: HashMap<Work, u32>,
    capacity: usize,
    backoff: Backoff,
    seq: u64,
}

impl RetryQueue {
    pub fn new(capacity: usize, backoff: Backoff) -> Self {
        RetryQueue {
            ready: VecDeque::new(),
            delayed: BTreeMap::new(),
            queued: HashSet::new(),
            attempts: HashMap::new(),
            capacity,
            backoff,
            seq: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.queued.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }

    /// Queues fresh work. A full sync is always accepted: it is what a full
    /// queue falls back to.
    pub fn push(&mut self, work: Work) -> Pushed {
        if self.queued.contains(&work) {
            return Pushed::Duplicate;
        }
        if self.queued.len() >= self.capacity && work != Work::FullSync {
            return Pushed::Full;
        }
        self.queued.insert(work.clone());
        self.ready.push_back(work);
        Pushed::Queued
    }

    /// Schedules failed work again after its backoff; returns the delay and
    /// the attempt number.
    pub fn retry(&mut self, work: Work, now: Instant) -> (Duration, u32) {
        let attempt = self.attempts.entry(work.clone()).or_insert(0);
        *attempt += 1;
        let attempt = *attempt;
        let delay = self.backoff.delay(attempt);
        if self.queued.insert(work.clone()) {
            self.seq += 1;
            self.delayed.insert((now + delay, self.seq), work);
        }
        (delay, attempt)
    }

    /// Forgets the failure count of work that just succeeded.
    pub fn succeeded(&mut self, work: &Work) {
        self.attempts.remove(work);
    }

    /// Moves backed-off work whose time has come to the end of the ready
    /// line.
    pub fn promote(&mut self, now: Instant) {
        while let Some(entry) = self.delayed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let work = entry.remove();
            self.ready.push_back(work);
        }
    }

    /// The next work that is due at `now`, ready work first in order.
    pub fn pop(&mut self, now: Instant) -> Option<Work> {
        self.promote(now);
        let work = self.ready.pop_front()?;
        self.queued.remove(&work);
        Some(work)
    }

    /// The first due work, in ready order, that `runnable` accepts; work
    /// it refuses keeps its place, so work for one object stays in order
    /// behind the same object's work in flight.
    pub fn pop_where(&mut self, now: Instant, runnable: impl Fn(&Work) -> bool) -> Option<Work> {
        self.promote(now);
        let at = self.ready.iter().position(runnable)?;
        let work = self.ready.remove(at)?;
        self.queued.remove(&work);
        Some(work)
    }

    /// Whether a full sync waits in the ready line (it runs alone, so no
    /// new work starts until it has run).
    pub fn full_sync_ready(&self) -> bool {
        self.ready.contains(&Work::FullSync)
    }

    /// When the earliest backing-off work becomes due, whether or not
    /// ready work waits (it may be blocked behind running work).
    pub fn next_retry(&self) -> Option<Instant> {
        self.delayed.keys().next().map(|(at, _)| *at)
    }

    /// When the earliest backing-off work becomes due.
    pub fn next_due(&self) -> Option<Instant> {
        if !self.ready.is_empty() {
            return None;
        }
        self.delayed.keys().next().map(|(at, _)| *at)
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(2) };

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let delays: Vec<u64> = (1..=7).map(|a| BACKOFF.delay(a).as_millis() as u64).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(BACKOFF.delay(1000), Duration::from_secs(2));
    }

    #[test]
    fn duplicates_are_one_entry() {
        let mut q = RetryQueue::new(10, BACKOFF);
        assert_eq!(q.push(Work::Container("a".into())), Pushed::Queued);
        assert_eq!(q.push(Work::Container("a".into())), Pushed::Duplicate);
        assert_eq!(q.push(Work::ContainerGone("a".into())), Pushed::Queued);
        assert_eq!(q.len(), 2);
        let now = Instant::now();
        assert_eq!(q.pop(now), Some(Work::Container("a".into())));
        // Once taken, the same object can be queued again.
        assert_eq!(q.push(Work::Container("a".into())), Pushed::Queued);
    }

    #[test]
    fn failed_work_waits_out_its_backoff_and_is_not_dropped() {
        let mut q = RetryQueue::new(10, BACKOFF);
        let t0 = Instant::now();
        let work = Work::Image("sha256:x".into());
        q.push(work.clone());
        assert_eq!(q.pop(t0), Some(work.clone()));
        assert_eq!(q.retry(work.clone(), t0), (Duration::from_millis(100), 1));
        assert_eq!(q.pop(t0), None);
        assert_eq!(q.next_due(), Some(t0 + Duration::from_millis(100)));
        // A fresh event for the same object while it backs off is a duplicate.
        assert_eq!(q.push(work.clone()), Pushed::Duplicate);
        // The loop promotes due work before deciding whether to sleep.
        q.promote(t0 + Duration::from_millis(100));
        assert!(q.has_ready());
        assert_eq!(q.next_due(), None);
        assert_eq!(q.pop(t0 + Duration::from_millis(100)), Some(work.clone()));
        assert_eq!(q.retry(work.clone(), t0), (Duration::from_millis(200), 2));
        assert_eq!(q.pop(t0 + Duration::from_millis(199)), None);
        assert_eq!(q.pop(t0 + Duration::from_millis(200)), Some(work.clone()));
        q.succeeded(&work);
        assert_eq!(q.retry(work, t0).1, 1);
    }

    #[test]
    fn pop_where_skips_blocked_work_and_keeps_its_place() {
        let mut q = RetryQueue::new(10, BACKOFF);
        let now = Instant::now();
        q.push(Work::Container("a".into()));
        q.push(Work::Volume("v".into()));
        q.push(Work::ContainerGone("a".into()));
        let not_a = |w: &Work| !matches!(w, Work::Container(id) | Work::ContainerGone(id) if id == "a");
        assert_eq!(q.pop_where(now, not_a), Some(Work::Volume("v".into())));
        assert_eq!(q.pop_where(now, not_a), None);
        assert_eq!(q.len(), 2);
        // Still de-duplicated while waiting behind the blocked object.
        assert_eq!(q.push(Work::Container("a".into())), Pushed::Duplicate);
        assert!(!q.full_sync_ready());
        q.push(Work::FullSync);
        assert!(q.full_sync_ready());
        let order: Vec<Work> = std::iter::from_fn(|| q.pop_where(now, |_| true)).collect();
        assert_eq!(order, [Work::Container("a".into()), Work::ContainerGone("a".into()), Work::FullSync]);
    }

    #[test]
    fn a_full_queue_refuses_all_but_a_full_sync() {
        let mut q = RetryQueue::new(2, BACKOFF);
        q.push(Work::Volume("a".into()));
        q.push(Work::Volume("b".into()));
        assert_eq!(q.push(Work::Volume("c".into())), Pushed::Full);
        assert_eq!(q.push(Work::FullSync), Pushed::Queued);
        assert_eq!(q.push(Work::FullSync), Pushed::Duplicate);
    }

    #[test]
    fn ready_work_keeps_arrival_order_and_due_retries_join_the_end() {
        let mut q = RetryQueue::new(10, BACKOFF);
        let t0 = Instant::now();
        q.retry(Work::Volume("late".into()), t0);
        q.push(Work::Volume("a".into()));
        q.push(Work::Volume("b".into()));
        let later = t0 + Duration::from_secs(1);
        let order: Vec<Work> = std::iter::from_fn(|| q.pop(later)).collect();
        assert_eq!(order, [Work::Volume("a".into()), Work::Volume("b".into()), Work::Volume("late".into())]);
        assert!(q.is_empty());
    }
}
