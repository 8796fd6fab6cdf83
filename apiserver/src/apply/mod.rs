//! Server-side apply and field ownership (SPEC §3.4), as kube-apiserver's
//! field manager and structured-merge-diff do them: every write records
//! which manager owns which fields in `metadata.managedFields`; an apply
//! merges the manager's configuration into the live object, takes the
//! fields it names, drops the fields the manager stopped applying that no
//! one else owns, and fails with a conflict when it would change a field
//! another manager owns (unless forced, which takes the field over).
//!
//! Pure functions over JSON objects; the request handler
//! (`handler::apply`) supplies the schema, the manager and the store.

mod managed;
mod set;
mod types;
mod walk;

use serde_json::Value;

pub use managed::{Entry, Operation};
pub use set::FieldSet;
pub use types::Types;

/// Who writes: the manager name, the apiVersion written, the subresource.
#[derive(Debug, Clone)]
pub struct Writer {
    pub manager: String,
    pub api_version: String,
    pub subresource: Option<String>,
    /// The time recorded for the write (RFC 3339, seconds).
    pub time: String,
}

/// The manager kube records for ownership that predates any apply.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// Why an apply cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// Fields another manager owns would change (409): kube's message and
    /// one `(manager, path)` per conflicting field.
    #[error("{message}")]
    Conflict { message: String, conflicts: Vec<(String, String)> },
}

/// Paths kube never records as owned (its `stripMeta` set).
fn strip(fields: FieldSet) -> FieldSet {
    let mut stripped = FieldSet::new();
    for path in [
        &["f:apiVersion"][..],
        &["f:kind"],
        &["f:metadata"],
        &["f:metadata", "f:name"],
        &["f:metadata", "f:namespace"],
        &["f:metadata", "f:creationTimestamp"],
        &["f:metadata", "f:selfLink"],
        &["f:metadata", "f:uid"],
        &["f:metadata", "f:clusterName"],
        &["f:metadata", "f:generation"],
        &["f:metadata", "f:managedFields"],
        &["f:metadata", "f:resourceVersion"],
    ] {
        stripped.insert(&path.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>());
    }
    fields.difference(&stripped)
}

/// The object without `metadata.managedFields`.
fn without_managed_fields(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(meta) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    copy
}

/// Server-side apply of `config` by `writer` onto `live` (`None` when the
/// object does not exist yet). Returns the new object with its
/// managedFields; it equals `live` when the apply changes nothing.
pub fn apply(
    types: &Types<'_>,
    live: Option<&Value>,
    config: &Value,
    writer: &Writer,
    force: bool,
) -> Result<Value, ApplyError> {
    let live_plain = live.map(without_managed_fields).unwrap_or_else(|| Value::Object(Default::default()));
    // Unreadable stored ownership is reset, as kube does.
    let mut managers = live.map(managed::decode).and_then(Result::ok).unwrap_or_default();
    if managers.is_empty() && live.is_some() {
        let fields = strip(walk::field_set(types, &live_plain));
        if !fields.is_empty() {
            managers.push(Entry {
                manager: BEFORE_FIRST_APPLY.into(),
                operation: Operation::Update,
                api_version: writer.api_version.clone(),
                time: Some(writer.time.clone()),
                subresource: None,
                fields,
            });
        }
    }
    let mut applier = Entry {
        manager: writer.manager.clone(),
        operation: Operation::Apply,
        api_version: writer.api_version.clone(),
        time: Some(writer.time.clone()),
        subresource: writer.subresource.clone(),
        fields: strip(walk::field_set(types, config)),
    };
    let last = managers.iter().position(|m| m.same_manager(&applier)).map(|i| managers.remove(i));

    let mut merged = walk::merge(types, &live_plain, config);
    if let Some(last) = &last {
        let keep = managers.iter().fold(applier.fields.clone(), |all, m| all.union(&m.fields));
        walk::prune(types, &mut merged, &last.fields.difference(&applier.fields), &keep);
    }

    let comparison = walk::compare(types, &live_plain, &merged);
    let changed = comparison.modified.union(&comparison.added);
    let mut conflicts: Vec<(&Entry, FieldSet)> = Vec::new();
    for manager in &managers {
        let taken = manager.fields.intersection(&changed);
        if !taken.is_empty() {
            conflicts.push((manager, taken));
        }
    }
    if !force && !conflicts.is_empty() {
        return Err(conflict_error(&conflicts));
    }
    let taken: Vec<(String, FieldSet)> = conflicts.into_iter().map(|(m, set)| (m.identity(), set)).collect();
    for manager in &mut managers {
        if let Some((_, set)) = taken.iter().find(|(id, _)| *id == manager.identity()) {
            manager.fields = manager.fields.difference(set);
        }
        manager.fields = manager.fields.difference(&comparison.removed);
    }
    if merged == live_plain
        && let Some(last) = &last
    {
        // Nothing changed: the applier keeps its time, so that an
        // unchanged re-apply is no write at all.
        applier.time = last.time.clone();
    }
    managers.push(applier);
    managed::encode(&mut merged, managers);
    Ok(merged)
}

/// kube's conflict message: `Apply failed with 1 conflict: conflict with
/// "m" using v1: .data.a`, or for several, grouped by manager:
/// `Apply failed with 2 conflicts: conflicts with "m":\n- .a\n- .b`.
fn conflict_error(conflicts: &[(&Entry, FieldSet)]) -> ApplyError {
    let mut list: Vec<(String, String, String)> = Vec::new();
    for (manager, fields) in conflicts {
        for path in fields.paths() {
            list.push((manager.identity(), manager.describe(), set::display(&path)));
        }
    }
    let message = if let [(_, who, path)] = list.as_slice() {
        format!("Apply failed with 1 conflict: conflict with {who}: {path}")
    } else {
        let mut by_manager: Vec<&(String, String, String)> = list.iter().collect();
        by_manager.sort_by(|a, b| a.0.cmp(&b.0));
        let mut lines = Vec::new();
        let mut current = None;
        for (id, who, path) in by_manager {
            if current != Some(id) {
                lines.push(format!("conflicts with {who}:"));
                current = Some(id);
            }
            lines.push(format!("- {path}"));
        }
        format!("Apply failed with {} conflicts: {}", list.len(), lines.join("\n"))
    };
    ApplyError::Conflict { message, conflicts: list.into_iter().map(|(_, who, path)| (who, path)).collect() }
}

/// How the managedFields a client sent with a non-apply write are taken.
fn client_managed_fields(old: Option<&Value>, new: &Value) -> Option<Vec<Entry>> {
    let sent = new.pointer("/metadata/managedFields");
    match sent {
        // Not sent (or an empty list, which Go cannot tell apart): keep.
        None | Some(Value::Null) => None,
        Some(Value::Array(entries)) if entries.is_empty() => None,
        // One empty entry is kube's way to strip them all.
        Some(Value::Array(entries)) if entries.len() == 1 && entries[0].as_object().is_some_and(|e| e.is_empty()) => {
            Some(Vec::new())
        }
        Some(sent) if old.and_then(|o| o.pointer("/metadata/managedFields")) == Some(sent) => None,
        // Changed by the client: theirs, when readable.
        Some(_) => managed::decode(new).ok(),
    }
}

/// Records a non-apply write (create, update, patch) by `writer` as kube
/// does: the writer's `Update` entry gains every field the write added or
/// changed and loses removed ones; other managers lose the fields it
/// changed or removed. `old` is `None` for a create. Writes the result
/// into `new`'s managedFields; a write that changes nothing keeps them
/// as they were.
pub fn record_update(types: &Types<'_>, old: Option<&Value>, new: &mut Value, writer: &Writer) {
    let stored = old.map(managed::decode).and_then(Result::ok).unwrap_or_default();
    let mut managers = match client_managed_fields(old, new) {
        Some(entries) if entries.is_empty() => {
            managed::encode(new, Vec::new());
            return;
        }
        Some(entries) => entries,
        None => stored,
    };
    let old_plain = old.map(without_managed_fields).unwrap_or_else(|| Value::Object(Default::default()));
    let new_plain = without_managed_fields(new);
    let comparison = walk::compare(types, &old_plain, &new_plain);
    let mut mine = Entry {
        manager: writer.manager.clone(),
        operation: Operation::Update,
        api_version: writer.api_version.clone(),
        time: Some(writer.time.clone()),
        subresource: writer.subresource.clone(),
        fields: FieldSet::new(),
    };
    let previous = managers.iter().position(|m| m.same_manager(&mine)).map(|i| managers.remove(i));
    let changed = comparison.modified.union(&comparison.added);
    for manager in &mut managers {
        manager.fields = manager.fields.difference(&changed).difference(&comparison.removed);
    }
    let before = previous.as_ref().map(|p| p.fields.clone()).unwrap_or_default();
    mine.fields = strip(before.difference(&comparison.removed).union(&changed));
    if strip(changed).is_empty()
        && strip(comparison.removed).is_empty()
        && let Some(previous) = &previous
    {
        mine.time = previous.time.clone();
    }
    managers.push(mine);
    managed::encode(new, managers);
}

#[cfg(test)]
mod tests;
