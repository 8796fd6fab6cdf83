//! Deleting with `propagationPolicy=Foreground` or `Orphan`: the object is
//! marked (deletionTimestamp set, the collector's finalizer added, the
//! other collector finalizer dropped) and stays until the collector has
//! dealt with its dependents and removed the finalizer. Background (the
//! default) needs no mark: the object goes at once and the collector
//! finds its dependents orphaned afterwards.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{FOREGROUND_FINALIZER, ORPHAN_FINALIZER};
use crate::error::ApiError;
use crate::handler::{ControlPlane, object};
use crate::registry::{Behaviour, ResourceInfo};
use crate::storage::{Precondition, StoreError, StoredObject, WriteOp};

/// Attempts before giving up on an object that keeps changing.
const ATTEMPTS: usize = 5;

/// The finalizer a delete's propagation policy puts on the object, if any.
/// Namespaces and CRDs have their own deletion lifecycle (they empty
/// themselves first), so propagation policies do not mark them.
pub fn finalizer_for(info: &ResourceInfo, policy: Option<&str>) -> Option<&'static str> {
    if info.behaviour != Behaviour::Plain {
        return None;
    }
    match policy {
        Some("Foreground") => Some(FOREGROUND_FINALIZER),
        Some("Orphan") => Some(ORPHAN_FINALIZER),
        _ => None,
    }
}

/// Marks `key` for deletion held by `finalizer`; returns the marked object
/// (not stored when `dry_run`).
pub async fn mark(
    plane: &Arc<ControlPlane>,
    info: &ResourceInfo,
    key: &str,
    mut stored: Arc<StoredObject>,
    finalizer: &str,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let name = key.rsplit('/').next().unwrap_or_default().to_owned();
    for _ in 0..ATTEMPTS {
        let mut value: Value = serde_json::from_slice(&stored.json)
            .map_err(|err| ApiError::internal(format!("stored object {key} is not JSON: {err}")))?;
        let mut finalizers: Vec<String> = object::finalizers(&value)
            .into_iter()
            .filter(|f| f != FOREGROUND_FINALIZER && f != ORPHAN_FINALIZER)
            .collect();
        finalizers.push(finalizer.to_owned());
        let unchanged = object::is_terminating(&value) && object::finalizers(&value) == finalizers;
        if unchanged || dry_run {
            if !unchanged {
                apply_mark(&mut value, &finalizers);
            }
            return Ok(value);
        }
        apply_mark(&mut value, &finalizers);
        let op =
            WriteOp::Put { key: key.to_owned(), object: value, precondition: Precondition::Revision(stored.revision) };
        match plane.store().write(op).await {
            Ok(outcome) => {
                tracing::debug!(key, finalizer, "marked for propagated deletion");
                return serde_json::from_slice(&outcome.object.json)
                    .map_err(|err| ApiError::internal(format!("stored object {key} is not JSON: {err}")));
            }
            Err(StoreError::Conflict { current, .. }) => stored = current,
            Err(StoreError::NotFound { .. }) => return Err(ApiError::not_found(&info.group_resource(), &name)),
            Err(err) => return Err(ApiError::internal(format!("marking {key} for deletion: {err}"))),
        }
    }
    Err(ApiError::conflict(
        &info.group_resource(),
        &name,
        "the object kept changing while it was being deleted; try again",
    ))
}

fn apply_mark(value: &mut Value, finalizers: &[String]) {
    object::set_finalizers(value, finalizers);
    if !object::is_terminating(value) {
        let generation = value.pointer("/metadata/generation").and_then(Value::as_i64);
        let meta = object::metadata_mut(value);
        meta.insert("deletionTimestamp".into(), json!(object::now_rfc3339()));
        meta.insert("deletionGracePeriodSeconds".into(), json!(0));
        // Setting deletionTimestamp is a spec-level change to kube for the
        // kinds that track generation.
        if let Some(g) = generation {
            meta.insert("generation".into(), json!(g + 1));
        }
    }
}
