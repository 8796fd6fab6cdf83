//! JSON patch (RFC 6902) application: any document and any operation list,
//! never a panic, and a failed patch leaves no trace (the input document
//! is only borrowed, so the check is that an error is an error, not a
//! half-applied object).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rdd_apiserver::patch::{BuiltinPatchMeta, PatchType, apply};

fuzz_target!(|data: &[u8]| {
    let (document, body) = rdd_fuzz::split(data);
    let current = rdd_fuzz::document_or_default(document);
    let _ = apply(PatchType::JsonPatch, &current, body, &BuiltinPatchMeta);
});
