//! Structural defaulting, as kube's `structuraldefaulting` package does it:
//! `null`s that are neither allowed nor defaulted are dropped from objects,
//! then every missing (or non-nullable `null`) field with a default gets a
//! copy of it, recursively through properties, array items and
//! additionalProperties values.

use serde_json::Value;

use super::compile::{Additional, NodeId};
use super::{Resolved, Schema};

/// The schema of an object's field: its property, else additionalProperties.
pub(super) fn field_schema(schema: &Schema, id: NodeId, name: &str) -> Option<NodeId> {
    let node = schema.resolve(id).node;
    if let Some(child) = node.properties.get(name) {
        return Some(*child);
    }
    match node.additional {
        Additional::Schema(child) => Some(child),
        _ => None,
    }
}

fn is_non_nullable_null(value: &Value, resolved: &Resolved<'_>) -> bool {
    value.is_null() && !resolved.nullable
}

/// kube's `PruneNonNullableNullsWithoutDefaults`.
pub(super) fn prune_non_nullable_nulls(schema: &Schema, id: NodeId, value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|name, v| {
                let Some(child) = field_schema(schema, id, name) else { return true };
                let resolved = schema.resolve(child);
                !(is_non_nullable_null(v, &resolved) && resolved.default.is_none())
            });
            for (name, v) in map.iter_mut() {
                if let Some(child) = field_schema(schema, id, name) {
                    prune_non_nullable_nulls(schema, child, v);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.resolve(id).node.items {
                for v in items {
                    prune_non_nullable_nulls(schema, item, v);
                }
            }
        }
        _ => {}
    }
}

/// kube's `Default`.
pub(super) fn apply(schema: &Schema, id: NodeId, value: &mut Value) {
    let node = schema.resolve(id).node;
    match value {
        Value::Object(map) => {
            for (name, child) in &node.properties {
                let resolved = schema.resolve(*child);
                let Some(default) = resolved.default else { continue };
                let missing = map.get(name).is_none_or(|v| is_non_nullable_null(v, &resolved));
                if missing {
                    map.insert(name.clone(), default.clone());
                }
            }
            for (name, v) in map.iter_mut() {
                if let Some(child) = node.properties.get(name) {
                    apply(schema, *child, v);
                } else if let Additional::Schema(child) = node.additional {
                    let resolved = schema.resolve(child);
                    if is_non_nullable_null(v, &resolved)
                        && let Some(default) = resolved.default
                    {
                        *v = default.clone();
                    }
                    apply(schema, child, v);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.items {
                let resolved = schema.resolve(item);
                for v in items.iter_mut() {
                    if is_non_nullable_null(v, &resolved)
                        && let Some(default) = resolved.default
                    {
                        *v = default.clone();
                    }
                    apply(schema, item, v);
                }
            }
        }
        _ => {}
    }
}
