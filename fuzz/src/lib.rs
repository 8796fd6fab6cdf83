//! What the fuzz targets share: cutting one libFuzzer input into the
//! several inputs a parser takes (a document and a patch, a template and
//! its data), and the objects the targets patch when the input names none.

use serde_json::{Value, json};

/// Splits `data` at its first NUL byte: the part before and the part after
/// (empty when there is no NUL). Text inputs rarely hold a NUL, so the
/// fuzzer learns the separator quickly from the seeds.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// The JSON document in `bytes`, or a typical stored object when `bytes`
/// is not JSON, so that patches are also tried against a realistic target.
pub fn document_or_default(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| default_object())
}

/// A ConfigMap-like object with the metadata lists strategic merge patch
/// treats specially.
pub fn default_object() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "a",
            "namespace": "default",
            "labels": {"app": "x", "tier": "db"},
            "finalizers": ["x", "y"],
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "o", "uid": "1"}]
        },
        "data": {"k": "v", "n": "1"},
        "list": [1, "two", {"three": null}, [4]]
    })
}
