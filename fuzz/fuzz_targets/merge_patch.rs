//! JSON merge patch (RFC 7386) application: any document and any body,
//! never a panic, and a patch that applies is idempotent (applying it
//! again to its own result changes nothing), as RFC 7386 merges are.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rdd_apiserver::patch::{BuiltinPatchMeta, PatchType, apply};

fuzz_target!(|data: &[u8]| {
    let (document, body) = rdd_fuzz::split(data);
    let current = rdd_fuzz::document_or_default(document);
    if let Ok(once) = apply(PatchType::MergePatch, &current, body, &BuiltinPatchMeta) {
        let twice = apply(PatchType::MergePatch, &once, body, &BuiltinPatchMeta)
            .expect("a patch that applied once applies again");
        assert_eq!(once, twice, "merge patch is not idempotent");
    }
});
