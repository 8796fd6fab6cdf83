//! JSON merge patch (RFC 7386) application: any document and any body,
//! never a panic, and a patch that applies is idempotent (applying it
//! again to its own result changes nothing), as RFC 7386 merges are —
//! except where kube's merge is not: a patch with a null inside an array
//! (kube prunes it only when the array replaces a non-object; see
//! `kube_pruning_quirks` in apiserver/src/patch/merge_patch.rs).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rdd_apiserver::patch::{BuiltinPatchMeta, PatchType, apply, decode_body};
use serde_json::Value;

/// Whether a null stands anywhere inside an array of `value`.
fn null_in_array(value: &Value, in_array: bool) -> bool {
    match value {
        Value::Null => in_array,
        Value::Array(items) => items.iter().any(|item| null_in_array(item, true)),
        Value::Object(map) => map.values().any(|item| null_in_array(item, in_array)),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let (document, body) = rdd_fuzz::split(data);
    let current = rdd_fuzz::document_or_default(document);
    if let Ok(once) = apply(PatchType::MergePatch, &current, body, &BuiltinPatchMeta) {
        // Read as the patch reads it: serde_json refuses invalid UTF-8 that
        // Go's decoder (and so the patch) accepts.
        let patch: Value = decode_body(body).unwrap_or(Value::Null);
        if null_in_array(&patch, false) {
            return;
        }
        let twice = apply(PatchType::MergePatch, &once, body, &BuiltinPatchMeta)
            .expect("a patch that applied once applies again");
        assert_eq!(once, twice, "merge patch is not idempotent");
    }
});
