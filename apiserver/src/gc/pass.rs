//! One garbage collection pass: classifies every ownerReference of every
//! dependent by its owner's state, deletes dependents without live owners,
//! removes references that must go, and releases owners waiting on the
//! `foregroundDeletion` or `orphan` finalizer once their dependents allow.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use super::{FOREGROUND_FINALIZER, ORPHAN_FINALIZER, policy};
use crate::error::ApiError;
use crate::handler::{ControlPlane, delete_object, object};
use crate::registry::{RegistrySnapshot, ResourceInfo};
use crate::storage::{Precondition, StoreError, StoredObject, WriteOp};

/// A stored object the pass looks at.
struct Item {
    info: Arc<ResourceInfo>,
    stored: Arc<StoredObject>,
    value: Value,
}

impl Item {
    fn owner_references(&self) -> Vec<Value> {
        self.value.pointer("/metadata/ownerReferences").and_then(Value::as_array).cloned().unwrap_or_default()
    }
}

/// What an ownerReference points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// Not found, or found with another uid.
    Absent,
    /// Present and not going away on the collector's account.
    Solid,
    /// Being deleted in the foreground: waits for its dependents.
    Waiting,
    /// Being deleted with orphaning: its dependents keep living.
    Orphaning,
    /// Cannot be looked up (kind not served, cluster-scoped dependent of a
    /// namespaced kind): never counted as absent.
    Unverifiable,
}

/// Whether a stored object can concern the collector: it has
/// ownerReferences or carries one of the collector's finalizers (a cheap
/// byte search; the pass parses what it finds).
pub(super) fn concerns(json: &[u8]) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(json, needle).is_some();
    has(b"\"ownerReferences\"") || has(b"\"foregroundDeletion\"") || has(b"\"orphan\"")
}

/// The keys of every stored object of a served resource that concerns the
/// collector: the index the collector then keeps current from its watch.
pub(super) fn candidates(plane: &ControlPlane) -> BTreeSet<String> {
    let snapshot = plane.registry().snapshot();
    let mut prefixes = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for info in snapshot.resources() {
        if prefixes.insert(info.storage_prefix.clone()) {
            let items = plane.store().list(&info.storage_prefix, None, None).items;
            keys.extend(items.iter().filter(|stored| concerns(&stored.json)).map(|stored| stored.key.clone()));
        }
    }
    keys
}

/// Runs one pass over `candidates` (keys from [`candidates`], kept current);
/// true while work remains (owners still waiting, writes that lost a race).
pub(super) async fn run(plane: &Arc<ControlPlane>, candidates: &BTreeSet<String>) -> Result<bool, ApiError> {
    let snapshot = plane.registry().snapshot();
    let (dependents, owners) = scan(plane, &snapshot, candidates)?;
    let mut pending = false;
    let mut orphaning_blocked: BTreeSet<String> = BTreeSet::new();
    for dependent in &dependents {
        let references = dependent.owner_references();
        let states: Vec<Owner> = references.iter().map(|r| owner_state(plane, &snapshot, dependent, r)).collect();
        let solid = states.iter().any(|s| matches!(s, Owner::Solid | Owner::Unverifiable));
        let waiting = states.contains(&Owner::Waiting);
        // References to orphaning owners always go; dangling and waiting
        // ones go when a live owner keeps the dependent.
        let drop: Vec<bool> = states
            .iter()
            .map(|s| *s == Owner::Orphaning || (solid && matches!(s, Owner::Absent | Owner::Waiting)))
            .collect();
        let result = if !solid && !states.contains(&Owner::Orphaning) && (waiting || !states.is_empty()) {
            if object::is_terminating(&dependent.value) {
                Ok(())
            } else if waiting {
                policy::mark(
                    plane,
                    &dependent.info,
                    &dependent.stored.key,
                    dependent.stored.clone(),
                    FOREGROUND_FINALIZER,
                    false,
                )
                .await
                .map(|_| ())
            } else {
                tracing::debug!(key = %dependent.stored.key, "deleting a dependent whose owners are gone");
                delete_object(plane, &dependent.info, &dependent.stored.key, dependent.stored.clone(), false)
                    .await
                    .map(|_| ())
            }
        } else if drop.contains(&true) {
            let keep: Vec<Value> = references.iter().zip(&drop).filter(|(_, d)| !**d).map(|(r, _)| r.clone()).collect();
            set_owner_references(plane, dependent, keep).await
        } else {
            Ok(())
        };
        match result {
            Ok(()) => {}
            Err(err) if err.code == 404 => {}
            Err(err) => {
                tracing::debug!(key = %dependent.stored.key, error = %err.message, "garbage collection write failed; will retry");
                pending = true;
                for (r, s) in references.iter().zip(&states) {
                    if *s == Owner::Orphaning {
                        orphaning_blocked.insert(uid_of(r).to_owned());
                    }
                }
            }
        }
    }
    for owner in &owners {
        let uid = object::uid(&owner.value).to_owned();
        let finalizers = object::finalizers(&owner.value);
        if finalizers.iter().any(|f| f == ORPHAN_FINALIZER) {
            if orphaning_blocked.contains(&uid) {
                continue;
            }
            pending |= remove_finalizer(plane, owner, ORPHAN_FINALIZER).await?;
        } else if finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) {
            if blocked(plane, &dependents, &uid) {
                pending = true;
                continue;
            }
            pending |= remove_finalizer(plane, owner, FOREGROUND_FINALIZER).await?;
        }
    }
    Ok(pending)
}

/// The objects with ownerReferences, and the terminating owners holding a
/// collector finalizer.
fn scan(
    plane: &ControlPlane,
    snapshot: &RegistrySnapshot,
    candidates: &BTreeSet<String>,
) -> Result<(Vec<Item>, Vec<Item>), ApiError> {
    let mut dependents = Vec::new();
    let mut owners = Vec::new();
    for key in candidates {
        // Gone since it was indexed, or of a resource no longer served.
        let Some(stored) = plane.store().get(key) else { continue };
        let Some(info) = snapshot.resources().iter().find(|info| key.starts_with(info.storage_prefix.as_str())) else {
            continue;
        };
        if !concerns(&stored.json) {
            continue;
        }
        let value: Value = serde_json::from_slice(&stored.json)
            .map_err(|err| ApiError::internal(format!("stored object {} is not JSON: {err}", stored.key)))?;
        let item = Item { info: info.clone(), stored, value };
        let waits = object::is_terminating(&item.value)
            && object::finalizers(&item.value).iter().any(|f| f == FOREGROUND_FINALIZER || f == ORPHAN_FINALIZER);
        let has_references = !item.owner_references().is_empty();
        match (has_references, waits) {
            (true, true) => {
                owners.push(Item { info: item.info.clone(), stored: item.stored.clone(), value: item.value.clone() });
                dependents.push(item);
            }
            (true, false) => dependents.push(item),
            (false, true) => owners.push(item),
            (false, false) => {}
        }
    }
    Ok((dependents, owners))
}

fn uid_of(reference: &Value) -> &str {
    reference.get("uid").and_then(Value::as_str).unwrap_or_default()
}

/// The state of the owner one reference of `dependent` names.
fn owner_state(plane: &ControlPlane, snapshot: &RegistrySnapshot, dependent: &Item, reference: &Value) -> Owner {
    let api_version = reference.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let kind = reference.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = reference.get("name").and_then(Value::as_str).unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let Some(info) = snapshot.resources().iter().find(|r| r.group == group && r.kind == kind) else {
        return Owner::Unverifiable;
    };
    let key = if info.namespaced {
        if !dependent.info.namespaced {
            return Owner::Unverifiable;
        }
        info.key(Some(object::namespace(&dependent.value)), name)
    } else {
        info.key(None, name)
    };
    let Some(stored) = plane.store().get(&key) else { return Owner::Absent };
    let Ok(owner) = serde_json::from_slice::<Value>(&stored.json) else { return Owner::Unverifiable };
    if object::uid(&owner) != uid_of(reference) {
        return Owner::Absent;
    }
    if object::is_terminating(&owner) {
        let finalizers = object::finalizers(&owner);
        if finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) {
            return Owner::Waiting;
        }
        if finalizers.iter().any(|f| f == ORPHAN_FINALIZER) {
            return Owner::Orphaning;
        }
    }
    Owner::Solid
}

/// Whether a dependent with `blockOwnerDeletion: true` towards `uid` still
/// exists (as stored now, not as scanned).
fn blocked(plane: &ControlPlane, dependents: &[Item], uid: &str) -> bool {
    dependents.iter().any(|d| {
        let Some(current) = plane.store().get(&d.stored.key) else { return false };
        let Ok(value) = serde_json::from_slice::<Value>(&current.json) else { return true };
        value.pointer("/metadata/ownerReferences").and_then(Value::as_array).is_some_and(|refs| {
            refs.iter().any(|r| uid_of(r) == uid && r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true))
        })
    })
}

async fn set_owner_references(plane: &ControlPlane, dependent: &Item, keep: Vec<Value>) -> Result<(), ApiError> {
    let mut value = dependent.value.clone();
    let meta = object::metadata_mut(&mut value);
    if keep.is_empty() {
        meta.remove("ownerReferences");
    } else {
        meta.insert("ownerReferences".into(), Value::Array(keep));
    }
    let key = dependent.stored.key.clone();
    let op = WriteOp::Put {
        key: key.clone(),
        object: value,
        precondition: Precondition::Revision(dependent.stored.revision),
    };
    write(plane, op, &key).await
}

/// Removes a collector finalizer from a waiting owner, deleting it when
/// no finalizer is left; true when it lost a race and needs another pass.
async fn remove_finalizer(plane: &Arc<ControlPlane>, owner: &Item, finalizer: &str) -> Result<bool, ApiError> {
    let key = owner.stored.key.clone();
    let mut value = owner.value.clone();
    let rest: Vec<String> = object::finalizers(&value).into_iter().filter(|f| f != finalizer).collect();
    object::set_finalizers(&mut value, &rest);
    let precondition = Precondition::Revision(owner.stored.revision);
    let op = if rest.is_empty() {
        WriteOp::Delete { key: key.clone(), object: value, precondition }
    } else {
        WriteOp::Put { key: key.clone(), object: value, precondition }
    };
    tracing::debug!(%key, finalizer, "releasing an owner");
    match write(plane, op, &key).await {
        Ok(()) => Ok(false),
        Err(err) if err.code == 409 => Ok(true),
        Err(err) if err.code == 404 => Ok(false),
        Err(err) => Err(err),
    }
}

async fn write(plane: &ControlPlane, op: WriteOp, key: &str) -> Result<(), ApiError> {
    match plane.store().write(op).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict { .. }) => {
            let mut err = ApiError::internal(format!("{key} changed during garbage collection"));
            err.code = 409;
            Err(err)
        }
        Err(StoreError::NotFound { .. }) => {
            let mut err = ApiError::internal(format!("{key} is gone"));
            err.code = 404;
            Err(err)
        }
        Err(err) => Err(ApiError::internal(format!("garbage collection writing {key}: {err}"))),
    }
}
