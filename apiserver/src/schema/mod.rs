//! Structural OpenAPI v3 schemas as kube-apiserver applies them to
//! objects (SPEC §3.4): a CRD version's `openAPIV3Schema`, or a built-in
//! kind's schema with its `#/components/schemas/` definitions, compiled
//! once into a [`Schema`] that then defaults ([`Schema::apply_defaults`]),
//! prunes ([`Schema::prune`]) and validates ([`Schema::validate`]) JSON
//! objects with kube's semantics, field paths and messages.
//!
//! `x-kubernetes-validations` (CEL) rules are not evaluated here; the keys
//! are accepted and ignored.

mod compile;
mod defaults;
mod formats;
mod listtype;
mod prune;
pub mod structural;
mod subset;
mod validate;

use std::collections::BTreeMap;

use serde_json::Value;

pub use compile::SchemaError;
use compile::{Compiler, Node, NodeId};

use crate::validation::FieldError;

/// A compiled schema: an arena of nodes (so recursive `$ref`s work) and the
/// root.
#[derive(Debug, Clone)]
pub struct Schema {
    nodes: Vec<Node>,
    root: NodeId,
}

impl Schema {
    /// Compiles a CRD version's `openAPIV3Schema`.
    pub fn compile(schema: &Value) -> Result<Schema, SchemaError> {
        Self::compile_with_definitions(schema, &BTreeMap::new())
    }

    /// Compiles a schema whose `$ref`s point into `definitions`
    /// (`#/components/schemas/<name>` or `#/definitions/<name>`), as
    /// schemars generates for built-in kinds.
    pub fn compile_with_definitions(
        schema: &Value,
        definitions: &BTreeMap<String, Value>,
    ) -> Result<Schema, SchemaError> {
        let mut compiler = Compiler::new(definitions);
        let root = compiler.compile(schema, "")?;
        Ok(Schema { nodes: compiler.into_nodes(), root })
    }

    /// Sets defaults of missing fields, recursively (object properties,
    /// array items, additionalProperties values), as kube's structural
    /// defaulting does. First drops `null` object fields whose schema is
    /// neither nullable nor defaulted; `null`s that have a default get it.
    pub fn apply_defaults(&self, object: &mut Value) {
        defaults::prune_non_nullable_nulls(self, self.root, object);
        defaults::apply(self, self.root, object);
    }

    /// Removes fields the schema does not specify and returns their paths
    /// (`spec.foo`, `spec.ports[0].bar`, sorted), for `fieldValidation`
    /// Strict (`strict decoding error: unknown field "spec.foo"`) and Warn
    /// (`unknown field "spec.foo"`). At the root `apiVersion`, `kind` and
    /// `metadata` stay, and `metadata` keeps only ObjectMeta's fields;
    /// `x-kubernetes-preserve-unknown-fields` and `x-kubernetes-embedded-resource`
    /// are honoured.
    pub fn prune(&self, object: &mut Value) -> Vec<String> {
        prune::prune_root(self, object)
    }

    /// Validates an object against the schema: kube-openapi's checks
    /// (type, required, enum, pattern, format, bounds, lengths, sizes,
    /// uniqueItems, nullable, allOf/anyOf/oneOf/not), then embedded resource
    /// metadata, then `x-kubernetes-list-type` set and map uniqueness.
    pub fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errs = Vec::new();
        validate::validate(self, self.root, object, "", &mut errs);
        listtype::validate_embedded(self, self.root, object, "", true, &mut errs);
        listtype::validate_lists(self, self.root, object, "", &mut errs);
        errs
    }

    /// Follows `$ref` nodes to the node that holds the structure; the
    /// referring nodes may add `nullable` and a `default`.
    fn resolve(&self, id: NodeId) -> Resolved<'_> {
        let mut nullable = false;
        let mut default = None;
        let mut current = id;
        // A chain of references is finite: the compiler only creates a
        // reference node to a definition, and definitions resolve to
        // structure nodes (cycles go through properties/items, not refs).
        for _ in 0..64 {
            let node = &self.nodes[current];
            nullable |= node.nullable;
            if default.is_none() {
                default = node.default.as_ref();
            }
            match node.reference {
                Some(next) => current = next,
                None => break,
            }
        }
        Resolved { node: &self.nodes[current], nullable, default }
    }
}

/// A node with the `nullable` and `default` of the references leading to it.
struct Resolved<'a> {
    node: &'a Node,
    nullable: bool,
    default: Option<&'a Value>,
}

/// The JSON type name kube-openapi infers for a decoded value (`integer`
/// for integral numbers, as kube's JSON decoding yields int64 for them).
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
    }
}

/// ObjectMeta's fields: what `metadata` keeps when pruned.
pub const OBJECT_META_FIELDS: [&str; 15] = [
    "annotations",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "finalizers",
    "generateName",
    "generation",
    "labels",
    "managedFields",
    "name",
    "namespace",
    "ownerReferences",
    "resourceVersion",
    "selfLink",
    "uid",
];

#[cfg(test)]
mod tests;
