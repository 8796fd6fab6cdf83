//! Strategic merge patch, the apply half of k8s.io/apimachinery's
//! `strategicpatch` (`StrategicMergeMapPatchUsingLookupPatchMeta`): maps
//! merge and `null` deletes, lists merge by the field's [`PatchMeta`], and
//! the directives `$patch: replace|delete|merge`, `$retainKeys`,
//! `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>` work
//! as kube runs them, with kube's error texts. List merging and ordering
//! live in `strategic_list`.

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson::{self, go_s, go_type, go_v};
use super::meta::{FieldMeta, PatchMeta};
use super::strategic_list::{
    AliasedView, ElemKind, merge_slice_handler, normalize_element_order, partition_maps, partition_primitives,
    slice_element_kind, validate_patch_with_set_order_list,
};

pub(super) const DIRECTIVE: &str = "$patch";
pub(super) const DELETE_DIRECTIVE: &str = "delete";
pub(super) const REPLACE_DIRECTIVE: &str = "replace";
pub(super) const MERGE_DIRECTIVE: &str = "merge";
const RETAIN_KEYS: &str = "$retainKeys";
pub(super) const DELETE_PREFIX: &str = "$deleteFromPrimitiveList";
pub(super) const ORDER_PREFIX: &str = "$setElementOrder";

/// kube's `mergepatch` errors that it answers with 400.
const BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const BAD_ORDER_LIST: &str = "invalid patch format of setElementOrder list";

/// A failure kube answers with 422 (or with 500, for its internal errors;
/// a client-caused failure is a 422 here).
pub(super) fn unprocessable(message: String) -> PatchError {
    PatchError::NotApplicable(message)
}

/// kube's `mergepatch.ErrBadArgType`.
pub(super) fn bad_arg_type(expected: &str, actual: &Value) -> PatchError {
    unprocessable(format!("expected a {expected}, but received a {}", go_type(actual)))
}

/// kube's `mergepatch.ErrNoMergeKey`.
pub(super) fn no_merge_key(map: &Map<String, Value>, key: &str) -> PatchError {
    unprocessable(format!("map: {} does not contain declared merge key: {key}", go_v(&Value::Object(map.clone()))))
}

/// kube's `mergepatch.ErrBadPatchType`.
pub(super) fn bad_patch_type(directive: &Value, map: &Map<String, Value>) -> PatchError {
    unprocessable(format!("unknown patch type: {} in map: {}", go_s(directive), go_v(&Value::Object(map.clone()))))
}

pub fn apply(current: &Value, body: &[u8], meta: &dyn PatchMeta) -> Result<Value, PatchError> {
    let patch = match gojson::decode(body).map_err(PatchError::InvalidDocument)? {
        Value::Object(map) => map,
        // Go decodes null into an empty (nil) map: nothing to do.
        Value::Null => Map::new(),
        other => {
            return Err(PatchError::InvalidDocument(gojson::cannot_unmarshal(&other, "map[string]interface {}")));
        }
    };
    let original = current.as_object().cloned().unwrap_or_default();
    let text = |field: &str| current.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
    let merger = Merger { meta, api_version: text("apiVersion"), kind: text("kind") };
    merger.merge_map(original, patch, &[]).map(Value::Object)
}

/// One patch application: the metadata source and the patched kind.
pub(super) struct Merger<'a> {
    meta: &'a dyn PatchMeta,
    api_version: String,
    kind: String,
}

impl Merger<'_> {
    pub(super) fn lookup(&self, path: &[String]) -> FieldMeta {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        self.meta.field(&self.api_version, &self.kind, &path)
    }

    /// kube's `mergeMap` with `MergeParallelList` and `IgnoreUnmatchedNulls`.
    pub(super) fn merge_map(
        &self,
        mut original: Map<String, Value>,
        mut patch: Map<String, Value>,
        path: &[String],
    ) -> Result<Map<String, Value>, PatchError> {
        if let Some(directive) = patch.get(DIRECTIVE) {
            let directive = directive.clone();
            return handle_directive_in_merge_map(&directive, patch);
        }
        apply_retain_keys_directive(&mut original, &mut patch)?;
        self.merge_patch_into_original(&mut original, &mut patch, path)?;

        for (key, patch_value) in patch {
            let (key, is_delete_list) =
                if key.starts_with(DELETE_PREFIX) { (extract_key(&key, DELETE_PREFIX)?, true) } else { (key, false) };
            if patch_value.is_null() {
                original.remove(&key);
                continue;
            }
            let replacement = |mut value: Value| {
                discard_null_values(&mut value);
                remove_directives(value)
            };
            let Some(current) = original.remove(&key) else {
                if !is_delete_list && let Some(value) = replacement(patch_value) {
                    original.insert(key, value);
                }
                continue;
            };
            if ElemKind::of(&current) != ElemKind::of(&patch_value) {
                if is_delete_list {
                    original.insert(key, current);
                } else if let Some(value) = replacement(patch_value) {
                    original.insert(key, value);
                }
                continue;
            }
            let child: Vec<String> = path.iter().cloned().chain([key.clone()]).collect();
            let merged = match (current, patch_value) {
                (Value::Object(current), Value::Object(patch_value)) => {
                    let meta = self.lookup(&child);
                    if meta.strategy == super::PatchStrategy::Replace {
                        Some(Value::Object(patch_value))
                    } else {
                        Some(Value::Object(self.merge_map(current, patch_value, &child)?))
                    }
                }
                (Value::Array(current), Value::Array(patch_value)) => {
                    let meta = self.lookup(&child);
                    let mut view = AliasedView::new(&[]);
                    Some(Value::Array(merge_slice_handler(
                        self,
                        current,
                        patch_value,
                        &meta,
                        is_delete_list,
                        &child,
                        &mut view,
                    )?))
                }
                (_, patch_value) => remove_directives(patch_value),
            };
            if let Some(merged) = merged {
                original.insert(key, merged);
            }
        }
        Ok(original)
    }

    /// kube's `mergePatchIntoOriginal`: each `$setElementOrder/<field>`
    /// merges `<field>` now and fixes the resulting order.
    fn merge_patch_into_original(
        &self,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
        path: &[String],
    ) -> Result<(), PatchError> {
        let keys: Vec<String> = patch.keys().filter(|k| k.starts_with(ORDER_PREFIX)).cloned().collect();
        for key in keys {
            let Some(order) = patch.remove(&key) else { continue };
            let Value::Array(order) = order else { return Err(bad_arg_type("[]interface {}", &order)) };
            let original_key = extract_key(&key, ORDER_PREFIX)?;
            let original_list = match original.get(&original_key) {
                None => None,
                Some(Value::Array(items)) => Some(items.clone()),
                Some(other) => return Err(bad_arg_type("[]interface {}", other)),
            };
            let patch_list = match patch.get(&original_key) {
                None => None,
                Some(Value::Array(items)) => Some(items.clone()),
                Some(other) => return Err(bad_arg_type("[]interface {}", other)),
            };
            let child: Vec<String> = path.iter().cloned().chain([original_key.clone()]).collect();
            let meta = self.lookup(&child);
            let merge_key = meta.merge_key.clone().unwrap_or_default();
            validate_patch_with_set_order_list(patch_list.as_deref().unwrap_or_default(), &order, &merge_key)?;

            // kube orders by its view of the original list after the merge
            // edited that list in place.
            let mut view = AliasedView::new(original_list.as_deref().unwrap_or_default());
            let patch_items = patch_list.clone().unwrap_or_default();
            let merged = match (original_list, patch_list) {
                (Some(original_list), None) => original_list,
                (None, Some(patch_list)) => match remove_directives(Value::Array(patch_list)) {
                    Some(Value::Array(items)) => items,
                    _ => continue,
                },
                (Some(original_list), Some(patch_list)) => {
                    merge_slice_handler(self, original_list, patch_list, &meta, false, &child, &mut view)?
                }
                (None, None) => continue,
            };
            let original_items = view.into_items();
            let (in_patch, server_only) = if merge_key.is_empty() {
                partition_primitives(merged, &order)
            } else {
                partition_maps(merged, &order, &merge_key)?
            };
            let kind = slice_element_kind(&original_items, &patch_items)?;
            let both = normalize_element_order(in_patch, server_only, &order, &original_items, &merge_key, kind)?;
            original.insert(original_key.clone(), Value::Array(both));
            patch.remove(&original_key);
        }
        Ok(())
    }
}

/// `$patch` in a map: `replace` takes the patch as is, `delete` empties it.
fn handle_directive_in_merge_map(
    directive: &Value,
    mut patch: Map<String, Value>,
) -> Result<Map<String, Value>, PatchError> {
    match directive.as_str() {
        Some(REPLACE_DIRECTIVE) => {
            patch.remove(DIRECTIVE);
            Ok(patch)
        }
        Some(DELETE_DIRECTIVE) => Ok(Map::new()),
        _ => Err(bad_patch_type(directive, &patch)),
    }
}

/// `$retainKeys`: drop every original member not listed; a patch member
/// that is not listed makes the patch invalid.
fn apply_retain_keys_directive(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), PatchError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else { return Ok(()) };
    let Value::Array(retain) = retain else { return Err(PatchError::InvalidDocument(BAD_RETAIN_KEYS.to_owned())) };
    let listed = |key: &str| retain.iter().any(|v| v.as_str() == Some(key));
    for (key, value) in patch.iter() {
        if value.is_null() || key.starts_with(DELETE_PREFIX) || key.starts_with(ORDER_PREFIX) {
            continue;
        }
        if !listed(key) {
            return Err(PatchError::InvalidDocument(BAD_RETAIN_KEYS.to_owned()));
        }
    }
    original.retain(|key, _| listed(key));
    Ok(())
}

/// The field a `$deleteFromPrimitiveList/<field>` or
/// `$setElementOrder/<field>` directive names.
fn extract_key(key: &str, prefix: &str) -> Result<String, PatchError> {
    match key.split_once('/') {
        Some((head, field)) if head == prefix => Ok(field.to_owned()),
        _ if prefix == DELETE_PREFIX => Err(PatchError::InvalidDocument(BAD_PRIMITIVE_LIST.to_owned())),
        _ => Err(PatchError::InvalidDocument(BAD_ORDER_LIST.to_owned())),
    }
}

/// Drop null members at any depth (a patch value that lands where the
/// original has nothing must not store nulls).
fn discard_null_values(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(discard_null_values);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_null_values),
        _ => {}
    }
}

/// kube's `removeDirectives`: maps carrying `$patch` vanish, at any depth.
pub(super) fn remove_directives(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            if map.contains_key(DIRECTIVE) {
                return None;
            }
            Some(Value::Object(map.into_iter().filter_map(|(k, v)| remove_directives(v).map(|v| (k, v))).collect()))
        }
        Value::Array(items) => Some(Value::Array(items.into_iter().filter_map(remove_directives).collect())),
        other => Some(other),
    }
}

#[cfg(test)]
#[path = "strategic_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "strategic_fixture_tests.rs"]
mod fixture_tests;
