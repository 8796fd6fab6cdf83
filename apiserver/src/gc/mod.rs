//! ownerReferences garbage collection (SPEC §3.4), as kube's garbage
//! collector does it, in-process: a background task watches the store
//! and, after any change that can matter (a delete, an object with
//! ownerReferences, an owner waiting on the `orphan` or
//! `foregroundDeletion` finalizer), runs a pass over the objects that have
//! ownerReferences:
//!
//! - background (the default): a dependent whose owners are all gone (not
//!   found, or found with another uid) is deleted, respecting its
//!   finalizers; dangling references next to live owners are removed;
//! - foreground: an owner deleted with `propagationPolicy=Foreground`
//!   carries the `foregroundDeletion` finalizer; its dependents are deleted
//!   (in the foreground too), and the finalizer goes once no dependent with
//!   `blockOwnerDeletion: true` is left;
//! - orphan: an owner deleted with `propagationPolicy=Orphan` carries the
//!   `orphan` finalizer; its dependents lose their references to it, then
//!   the finalizer goes.
//!
//! Owners are matched by uid; a namespaced dependent's owner is looked up
//! in the dependent's namespace, or cluster-wide when the owner's kind is
//! cluster-scoped; a cluster-scoped dependent naming a namespaced kind, or
//! an owner kind the server does not serve, can never be verified absent
//! and keeps the dependent, as kube does. [`policy`] marks owners when a
//! delete request asks for Foreground or Orphan.

mod pass;
pub mod policy;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};

use crate::handler::ControlPlane;
use crate::storage::{EventKind, StoreError, WatchEvent};

/// kube's finalizer for foreground cascading deletion.
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
/// kube's finalizer for orphaning deletion.
pub const ORPHAN_FINALIZER: &str = "orphan";

/// Coalesces bursts of changes into one pass.
const DEBOUNCE: Duration = Duration::from_millis(50);
/// While owners wait for the collector (or a pass failed), it looks again.
const RECHECK: Duration = Duration::from_millis(500);
/// Backoff cap when the store's watch cannot be opened.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Starts the collector; it stops when `shutdown` turns true.
pub fn spawn(plane: &Arc<ControlPlane>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let plane = plane.clone();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        loop {
            if *shutdown.borrow() {
                return;
            }
            let revision = plane.store().revision();
            let mut events = match plane.store().watch("/", revision) {
                Ok(events) => events,
                Err(StoreError::Closed) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "garbage collector cannot watch the store; retrying");
                    tokio::select! {
                        _ = shutdown.changed() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            backoff = Duration::from_millis(100);
            // Anything may have happened before this watch began: index
            // the store once, then keep the index current from the watch,
            // so that a pass reads the few objects that concern the
            // collector instead of the whole store on every delete.
            let mut candidates = pass::candidates(&plane);
            let mut dirty = true;
            'watching: loop {
                if dirty {
                    tokio::time::sleep(DEBOUNCE).await;
                    // What changed during the debounce belongs to this pass.
                    while let Some(next) = events.next().now_or_never() {
                        match next {
                            Some(Ok(event)) => {
                                observe(&mut candidates, &event);
                            }
                            Some(Err(StoreError::Closed)) | None => return,
                            Some(Err(_)) => break 'watching,
                        }
                    }
                    dirty = if candidates.is_empty() {
                        false
                    } else {
                        match pass::run(&plane, &candidates).await {
                            Ok(pending) => pending,
                            Err(err) => {
                                tracing::warn!(error = %err, "garbage collection pass failed; retrying");
                                true
                            }
                        }
                    };
                }
                let recheck = if dirty { RECHECK } else { Duration::from_secs(3600) };
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(recheck) => {}
                    event = events.next() => match event {
                        Some(Ok(event)) => dirty |= observe(&mut candidates, &event),
                        // Lagged or closed: resubscribe, and pass again.
                        Some(Err(StoreError::Closed)) | None => return,
                        Some(Err(_)) => break,
                    },
                }
            }
        }
    });
}

/// Keeps the set of keys that concern the collector current with one
/// change, and tells whether the change can give the collector work: an
/// object with ownerReferences or a collector finalizer changed (or just
/// lost them), or something went away while some object may name it as
/// its owner.
fn observe(candidates: &mut BTreeSet<String>, event: &WatchEvent) -> bool {
    let concerns = pass::concerns(&event.object.json);
    let deleted = event.kind == EventKind::Deleted;
    let relevant = concerns
        || event.previous.as_ref().is_some_and(|p| pass::concerns(&p.json))
        || (deleted && !candidates.is_empty());
    let key = &event.object.key;
    if concerns && !deleted {
        if !candidates.contains(key) {
            candidates.insert(key.clone());
        }
    } else {
        candidates.remove(key);
    }
    relevant
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{EventKind, StoredObject};

    fn event(kind: EventKind, json: &'static str, previous: Option<&'static str>) -> WatchEvent {
        let stored = |json: &'static str| {
            Arc::new(StoredObject {
                key: "/core/configmaps/default/x".into(),
                revision: 1,
                json: bytes::Bytes::from_static(json.as_bytes()),
                labels: Default::default(),
            })
        };
        WatchEvent { kind, revision: 1, object: stored(json), previous: previous.map(stored) }
    }

    #[test]
    fn only_changes_that_can_matter_wake_the_collector() {
        let none = BTreeSet::new();
        let some: BTreeSet<String> = ["/core/configmaps/default/child".to_owned()].into();
        let relevant = |event: &WatchEvent, candidates: &BTreeSet<String>| observe(&mut candidates.clone(), event);
        assert!(!relevant(&event(EventKind::Deleted, r#"{"metadata":{}}"#, None), &none), "no dependent anywhere");
        assert!(relevant(&event(EventKind::Deleted, r#"{"metadata":{}}"#, None), &some));
        assert!(relevant(&event(EventKind::Added, r#"{"metadata":{"ownerReferences":[]}}"#, None), &none));
        assert!(relevant(
            &event(
                EventKind::Modified,
                r#"{"metadata":{}}"#,
                Some(r#"{"metadata":{"ownerReferences":[{"uid":"u"}]}}"#)
            ),
            &none
        ));
        assert!(relevant(
            &event(EventKind::Modified, r#"{"metadata":{"finalizers":["foregroundDeletion"]}}"#, None),
            &none
        ));
        assert!(!relevant(&event(EventKind::Modified, r#"{"metadata":{"labels":{"a":"b"}}}"#, None), &some));
    }

    #[test]
    fn the_index_follows_references_and_finalizers() {
        let mut candidates = BTreeSet::new();
        let index = |candidates: &mut BTreeSet<String>, event: &WatchEvent| {
            observe(candidates, event);
        };
        index(&mut candidates, &event(EventKind::Added, r#"{"metadata":{"labels":{}}}"#, None));
        assert!(candidates.is_empty());
        index(&mut candidates, &event(EventKind::Added, r#"{"metadata":{"ownerReferences":[{"uid":"u"}]}}"#, None));
        assert_eq!(candidates.len(), 1);
        index(&mut candidates, &event(EventKind::Modified, r#"{"metadata":{"finalizers":["orphan"]}}"#, None));
        assert_eq!(candidates.len(), 1, "still a candidate: it waits on the collector");
        index(&mut candidates, &event(EventKind::Modified, r#"{"metadata":{}}"#, None));
        assert!(candidates.is_empty(), "references dropped");
        index(&mut candidates, &event(EventKind::Added, r#"{"metadata":{"ownerReferences":[{"uid":"u"}]}}"#, None));
        index(&mut candidates, &event(EventKind::Deleted, r#"{"metadata":{"ownerReferences":[{"uid":"u"}]}}"#, None));
        assert!(candidates.is_empty(), "gone");
    }
}
