//! Pruning of unknown fields, as kube's structural `pruning` package does it
//! (and reports them for `fieldValidation`): fields the schema does not
//! specify are removed, except under `x-kubernetes-preserve-unknown-fields`;
//! the root and `x-kubernetes-embedded-resource` objects keep `apiVersion`,
//! `kind` and `metadata`, and their `metadata` keeps ObjectMeta's fields.

use serde_json::Value;

use super::compile::{Additional, NodeId};
use super::{OBJECT_META_FIELDS, Schema};
use crate::validation::field::{child, index};

const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

struct Pruner<'a> {
    schema: &'a Schema,
    removed: Vec<String>,
}

pub(super) fn prune_root(schema: &Schema, object: &mut Value) -> Vec<String> {
    let mut pruner = Pruner { schema, removed: Vec::new() };
    pruner.object(Some(schema.root), object, "", true);
    pruner.removed.sort();
    pruner.removed
}

impl Pruner<'_> {
    /// Prunes `value` against `id` (`None`: nothing is specified, so every
    /// field goes). `resource` is true at the root and for embedded
    /// resources.
    fn object(&mut self, id: Option<NodeId>, value: &mut Value, path: &str, resource: bool) {
        let node = id.map(|id| self.schema.resolve(id).node);
        let resource = resource || node.is_some_and(|n| n.embedded);
        if node.is_some_and(|n| n.preserve_unknown) {
            self.preserved(id, value, path, resource);
            return;
        }
        match value {
            Value::Object(map) => {
                let names: Vec<String> = map.keys().cloned().collect();
                for name in names {
                    let field_path = child(path, &name);
                    if resource && META_FIELDS.contains(&name.as_str()) {
                        if name == "metadata"
                            && let Some(meta) = map.get_mut("metadata")
                        {
                            self.metadata(id, meta, &field_path);
                        }
                        continue;
                    }
                    let Some(node) = node else {
                        map.remove(&name);
                        self.removed.push(field_path);
                        continue;
                    };
                    let Some(v) = map.get_mut(&name) else { continue };
                    if let Some(prop) = node.properties.get(&name) {
                        self.object(Some(*prop), v, &field_path, false);
                    } else {
                        match node.additional {
                            Additional::Schema(additional) => self.object(Some(additional), v, &field_path, false),
                            // Free-form values: nothing to prune against.
                            Additional::Allowed(true) => {}
                            Additional::Allowed(false) | Additional::Unspecified => {
                                map.remove(&name);
                                self.removed.push(field_path);
                            }
                        }
                    }
                }
            }
            Value::Array(items) => {
                let item = node.and_then(|n| n.items);
                for (i, v) in items.iter_mut().enumerate() {
                    self.object(item, v, &index(path, i), false);
                }
            }
            _ => {}
        }
    }

    /// kube's `skipPrune`: unknown fields stay, known ones are pruned.
    fn preserved(&mut self, id: Option<NodeId>, value: &mut Value, path: &str, resource: bool) {
        let Some(node) = id.map(|id| self.schema.resolve(id).node) else { return };
        match value {
            Value::Object(map) => {
                for (name, v) in map.iter_mut() {
                    let field_path = child(path, name);
                    if resource && META_FIELDS.contains(&name.as_str()) {
                        if name == "metadata" {
                            self.metadata(id, v, &field_path);
                        }
                        continue;
                    }
                    if let Some(prop) = node.properties.get(name) {
                        self.object(Some(*prop), v, &field_path, false);
                    } else if let Additional::Schema(additional) = node.additional {
                        self.object(Some(additional), v, &field_path, false);
                    }
                }
            }
            Value::Array(items) => {
                let item = node.items;
                for (i, v) in items.iter_mut().enumerate() {
                    self.preserved(item, v, &index(path, i), false);
                }
            }
            _ => {}
        }
    }

    /// `metadata` of a resource: pruned against the schema when it spells
    /// out ObjectMeta (built-in kinds), else to ObjectMeta's field names
    /// (custom resources, whose schemas may only restrict name and
    /// generateName).
    fn metadata(&mut self, resource: Option<NodeId>, meta: &mut Value, path: &str) {
        let meta_schema = resource.and_then(|id| self.schema.resolve(id).node.properties.get("metadata").copied());
        let full = meta_schema.is_some_and(|id| self.schema.resolve(id).node.properties.len() > 2);
        if full {
            self.object(meta_schema, meta, path, false);
            return;
        }
        if let Value::Object(map) = meta {
            let unknown: Vec<String> =
                map.keys().filter(|k| !OBJECT_META_FIELDS.contains(&k.as_str())).cloned().collect();
            for name in unknown {
                map.remove(&name);
                self.removed.push(child(path, &name));
            }
        }
    }
}

/// Prunes a value that is not a resource root (a schema default), unless
/// its schema is an embedded resource.
pub(super) fn prune_value(schema: &Schema, value: &mut Value) -> Vec<String> {
    let mut pruner = Pruner { schema, removed: Vec::new() };
    pruner.object(Some(schema.root), value, "", false);
    pruner.removed
}
