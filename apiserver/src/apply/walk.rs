//! The tree walks of server-side apply over JSON objects, with
//! structured-merge-diff's semantics: the field set an object (or an
//! applied configuration) specifies, the comparison of two objects
//! (added, modified, removed paths), the merge of an applied
//! configuration into the live object, and the pruning of fields a
//! manager stopped applying.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::set::{self, Element, FieldSet, Path};
use super::types::{Shape, TypeRef, Types};

/// The element naming a list item of a set or list-map.
fn item_element(shape: &Shape, item: &Value) -> Option<Element> {
    match shape {
        Shape::Set => Some(set::value(item)),
        Shape::ListMap(keys) => {
            let object = item.as_object()?;
            let fields: BTreeMap<String, Value> =
                keys.iter().filter_map(|k| object.get(k).map(|v| (k.clone(), v.clone()))).collect();
            Some(set::key(&fields))
        }
        _ => None,
    }
}

fn is_empty_container(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// The fields `value` specifies (kube's `ToFieldSet`): every leaf, plus
/// list items, map entries that are not declared struct fields, and
/// empty or null values.
pub fn field_set(types: &Types<'_>, value: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    to_set(types, &types.root(), value, &mut Vec::new(), &mut out);
    out
}

fn to_set<'a>(types: &Types<'a>, t: &TypeRef<'a>, value: &Value, path: &mut Path, out: &mut FieldSet) {
    let shape = types.shape(t, value);
    match (&shape, value) {
        (Shape::Object, Value::Object(map)) => {
            for (name, child) in map {
                let (child_type, declared) = types.field(t, name);
                path.push(set::field(name));
                to_set(types, &child_type, child, path, out);
                if !declared || child.is_null() || child.as_object().is_some_and(Map::is_empty) {
                    out.insert(path);
                }
                path.pop();
            }
        }
        (Shape::Set | Shape::ListMap(_), Value::Array(items)) => {
            let item_type = types.item(t);
            for item in items {
                let Some(element) = item_element(&shape, item) else { continue };
                path.push(element);
                if matches!(shape, Shape::ListMap(_)) {
                    to_set(types, &item_type, item, path, out);
                }
                out.insert(path);
                path.pop();
            }
        }
        _ => out.insert(path),
    }
}

/// What changed between two versions of an object.
#[derive(Debug, Default)]
pub struct Comparison {
    pub added: FieldSet,
    pub modified: FieldSet,
    pub removed: FieldSet,
}

/// Compares `old` with `new` (kube's `TypedValue.Compare`): leaves that
/// appeared, changed or disappeared, and containers that appeared or
/// disappeared.
pub fn compare(types: &Types<'_>, old: &Value, new: &Value) -> Comparison {
    let mut out = Comparison::default();
    compare_at(types, &types.root(), Some(old), Some(new), &mut Vec::new(), &mut out);
    out
}

fn compare_at<'a>(
    types: &Types<'a>,
    t: &TypeRef<'a>,
    old: Option<&Value>,
    new: Option<&Value>,
    path: &mut Path,
    out: &mut Comparison,
) {
    let old_shape = old.map(|v| types.shape(t, v));
    let new_shape = new.map(|v| types.shape(t, v));
    let shape = new_shape.clone().or(old_shape.clone()).unwrap_or(Shape::Scalar);
    let leaf = matches!(shape, Shape::Scalar | Shape::Atomic)
        || (old_shape.is_some() && new_shape.is_some() && old_shape != new_shape)
        || (old.is_none_or(is_empty_container) && new.is_none_or(is_empty_container));
    if leaf {
        match (old, new) {
            (None, Some(_)) => out.added.insert(path),
            (Some(_), None) => out.removed.insert(path),
            (Some(a), Some(b)) if a != b => out.modified.insert(path),
            _ => {}
        }
        return;
    }
    match shape {
        Shape::Object => {
            let empty = Map::new();
            let old_map = old.and_then(Value::as_object).unwrap_or(&empty);
            let new_map = new.and_then(Value::as_object).unwrap_or(&empty);
            let mut names: Vec<&String> = old_map.keys().chain(new_map.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let (child_type, _) = types.field(t, name);
                path.push(set::field(name));
                compare_at(types, &child_type, old_map.get(name), new_map.get(name), path, out);
                path.pop();
            }
        }
        Shape::Set | Shape::ListMap(_) => {
            let item_type = types.item(t);
            let index = |list: Option<&Value>| -> BTreeMap<Element, Value> {
                let mut items = BTreeMap::new();
                for item in list.and_then(Value::as_array).into_iter().flatten() {
                    if let Some(element) = item_element(&shape, item) {
                        items.entry(element).or_insert_with(|| item.clone());
                    }
                }
                items
            };
            let old_items = index(old);
            let new_items = index(new);
            let mut elements: Vec<&Element> = old_items.keys().chain(new_items.keys()).collect();
            elements.sort();
            elements.dedup();
            for element in elements {
                path.push(element.clone());
                if matches!(shape, Shape::Set) {
                    match (old_items.contains_key(element), new_items.contains_key(element)) {
                        (false, true) => out.added.insert(path),
                        (true, false) => out.removed.insert(path),
                        _ => {}
                    }
                } else {
                    compare_at(types, &item_type, old_items.get(element), new_items.get(element), path, out);
                }
                path.pop();
            }
        }
        Shape::Scalar | Shape::Atomic => {}
    }
    match (old, new) {
        (None, Some(_)) => out.added.insert(path),
        (Some(_), None) => out.removed.insert(path),
        _ => {}
    }
}

/// Merges an applied configuration into the live object (kube's
/// `TypedValue.Merge`): objects field by field, list-maps item by key
/// (matching items merged in place, new ones appended), sets by value;
/// scalars and atomic values are replaced. A `null` in the configuration
/// removes the field.
pub fn merge(types: &Types<'_>, live: &Value, config: &Value) -> Value {
    merge_at(types, &types.root(), live, config)
}

fn merge_at<'a>(types: &Types<'a>, t: &TypeRef<'a>, live: &Value, config: &Value) -> Value {
    let shape = types.shape(t, config);
    if types.shape(t, live) != shape {
        return config.clone();
    }
    match (&shape, live, config) {
        (Shape::Object, Value::Object(live_map), Value::Object(config_map)) => {
            let mut out = live_map.clone();
            for (name, value) in config_map {
                if value.is_null() {
                    out.remove(name);
                    continue;
                }
                let merged = match live_map.get(name) {
                    Some(current) => merge_at(types, &types.field(t, name).0, current, value),
                    None => value.clone(),
                };
                out.insert(name.clone(), merged);
            }
            Value::Object(out)
        }
        (Shape::Set | Shape::ListMap(_), Value::Array(live_items), Value::Array(config_items)) => {
            let item_type = types.item(t);
            let mut out = live_items.clone();
            for item in config_items {
                let element = item_element(&shape, item);
                let position = out.iter().position(|current| item_element(&shape, current) == element);
                match position {
                    Some(i) if matches!(shape, Shape::ListMap(_)) => {
                        out[i] = merge_at(types, &item_type, &out[i], item)
                    }
                    Some(_) => {}
                    None => out.push(item.clone()),
                }
            }
            Value::Array(out)
        }
        _ => config.clone(),
    }
}

/// Removes from `value` the fields in `remove` unless someone still owns
/// them (`keep`, the union of every manager's fields): a field kept as a
/// member stays whole, a field with kept children loses only the rest, and
/// key fields of surviving list-map items always stay. Containers emptied
/// this way go too.
pub fn prune(types: &Types<'_>, value: &mut Value, remove: &FieldSet, keep: &FieldSet) {
    prune_at(types, &types.root(), value, remove, Some(keep), &[]);
}

fn prune_at<'a>(
    types: &Types<'a>,
    t: &TypeRef<'a>,
    value: &mut Value,
    remove: &FieldSet,
    keep: Option<&FieldSet>,
    protected: &[String],
) {
    let kept_whole = |element: &str| keep.is_some_and(|k| k.has_member(element));
    let kept_partly = |element: &str| keep.and_then(|k| k.child(element)).is_some();
    let shape = types.shape(t, value);
    match value {
        Value::Object(map) if shape == Shape::Object => {
            // A field another manager owns as a member stays whole when it
            // is a member of the object itself (a leaf, an empty or atomic
            // value, a map entry); a struct field only through its children.
            let whole = |name: &str, child: &Value| {
                let (child_type, declared) = types.field(t, name);
                !declared
                    || is_empty_container(child)
                    || matches!(types.shape(&child_type, child), Shape::Scalar | Shape::Atomic)
            };
            for element in remove.members() {
                let Some(name) = element.strip_prefix("f:") else { continue };
                let Some(child) = map.get(name) else { continue };
                let kept = (kept_whole(element) && whole(name, child)) || kept_partly(element);
                if !protected.iter().any(|p| p == name) && !kept {
                    map.remove(name);
                }
            }
            for (element, below) in remove.children() {
                let Some(name) = element.strip_prefix("f:") else { continue };
                if kept_whole(element) && map.get(name).is_some_and(|child| whole(name, child)) {
                    continue;
                }
                let Some(child) = map.get_mut(name) else { continue };
                let before_empty = is_empty_container(child);
                let child_type = types.field(t, name).0;
                prune_at(types, &child_type, child, below, keep.and_then(|k| k.child(element)), &[]);
                if !before_empty && is_empty_container(child) && !protected.iter().any(|p| p == name) {
                    map.remove(name);
                }
            }
        }
        Value::Array(items) if matches!(shape, Shape::Set | Shape::ListMap(_)) => {
            let item_type = types.item(t);
            let keys: Vec<String> = match &shape {
                Shape::ListMap(keys) => keys.clone(),
                _ => Vec::new(),
            };
            items.retain(|item| {
                item_element(&shape, item)
                    .is_none_or(|element| !remove.has_member(&element) || kept_whole(&element) || kept_partly(&element))
            });
            for item in items.iter_mut() {
                let Some(element) = item_element(&shape, item) else { continue };
                if kept_whole(&element) {
                    continue;
                }
                if let Some(below) = remove.child(&element) {
                    prune_at(types, &item_type, item, below, keep.and_then(|k| k.child(&element)), &keys);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "data": {"type": "object", "additionalProperties": {"type": "string"}},
            "spec": {"type": "object", "properties": {
                "args": {"type": "array", "items": {"type": "string"}},
                "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                "replicas": {"type": "integer"}
            }},
            "status": {"type": "object", "properties": {
                "conditions": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
                    "items": {"type": "object", "properties": {
                        "type": {"type": "string"}, "status": {"type": "string"}, "reason": {"type": "string"}}}}
            }}
        }})
    }

    #[test]
    fn field_sets_follow_the_schema() {
        let schema = schema();
        let defs = BTreeMap::new();
        let types = Types::custom(&schema, &defs);
        let value = json!({
            "metadata": {"labels": {"a": "1"}, "finalizers": ["x"]},
            "data": {"k": "v"},
            "spec": {"args": ["a", "b"], "tags": ["t"], "replicas": 1},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        });
        assert_eq!(
            field_set(&types, &value).to_fields_v1(),
            json!({
                "f:data": {"f:k": {}},
                "f:metadata": {"f:finalizers": {"v:\"x\"": {}}, "f:labels": {"f:a": {}}},
                "f:spec": {"f:args": {}, "f:replicas": {}, "f:tags": {"v:\"t\"": {}}},
                "f:status": {"f:conditions": {"k:{\"type\":\"Ready\"}": {".": {}, "f:status": {}, "f:type": {}}}}
            })
        );
    }

    #[test]
    fn comparison_marks_new_containers() {
        let schema = schema();
        let defs = BTreeMap::new();
        let types = Types::custom(&schema, &defs);
        let old = json!({"metadata": {"name": "x"}, "spec": {"replicas": 1, "args": ["a"]}});
        let new = json!({"metadata": {"name": "x"}, "data": {"k": "v"}, "spec": {"replicas": 2, "args": ["a"]}});
        let cmp = compare(&types, &old, &new);
        assert_eq!(cmp.added.to_fields_v1(), json!({"f:data": {".": {}, "f:k": {}}}));
        assert_eq!(cmp.modified.to_fields_v1(), json!({"f:spec": {"f:replicas": {}}}));
        assert!(cmp.removed.is_empty());
        let back = compare(&types, &new, &old);
        assert_eq!(back.removed.to_fields_v1(), json!({"f:data": {".": {}, "f:k": {}}}));
    }

    #[test]
    fn merge_by_keys_and_values() {
        let schema = schema();
        let defs = BTreeMap::new();
        let types = Types::custom(&schema, &defs);
        let live = json!({
            "spec": {"args": ["a", "b"], "tags": ["x"], "replicas": 1},
            "status": {"conditions": [{"type": "A", "status": "True"}, {"type": "B", "status": "False"}]}
        });
        let config = json!({
            "spec": {"args": ["c"], "tags": ["y", "x"], "replicas": null},
            "status": {"conditions": [{"type": "B", "status": "True"}, {"type": "C", "status": "True"}]}
        });
        assert_eq!(
            merge(&types, &live, &config),
            json!({
                "spec": {"args": ["c"], "tags": ["x", "y"]},
                "status": {"conditions": [
                    {"type": "A", "status": "True"}, {"type": "B", "status": "True"}, {"type": "C", "status": "True"}]}
            })
        );
    }

    #[test]
    fn prune_keeps_what_others_own() {
        let schema = schema();
        let defs = BTreeMap::new();
        let types = Types::custom(&schema, &defs);
        let mut value = json!({
            "data": {"a": "1", "b": "2"},
            "status": {"conditions": [{"type": "A", "status": "True", "reason": "R"}, {"type": "B", "status": "True"}]}
        });
        let mut remove = FieldSet::new();
        for path in [
            vec!["f:data", "f:a"],
            vec!["f:data", "f:b"],
            vec!["f:status", "f:conditions", r#"k:{"type":"A"}"#],
            vec!["f:status", "f:conditions", r#"k:{"type":"A"}"#, "f:type"],
            vec!["f:status", "f:conditions", r#"k:{"type":"A"}"#, "f:status"],
            vec!["f:status", "f:conditions", r#"k:{"type":"B"}"#],
            vec!["f:status", "f:conditions", r#"k:{"type":"B"}"#, "f:status"],
        ] {
            remove.insert(&path.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>());
        }
        let mut keep = FieldSet::new();
        keep.insert(&["f:data".into(), "f:b".into()]);
        keep.insert(&["f:status".into(), "f:conditions".into(), r#"k:{"type":"A"}"#.into(), "f:reason".into()]);
        prune(&types, &mut value, &remove, &keep);
        assert_eq!(value, json!({"data": {"b": "2"}, "status": {"conditions": [{"type": "A", "reason": "R"}]}}));
        let mut all_gone = json!({"data": {"a": "1"}});
        let mut remove = FieldSet::new();
        remove.insert(&["f:data".into(), "f:a".into()]);
        prune(&types, &mut all_gone, &remove, &FieldSet::new());
        assert_eq!(all_gone, json!({}));
    }
}
