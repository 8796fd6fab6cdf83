//! How each part of an object merges and is owned, read from the kind's
//! OpenAPI schema the way structured-merge-diff reads it: lists are atomic
//! unless `x-kubernetes-list-type` says `map` (items identified by
//! `x-kubernetes-list-map-keys`) or `set`; maps are granular unless
//! `x-kubernetes-map-type: atomic`. Built-in kinds also use their struct
//! strategies (a `patchMergeKey` makes an associative list, a merge
//! strategy on scalars a set), and `metadata` is always ObjectMeta
//! (finalizers a set, ownerReferences a list-map by `uid`), also in custom
//! resources whose schema says only `type: object` there.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::patch::{BuiltinPatchMeta, PatchMeta, PatchStrategy};
use crate::registry::ResourceInfo;

/// How a node merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Scalar,
    /// An object merged field by field.
    Object,
    /// Replaced as a whole, owned as one field.
    Atomic,
    /// A list of scalars merged by value.
    Set,
    /// A list of objects merged by these key fields.
    ListMap(Vec<String>),
}

/// The schema of one kind.
pub struct Types<'a> {
    root: &'a Value,
    definitions: &'a BTreeMap<String, Value>,
    /// `(apiVersion, kind)` of a built-in kind: its struct strategies apply.
    builtin: Option<(String, String)>,
}

/// A position in the schema: the node (None when the schema says nothing,
/// e.g. under `x-kubernetes-preserve-unknown-fields`) and the field names
/// leading to it (list items add none), for the struct strategies.
#[derive(Debug, Clone)]
pub struct TypeRef<'a> {
    schema: Option<&'a Value>,
    fields: Vec<String>,
}

impl<'a> Types<'a> {
    pub fn of(info: &'a ResourceInfo) -> Types<'a> {
        let builtin = (!info.is_custom()).then(|| (info.api_version(), info.kind.clone()));
        Types { root: &info.schema, definitions: &info.schema_definitions, builtin }
    }

    #[cfg(test)]
    pub fn custom(root: &'a Value, definitions: &'a BTreeMap<String, Value>) -> Types<'a> {
        Types { root, definitions, builtin: None }
    }

    pub fn root(&self) -> TypeRef<'a> {
        TypeRef { schema: Some(self.resolve(self.root)), fields: Vec::new() }
    }

    /// Follows `$ref` (and schemars' single-`$ref` `allOf`) to the node
    /// that holds the structure; at most a few hops, so a reference cycle
    /// cannot spin.
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let reference = schema.get("$ref").and_then(Value::as_str).or_else(|| match schema.get("allOf") {
                Some(Value::Array(all)) if all.len() == 1 && schema.get("properties").is_none() => {
                    all[0].get("$ref").and_then(Value::as_str)
                }
                _ => None,
            });
            let Some(reference) = reference else { break };
            let name = ["#/components/schemas/", "#/definitions/", "#/$defs/"]
                .iter()
                .find_map(|prefix| reference.strip_prefix(prefix))
                .unwrap_or_default();
            match self.definitions.get(name) {
                Some(next) => schema = next,
                None => break,
            }
        }
        schema
    }

    fn in_metadata(t: &TypeRef<'_>) -> bool {
        t.fields.first().is_some_and(|f| f == "metadata")
    }

    /// The shape of `value` at `t`.
    pub fn shape(&self, t: &TypeRef<'a>, value: &Value) -> Shape {
        match value {
            Value::Object(_) => {
                let atomic =
                    t.schema.and_then(|s| s.get("x-kubernetes-map-type")).and_then(Value::as_str) == Some("atomic");
                if atomic { Shape::Atomic } else { Shape::Object }
            }
            Value::Array(items) => {
                let shape = self.list_shape(t);
                // An associative list needs objects with every key to
                // identify its items; anything else is owned as a whole.
                match &shape {
                    Shape::ListMap(keys)
                        if !items
                            .iter()
                            .all(|i| i.as_object().is_some_and(|o| keys.iter().all(|k| o.contains_key(k)))) =>
                    {
                        Shape::Atomic
                    }
                    Shape::Set if items.iter().any(|i| i.is_object() || i.is_array()) => Shape::Atomic,
                    _ => shape,
                }
            }
            _ => Shape::Scalar,
        }
    }

    fn list_shape(&self, t: &TypeRef<'a>) -> Shape {
        let fields: Vec<&str> = t.fields.iter().map(String::as_str).collect();
        match fields.as_slice() {
            ["metadata", "finalizers"] => return Shape::Set,
            ["metadata", "ownerReferences"] => return Shape::ListMap(vec!["uid".into()]),
            ["metadata", ..] => return Shape::Atomic,
            _ => {}
        }
        if let Some(schema) = t.schema {
            match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("map") => {
                    let keys: Vec<String> = schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|k| k.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default();
                    if !keys.is_empty() {
                        return Shape::ListMap(keys);
                    }
                }
                Some("set") => return Shape::Set,
                Some("atomic") => return Shape::Atomic,
                _ => {}
            }
            if let Some(key) = schema.get("x-kubernetes-patch-merge-key").and_then(Value::as_str) {
                return Shape::ListMap(vec![key.to_owned()]);
            }
        }
        if let Some((api_version, kind)) = &self.builtin {
            // apiextensions/v1 CustomResourceDefinitionStatus.Conditions:
            // `+listType=map +listMapKey=type`.
            if kind == "CustomResourceDefinition" && fields == ["status", "conditions"] {
                return Shape::ListMap(vec!["type".into()]);
            }
            let meta = BuiltinPatchMeta.field(api_version, kind, &fields);
            if meta.strategy == PatchStrategy::Merge {
                return match meta.merge_key {
                    Some(key) => Shape::ListMap(vec![key]),
                    None => Shape::Set,
                };
            }
        }
        Shape::Atomic
    }

    /// The schema of member `name` of an object, and whether it is a
    /// declared field (a struct field) rather than a map entry.
    pub fn field(&self, t: &TypeRef<'a>, name: &str) -> (TypeRef<'a>, bool) {
        let mut fields = t.fields.clone();
        fields.push(name.to_owned());
        if t.fields.is_empty() && name == "metadata" {
            return (TypeRef { schema: None, fields }, true);
        }
        if Self::in_metadata(t) {
            // ObjectMeta: its fields are declared; labels and annotations
            // are maps whose entries are not.
            let declared = t.fields.len() == 1 && crate::schema::OBJECT_META_FIELDS.contains(&name)
                || (t.fields.len() == 2 && t.fields[1] == "ownerReferences");
            return (TypeRef { schema: None, fields }, declared);
        }
        let Some(schema) = t.schema else { return (TypeRef { schema: None, fields }, false) };
        if let Some(property) = schema.get("properties").and_then(|p| p.get(name)) {
            return (TypeRef { schema: Some(self.resolve(property)), fields }, true);
        }
        match schema.get("additionalProperties") {
            Some(additional @ Value::Object(_)) => (TypeRef { schema: Some(self.resolve(additional)), fields }, false),
            _ => (TypeRef { schema: None, fields }, false),
        }
    }

    /// The schema of a list's items.
    pub fn item(&self, t: &TypeRef<'a>) -> TypeRef<'a> {
        let schema = t.schema.and_then(|s| s.get("items")).map(|i| self.resolve(i));
        TypeRef { schema, fields: t.fields.clone() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::registry::Registry;

    #[test]
    fn crd_list_types() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                          "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                "args": {"type": "array", "items": {"type": "string"}},
                "env": {"type": "object", "additionalProperties": {"type": "string"}}
            }}
        }});
        let defs = BTreeMap::new();
        let types = Types::custom(&schema, &defs);
        let (spec, declared) = types.field(&types.root(), "spec");
        assert!(declared);
        let list = json!([{"name": "a"}]);
        assert_eq!(types.shape(&types.field(&spec, "ports").0, &list), Shape::ListMap(vec!["name".into()]));
        assert_eq!(types.shape(&types.field(&spec, "ports").0, &json!([{"x": 1}])), Shape::Atomic);
        assert_eq!(types.shape(&types.field(&spec, "tags").0, &json!(["a"])), Shape::Set);
        assert_eq!(types.shape(&types.field(&spec, "args").0, &json!(["a"])), Shape::Atomic);
        assert!(!types.field(&types.field(&spec, "env").0, "X").1);
        let (meta, _) = types.field(&types.root(), "metadata");
        assert_eq!(types.shape(&types.field(&meta, "finalizers").0, &json!(["a"])), Shape::Set);
        assert!(types.field(&meta, "labels").1);
        assert!(!types.field(&types.field(&meta, "labels").0, "app").1);
    }

    #[test]
    fn builtin_struct_strategies() {
        let registry = Registry::new();
        let snapshot = registry.snapshot();
        let ns = snapshot.lookup("", "v1", "namespaces").unwrap();
        let types = Types::of(ns);
        let (status, _) = types.field(&types.root(), "status");
        let conditions = types.field(&status, "conditions").0;
        assert_eq!(types.shape(&conditions, &json!([{"type": "A"}])), Shape::ListMap(vec!["type".into()]));
        let cm = snapshot.lookup("", "v1", "configmaps").unwrap();
        let types = Types::of(cm);
        let (data, declared) = types.field(&types.root(), "data");
        assert!(declared);
        assert!(!types.field(&data, "a").1);
    }
}
