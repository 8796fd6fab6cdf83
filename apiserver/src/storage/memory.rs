//! The current state in memory: every live object by key, in byte order,
//! and the revision it reflects; plus how a stored object is built from JSON
//! (revision stamping, label extraction). Only the writer thread changes it.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{ListSnapshot, StoredObject};

pub struct State {
    objects: BTreeMap<String, Arc<StoredObject>>,
    revision: u64,
}

impl State {
    pub fn new(objects: BTreeMap<String, Arc<StoredObject>>, revision: u64) -> Self {
        Self { objects, revision }
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    pub fn get(&self, key: &str) -> Option<Arc<StoredObject>> {
        self.objects.get(key).cloned()
    }

    pub fn list(&self, prefix: &str, start_after: Option<&str>, limit: Option<usize>) -> ListSnapshot {
        let lower = match start_after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        let mut matching = self
            .objects
            .range::<str, _>((lower, Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(_, object)| object);
        let items: Vec<_> = matching.by_ref().take(limit.unwrap_or(usize::MAX)).cloned().collect();
        let remaining = matching.count();
        ListSnapshot { revision: self.revision, items, remaining }
    }

    /// Applies one committed change: `Some` stores the object, `None`
    /// removes the key.
    pub fn apply(&mut self, key: &str, object: Option<Arc<StoredObject>>, revision: u64) {
        match object {
            Some(object) => {
                self.objects.insert(key.to_owned(), object);
            }
            None => {
                self.objects.remove(key);
            }
        }
        self.revision = self.revision.max(revision);
    }
}

/// Sets `metadata.resourceVersion` to `revision` in `object`.
pub fn stamp(object: &mut Value, revision: u64) -> Result<(), String> {
    let Some(fields) = object.as_object_mut() else {
        return Err(format!("the object is a JSON {}, not an object", type_name(object)));
    };
    let metadata = fields.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return Err(format!("its metadata is a JSON {}, not an object", type_name(metadata)));
    };
    metadata.insert("resourceVersion".into(), Value::String(revision.to_string()));
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The string-valued entries of `metadata.labels`.
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    let Some(labels) = object.pointer("/metadata/labels").and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    labels.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect()
}

/// Rebuilds a stored object from its serialized form (when loading the
/// log), reading only the labels out of it.
pub fn from_bytes(key: String, revision: u64, json: Vec<u8>) -> StoredObject {
    #[derive(Deserialize)]
    struct Shape {
        #[serde(default)]
        metadata: Option<Metadata>,
    }
    #[derive(Deserialize)]
    struct Metadata {
        #[serde(default)]
        labels: Option<BTreeMap<String, Value>>,
    }
    let labels = match serde_json::from_slice::<Shape>(&json) {
        Ok(shape) => shape
            .metadata
            .and_then(|m| m.labels)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect(),
        Err(err) => {
            tracing::warn!(key, revision, error = %err, "stored value is not a JSON object; serving it without labels");
            BTreeMap::new()
        }
    };
    StoredObject { key, revision, json: Bytes::from(json), labels }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(key: &str, revision: u64) -> Arc<StoredObject> {
        Arc::new(StoredObject { key: key.into(), revision, json: Bytes::from_static(b"{}"), labels: BTreeMap::new() })
    }

    fn state(keys: &[&str]) -> State {
        State::new(keys.iter().enumerate().map(|(i, k)| (k.to_string(), object(k, i as u64 + 1))).collect(), 9)
    }

    fn keys(snapshot: &ListSnapshot) -> Vec<&str> {
        snapshot.items.iter().map(|o| o.key.as_str()).collect()
    }

    #[test]
    fn list_pages_within_the_prefix_only() {
        let s = state(&["/c/a/1", "/c/a/2", "/c/a/3", "/c/ab/1", "/c/b/1"]);
        let all = s.list("/c/a/", None, None);
        assert_eq!(keys(&all), ["/c/a/1", "/c/a/2", "/c/a/3"]);
        assert_eq!((all.remaining, all.revision), (0, 9));
        let first = s.list("/c/a/", None, Some(2));
        assert_eq!((keys(&first), first.remaining), (vec!["/c/a/1", "/c/a/2"], 1));
        let next = s.list("/c/a/", Some("/c/a/2"), Some(2));
        assert_eq!((keys(&next), next.remaining), (vec!["/c/a/3"], 0));
        // A start key before the prefix starts at the prefix.
        assert_eq!(keys(&s.list("/c/b/", Some("/c/a/9"), None)), ["/c/b/1"]);
        assert!(s.list("/c/z/", None, None).items.is_empty());
    }

    #[test]
    fn stamp_sets_the_revision_and_rejects_non_objects() {
        let mut value = json!({"kind": "ConfigMap", "metadata": {"name": "x", "resourceVersion": "3"}});
        stamp(&mut value, 12).unwrap();
        assert_eq!(value["metadata"]["resourceVersion"], "12");
        let mut bare = json!({"kind": "X"});
        stamp(&mut bare, 1).unwrap();
        assert_eq!(bare["metadata"]["resourceVersion"], "1");
        assert!(stamp(&mut json!([1]), 1).unwrap_err().contains("array"));
        assert!(stamp(&mut json!({"metadata": 3}), 1).unwrap_err().contains("metadata"));
    }

    #[test]
    fn labels_come_from_metadata_in_both_paths() {
        let value = json!({"metadata": {"labels": {"app": "web", "n": 3}}});
        let expected = BTreeMap::from([("app".to_string(), "web".to_string())]);
        assert_eq!(labels_of(&value), expected);
        let loaded = from_bytes("/k".into(), 4, serde_json::to_vec(&value).unwrap());
        assert_eq!(loaded.labels, expected);
        assert!(from_bytes("/k".into(), 4, b"not json".to_vec()).labels.is_empty());
    }
}
