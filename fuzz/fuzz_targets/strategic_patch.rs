//! Strategic merge patch application with the built-in kinds' list rules
//! (`$patch`, `$retainKeys`, `$setElementOrder`, merge keys): any document
//! and any body, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rdd_apiserver::patch::{BuiltinPatchMeta, PatchType, apply};

fuzz_target!(|data: &[u8]| {
    let (document, body) = rdd_fuzz::split(data);
    let current = rdd_fuzz::document_or_default(document);
    let _ = apply(PatchType::StrategicMerge, &current, body, &BuiltinPatchMeta);
});
