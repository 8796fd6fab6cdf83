//! JSON merge patch (RFC 7386) as kube applies it (evanphx/json-patch v4
//! `MergePatch`): objects merge, `null` deletes, anything else replaces.
//! Where kube differs from the RFC it follows kube: a `null` or scalar
//! patch is rejected as "Invalid JSON Patch", and nulls inside objects
//! nested in an added array are pruned too.

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson;

/// kube's `jsonpatch.ErrBadJSONPatch` text.
const BAD_PATCH: &str = "Invalid JSON Patch";

pub fn apply(current: &Value, body: &[u8]) -> Result<Value, PatchError> {
    let patch = gojson::decode(body).map_err(|_| PatchError::InvalidDocument(BAD_PATCH.to_owned()))?;
    merge_patch(current, patch)
}

/// `MergePatch(doc, patch)` on decoded values.
pub fn merge_patch(doc: &Value, patch: Value) -> Result<Value, PatchError> {
    match patch {
        Value::Object(patch) => match doc {
            Value::Object(doc) => {
                let mut doc = doc.clone();
                merge_docs(&mut doc, patch);
                Ok(Value::Object(doc))
            }
            // A document that is not an object is replaced by the patch.
            _ => Ok(prune_nulls(Value::Object(patch))),
        },
        // An array patch replaces the document (kube then fails to decode
        // it into an object); null and scalars are not patches at all.
        Value::Array(_) => Ok(prune_nulls(patch)),
        _ => Err(PatchError::InvalidDocument(BAD_PATCH.to_owned())),
    }
}

fn merge_docs(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            doc.remove(&key);
            continue;
        }
        match doc.get_mut(&key) {
            Some(current) if !current.is_null() => {
                let taken = current.take();
                *current = merge(taken, value);
            }
            _ => {
                doc.insert(key, prune_nulls(value));
            }
        }
    }
}

fn merge(current: Value, patch: Value) -> Value {
    match (current, patch) {
        (Value::Object(mut current), Value::Object(patch)) => {
            merge_docs(&mut current, patch);
            Value::Object(current)
        }
        (Value::Object(_), patch) => patch,
        (_, patch) => prune_nulls(patch),
    }
}

/// Drop null members of objects, at any depth (array elements stay).
fn prune_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, prune_nulls(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(prune_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// RFC 7386 Appendix A, with kube's answers where kube differs.
    #[test]
    fn rfc7386_vectors() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (doc, patch, want) in cases {
            assert_eq!(merge_patch(&doc, patch.clone()).unwrap(), want, "{doc} + {patch}");
        }
        // RFC: {"a":"foo"} + null = null and + "bar" = "bar"; kube rejects both.
        for patch in [json!(null), json!("bar"), json!(1)] {
            let err = merge_patch(&json!({"a": "foo"}), patch).unwrap_err();
            assert_eq!(err, PatchError::InvalidDocument("Invalid JSON Patch".to_owned()));
        }
    }

    #[test]
    fn kube_pruning_quirks() {
        // An added subtree loses its nulls, also inside arrays of objects.
        let got = merge_patch(&json!({}), json!({"a": [{"x": null, "y": 1}, null]})).unwrap();
        assert_eq!(got, json!({"a": [{"y": 1}, null]}));
        // A null current value is treated as absent.
        let got = merge_patch(&json!({"a": null}), json!({"a": {"b": null, "c": 1}})).unwrap();
        assert_eq!(got, json!({"a": {"c": 1}}));
        // A non-object replacing an object is taken as it is (evanphx's
        // `merge` returns the patch unpruned when it is not a document), but
        // replacing a non-object it is pruned: so such a patch is not
        // idempotent, in kube as here. Found by the merge_patch fuzz target.
        let doc = json!({"metadata": {"name": "a"}});
        let once = merge_patch(&doc, json!({"metadata": [{"c": null}]})).unwrap();
        assert_eq!(once, json!({"metadata": [{"c": null}]}));
        let twice = merge_patch(&once, json!({"metadata": [{"c": null}]})).unwrap();
        assert_eq!(twice, json!({"metadata": [{}]}));
    }

    #[test]
    fn labels_via_merge_patch() {
        let doc = json!({"metadata": {"name": "x", "labels": {"a": "1", "b": "2"}}});
        let got = apply(&doc, br#"{"metadata":{"labels":{"a":null,"c":"3"}}}"#).unwrap();
        assert_eq!(got, json!({"metadata": {"name": "x", "labels": {"b": "2", "c": "3"}}}));
        let err = apply(&doc, b"{nope").unwrap_err();
        assert!(err.is_invalid_document());
        assert_eq!(err.to_string(), "Invalid JSON Patch");
    }
}
