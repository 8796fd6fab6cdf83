//! The three-way patch of client-side `apply`: from the last applied
//! configuration (`original`), the file (`modified`) and the live object
//! (`current`), what must change — additions and changes from `current`
//! to `modified`, plus deletions of what `original` had and `modified`
//! dropped. For custom resources this is jsonmergepatch's
//! CreateThreeWayJSONMergePatch; for built-in kinds strategicpatch's
//! CreateThreeWayMergePatch, which differs only for lists tagged
//! `patchStrategy: merge` (diffed per element, deletions as
//! `$deleteFromPrimitiveList/...` or `$patch: delete` entries, order as
//! `$setElementOrder/...`). An empty patch (`{}`) means "unchanged".

use rdd_apiserver::patch::{PatchMeta, PatchStrategy};
use serde_json::{Map, Value};

/// How lists merge: JSON merge patch (every list atomic) or strategic
/// merge with the kind's patch metadata.
#[derive(Clone, Copy)]
pub enum Flavor<'a> {
    JsonMerge,
    Strategic { meta: &'a dyn PatchMeta, api_version: &'a str, kind: &'a str },
}

impl Flavor<'_> {
    /// The merge key of a merge-strategy list at `path` (`Some("")` for
    /// lists of scalars), or `None` for an atomic list.
    fn merge_list(&self, path: &[&str]) -> Option<String> {
        match self {
            Flavor::JsonMerge => None,
            Flavor::Strategic { meta, api_version, kind } => {
                let field = meta.field(api_version, kind, path);
                (field.strategy == PatchStrategy::Merge).then(|| field.merge_key.unwrap_or_default())
            }
        }
    }
}

/// The patch taking `current` to `modified` while deleting what
/// `original` set and `modified` no longer does.
pub fn three_way(original: &Value, modified: &Value, current: &Value, flavor: Flavor<'_>) -> Value {
    let empty = Map::new();
    let as_map = |v: &Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
    let deletions = deletions(&as_map(original), &as_map(modified), &mut Vec::new(), flavor);
    let delta = additions(&as_map(current), &as_map(modified), &mut Vec::new(), flavor);
    let mut patch = deletions;
    deep_merge(&mut patch, delta);
    Value::Object(patch)
}

/// Fields of `modified` that `current` lacks or holds otherwise.
fn additions(
    current: &Map<String, Value>,
    modified: &Map<String, Value>,
    path: &mut Vec<String>,
    flavor: Flavor<'_>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, want) in modified {
        let have = current.get(key);
        if have == Some(want) {
            continue;
        }
        path.push(key.clone());
        match (have, want) {
            (Some(Value::Object(have)), Value::Object(want)) => {
                let inner = additions(have, want, path, flavor);
                if !inner.is_empty() {
                    out.insert(key.clone(), Value::Object(inner));
                }
            }
            (Some(Value::Array(have)), Value::Array(want)) if merge_key(flavor, path).is_some() => {
                let key_name = merge_key(flavor, path).unwrap_or_default();
                let added: Vec<Value> = want.iter().filter(|w| !list_has(have, w, &key_name)).cloned().collect();
                if !added.is_empty() {
                    out.insert(key.clone(), Value::Array(added));
                }
                if have_order_differs(have, want, &key_name) || out.contains_key(key) {
                    let order = want.iter().map(|w| element_id(w, &key_name)).collect();
                    out.insert(format!("$setElementOrder/{key}"), Value::Array(order));
                }
            }
            _ => {
                if !want.is_null() {
                    out.insert(key.clone(), want.clone());
                }
            }
        }
        path.pop();
    }
    out
}

/// Fields `original` set that `modified` dropped, as nulls (or list deletions).
fn deletions(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    path: &mut Vec<String>,
    flavor: Flavor<'_>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, had) in original {
        path.push(key.clone());
        match (had, modified.get(key)) {
            (_, None) => {
                out.insert(key.clone(), Value::Null);
            }
            (Value::Object(had), Some(Value::Object(want))) => {
                let inner = deletions(had, want, path, flavor);
                if !inner.is_empty() {
                    out.insert(key.clone(), Value::Object(inner));
                }
            }
            (Value::Array(had), Some(Value::Array(want))) if merge_key(flavor, path).is_some() => {
                let key_name = merge_key(flavor, path).unwrap_or_default();
                let gone: Vec<&Value> = had.iter().filter(|h| !list_has(want, h, &key_name)).collect();
                if !gone.is_empty() {
                    if key_name.is_empty() {
                        let gone = gone.into_iter().cloned().collect();
                        out.insert(format!("$deleteFromPrimitiveList/{key}"), Value::Array(gone));
                    } else {
                        let entries = gone
                            .into_iter()
                            .map(|h| {
                                let mut entry = Map::new();
                                entry.insert(key_name.clone(), element_id(h, &key_name));
                                entry.insert("$patch".to_owned(), Value::String("delete".to_owned()));
                                Value::Object(entry)
                            })
                            .collect();
                        out.insert(key.clone(), Value::Array(entries));
                    }
                }
            }
            _ => {}
        }
        path.pop();
    }
    out
}

fn merge_key(flavor: Flavor<'_>, path: &[String]) -> Option<String> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    flavor.merge_list(&path)
}

/// What identifies a list element: itself for scalars, else its merge key.
fn element_id(element: &Value, key_name: &str) -> Value {
    if key_name.is_empty() {
        return element.clone();
    }
    let mut id = Map::new();
    id.insert(key_name.to_owned(), element.get(key_name).cloned().unwrap_or(Value::Null));
    Value::Object(id)
}

/// Whether `list` holds `element` as it is (scalars and unchanged objects).
fn list_has(list: &[Value], element: &Value, key_name: &str) -> bool {
    if key_name.is_empty() {
        return list.contains(element);
    }
    list.iter().any(|e| e == element)
}

fn have_order_differs(have: &[Value], want: &[Value], key_name: &str) -> bool {
    let ids = |list: &[Value]| list.iter().map(|e| element_id(e, key_name)).collect::<Vec<_>>();
    let have_ids = ids(have);
    let kept: Vec<Value> = have_ids.into_iter().filter(|id| ids(want).contains(id)).collect();
    let want_ids: Vec<Value> = ids(want).into_iter().filter(|id| kept.contains(id)).collect();
    kept != want_ids
}

/// JSON merge of `patch` into `doc`: objects merge, everything else replaces.
fn deep_merge(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        match (doc.get_mut(&key), value) {
            (Some(Value::Object(inner)), Value::Object(value)) => deep_merge(inner, value),
            (_, value) => {
                doc.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rdd_apiserver::patch::BuiltinPatchMeta;
    use serde_json::json;

    use super::*;

    #[test]
    fn json_merge_three_way() {
        let original = json!({"data": {"a": "1", "b": "2"}, "metadata": {"name": "x"}});
        let modified = json!({"data": {"a": "1", "c": "3"}, "metadata": {"name": "x"}});
        let current = json!({"data": {"a": "1", "b": "2", "z": "9"}, "metadata": {"name": "x", "uid": "u"}});
        let patch = three_way(&original, &modified, &current, Flavor::JsonMerge);
        assert_eq!(patch, json!({"data": {"b": null, "c": "3"}}));
        // Nothing to do: fields only the server set stay.
        assert_eq!(
            three_way(
                &modified,
                &modified,
                &json!({"data": {"a": "1", "c": "3"}, "metadata": {"name": "x", "uid": "u"}}),
                Flavor::JsonMerge
            ),
            json!({})
        );
        // Lists are atomic.
        let patch = three_way(&json!({}), &json!({"l": [1, 2]}), &json!({"l": [1]}), Flavor::JsonMerge);
        assert_eq!(patch, json!({"l": [1, 2]}));
        // A whole map dropped.
        let patch = three_way(&json!({"m": {"a": 1}}), &json!({}), &json!({"m": {"a": 1}}), Flavor::JsonMerge);
        assert_eq!(patch, json!({"m": null}));
    }

    #[test]
    fn strategic_merge_lists() {
        let flavor = Flavor::Strategic { meta: &BuiltinPatchMeta, api_version: "v1", kind: "ConfigMap" };
        let original = json!({"metadata": {"finalizers": ["a", "b"]}});
        let modified = json!({"metadata": {"finalizers": ["a", "c"]}});
        let current = json!({"metadata": {"finalizers": ["a", "b"]}});
        let patch = three_way(&original, &modified, &current, flavor);
        assert_eq!(
            patch,
            json!({"metadata": {
                "$deleteFromPrimitiveList/finalizers": ["b"],
                "finalizers": ["c"],
                "$setElementOrder/finalizers": ["a", "c"],
            }})
        );
        // Spec lists of built-ins without tags stay atomic.
        let flavor = Flavor::Strategic { meta: &BuiltinPatchMeta, api_version: "v1", kind: "Namespace" };
        let patch = three_way(
            &json!({}),
            &json!({"spec": {"finalizers": ["x"]}}),
            &json!({"spec": {"finalizers": ["k"]}}),
            flavor,
        );
        assert_eq!(patch, json!({"spec": {"finalizers": ["x"]}}));
    }
}
