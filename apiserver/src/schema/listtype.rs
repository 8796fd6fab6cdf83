//! The structural checks kube runs on custom resources after schema
//! validation, with kube's `field.Path` conventions (properties `a.b`, map
//! values `a[key]`, items `a[0]`): embedded resources
//! (`x-kubernetes-embedded-resource`: apiVersion, kind and metadata) and
//! `x-kubernetes-list-type` `set` and `map` uniqueness.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::Schema;
use super::compile::{Additional, NodeId};
use crate::validation::field::{BadValue, FieldError, child, go_interface_map, index, key};
use crate::validation::names::{NameRule, is_dns1035_label};
use crate::validation::object_meta::validate_object_meta;

/// The children of an object or array with their schemas and kube paths.
fn children<'v>(schema: &Schema, id: NodeId, value: &'v Value, path: &str) -> Vec<(NodeId, &'v Value, String)> {
    let node = schema.resolve(id).node;
    match value {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| {
                if let Some(prop) = node.properties.get(k) {
                    Some((*prop, v, child(path, k)))
                } else if let Additional::Schema(additional) = node.additional {
                    Some((additional, v, key(path, k)))
                } else {
                    None
                }
            })
            .collect(),
        Value::Array(items) => match node.items {
            Some(item) => items.iter().enumerate().map(|(i, v)| (item, v, index(path, i))).collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// kube's `schemaobjectmeta.Validate` (the root is not an embedded resource
/// here: its metadata is validated by the caller).
pub(super) fn validate_embedded(
    schema: &Schema,
    id: NodeId,
    value: &Value,
    path: &str,
    root: bool,
    errs: &mut Vec<FieldError>,
) {
    if !root
        && schema.resolve(id).node.embedded
        && let Value::Object(map) = value
    {
        validate_embedded_resource(map, path, errs);
    }
    for (child_id, v, child_path) in children(schema, id, value, path) {
        validate_embedded(schema, child_id, v, &child_path, false, errs);
    }
}

fn validate_embedded_resource(map: &Map<String, Value>, path: &str, errs: &mut Vec<FieldError>) {
    let api_version_path = child(path, "apiVersion");
    let kind_path = child(path, "kind");
    match map.get("apiVersion") {
        None => errs.push(FieldError::required(&api_version_path, "")),
        Some(Value::String(v)) if v.is_empty() => errs.push(FieldError::required(&api_version_path, "")),
        Some(Value::String(v)) => {
            if v.matches('/').count() > 1 {
                errs.push(FieldError::invalid_str(
                    &api_version_path,
                    v,
                    format!("unexpected GroupVersion string: {v}"),
                ));
            }
        }
        Some(other) => {
            errs.push(FieldError::invalid(&api_version_path, BadValue::Json(other.clone()), "must be a string"))
        }
    }
    match map.get("kind") {
        None => errs.push(FieldError::required(&kind_path, "")),
        Some(Value::String(k)) if k.is_empty() => errs.push(FieldError::required(&kind_path, "")),
        Some(Value::String(k)) => {
            let problems = is_dns1035_label(&k.to_lowercase());
            if !problems.is_empty() {
                errs.push(FieldError::invalid_str(
                    &kind_path,
                    k,
                    format!("may have mixed case, but should otherwise match: {}", problems.join(",")),
                ));
            }
        }
        Some(other) => errs.push(FieldError::invalid(&kind_path, BadValue::Json(other.clone()), "must be a string")),
    }
    if let Some(meta) = map.get("metadata") {
        let mut meta = meta.clone();
        if let Value::Object(m) = &mut meta
            && m.get("name").and_then(Value::as_str).unwrap_or_default().is_empty()
        {
            // kube validates embedded metadata with a stand-in name.
            m.insert("name".to_owned(), Value::String("fakename".to_owned()));
        }
        let namespaced = meta.get("namespace").and_then(Value::as_str).is_some_and(|n| !n.is_empty());
        for mut err in validate_object_meta(&meta, namespaced, NameRule::PathSegment, true) {
            err.path = child(path, &err.path);
            errs.push(err);
        }
    }
}

/// kube's `ValidateListSetsAndMaps`.
pub(super) fn validate_lists(schema: &Schema, id: NodeId, value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    if let Value::Array(items) = value {
        let node = schema.resolve(id).node;
        match node.list_type.as_deref() {
            Some("set") => {
                for i in non_unique(items.iter().map(|v| v.to_string())) {
                    errs.push(FieldError::duplicate(index(path, i), BadValue::Json(items[i].clone())));
                }
            }
            Some("map") => validate_list_map(&node.list_map_keys, items, path, errs),
            _ => {}
        }
    }
    for (child_id, v, child_path) in children(schema, id, value, path) {
        validate_lists(schema, child_id, v, &child_path, errs);
    }
}

/// Indices of the second appearance of each repeated key.
fn non_unique(keys: impl Iterator<Item = String>) -> Vec<usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut repeated = Vec::new();
    for (i, k) in keys.enumerate() {
        let times = seen.entry(k).or_insert(0);
        *times += 1;
        if *times == 2 {
            repeated.push(i);
        }
    }
    repeated
}

fn validate_list_map(keys: &[String], items: &[Value], path: &str, errs: &mut Vec<FieldError>) {
    for (i, item) in items.iter().enumerate() {
        if !item.is_null() && !item.is_object() {
            errs.push(FieldError::invalid(
                index(path, i),
                BadValue::Json(item.clone()),
                "must be an object for an array of list-type map",
            ));
            return;
        }
    }
    let key_maps: Vec<Map<String, Value>> = items
        .iter()
        .map(|item| {
            let mut key_map = Map::new();
            if let Value::Object(obj) = item {
                for k in keys {
                    if let Some(v) = obj.get(k) {
                        key_map.insert(k.clone(), v.clone());
                    }
                }
            }
            key_map
        })
        .collect();
    // A missing key is its own value, distinct from any given one (kube's
    // unspecifiedKeyValue); key maps serialize with sorted keys.
    let identities = key_maps
        .iter()
        .map(|m| if m.is_empty() { "<unspecified>".to_owned() } else { Value::Object(m.clone()).to_string() });
    for i in non_unique(identities) {
        errs.push(FieldError::duplicate(index(path, i), BadValue::Raw(go_interface_map(&key_maps[i]))));
    }
}
