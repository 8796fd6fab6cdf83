//! The patch formats of the `patch` verb (SPEC §3.4), applied the way
//! kube-apiserver applies them: JSON patch (RFC 6902, evanphx/json-patch
//! v4 semantics), JSON merge patch (RFC 7386) and strategic merge patch
//! (k8s.io/apimachinery `strategicpatch`, apply half), with kube's error
//! texts. Server-side apply is the caller's business.
//!
//! Every body must be JSON; like kube, YAML is accepted only for apply.

pub(crate) mod gojson;
/// A patch body as the patches read it (Go's `json.Unmarshal`: invalid
/// UTF-8 in strings becomes U+FFFD, a repeated key keeps its last value).
pub use gojson::decode as decode_body;
mod json_patch;
mod merge_patch;
mod meta;
mod strategic;
mod strategic_list;

use serde_json::Value;

pub use meta::{BuiltinPatchMeta, FieldMeta, PatchMeta, PatchStrategy};

/// The media types kube accepts for patches of built-in kinds, in kube's order.
const ACCEPTED: &str = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";

/// Which patch format a request body is in, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    JsonPatch,
    /// `application/merge-patch+json` (RFC 7386).
    MergePatch,
    /// `application/strategic-merge-patch+json` (built-in kinds only).
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// The patch type of a `Content-Type` header value; parameters such as
    /// `; charset=utf-8` are ignored, as kube ignores them.
    pub fn from_content_type(content_type: &str) -> Result<PatchType, PatchError> {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        match media_type {
            "application/json-patch+json" => Ok(PatchType::JsonPatch),
            "application/merge-patch+json" => Ok(PatchType::MergePatch),
            "application/strategic-merge-patch+json" => Ok(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Ok(PatchType::Apply),
            _ => Err(PatchError::UnsupportedMediaType { content_type: content_type.to_owned() }),
        }
    }

    /// The media type this patch type is sent as.
    pub fn media_type(self) -> &'static str {
        match self {
            PatchType::JsonPatch => "application/json-patch+json",
            PatchType::MergePatch => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

/// Why a patch could not be applied. The message is kube's text for the
/// same failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// `Content-Type` names no patch format (kube answers 415).
    #[error("the body of the request was in an unknown format - accepted media types include: {ACCEPTED}")]
    UnsupportedMediaType { content_type: String },
    /// The body is not JSON, or not a well-formed patch of its type (400).
    #[error("{0}")]
    InvalidDocument(String),
    /// The patch is well-formed but does not apply to the object, e.g. a
    /// failed `test` or a missing path (422).
    #[error("{0}")]
    NotApplicable(String),
    /// Server-side apply is run by the caller, never by [`apply`].
    #[error(
        "server-side apply (application/apply-patch+yaml) is handled by the field manager, not by the patch library"
    )]
    ApplyNotHandled,
}

impl PatchError {
    /// Whether the body itself is at fault (not JSON, not a valid patch
    /// document, unknown media type): the handler answers 400, and 422
    /// otherwise.
    pub fn is_invalid_document(&self) -> bool {
        matches!(self, PatchError::InvalidDocument(_) | PatchError::UnsupportedMediaType { .. })
    }
}

/// Apply a patch body of `patch_type` to `current` (the object as the
/// client sees it, in the requested version). `meta` tells strategic merge
/// patch how each list merges. Returns the patched object; the caller
/// checks that it is still an object and validates it.
pub fn apply(patch_type: PatchType, current: &Value, body: &[u8], meta: &dyn PatchMeta) -> Result<Value, PatchError> {
    match patch_type {
        PatchType::JsonPatch => json_patch::apply(current, body),
        PatchType::MergePatch => merge_patch::apply(current, body),
        PatchType::StrategicMerge => strategic::apply(current, body, meta),
        PatchType::Apply => Err(PatchError::ApplyNotHandled),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn content_types() {
        let cases = [
            ("application/json-patch+json", PatchType::JsonPatch),
            ("application/merge-patch+json; charset=utf-8", PatchType::MergePatch),
            ("application/strategic-merge-patch+json", PatchType::StrategicMerge),
            ("application/apply-patch+yaml;charset=UTF-8", PatchType::Apply),
        ];
        for (header, want) in cases {
            assert_eq!(PatchType::from_content_type(header), Ok(want), "{header}");
            assert_eq!(PatchType::from_content_type(want.media_type()), Ok(want));
        }
        for bad in ["", "application/json", "text/plain", "application/yaml"] {
            let err = PatchType::from_content_type(bad).expect_err(bad);
            assert!(err.is_invalid_document());
            assert_eq!(
                err.to_string(),
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
            );
        }
    }

    #[test]
    fn apply_is_left_to_the_caller() {
        let err = apply(PatchType::Apply, &json!({}), b"{}", &BuiltinPatchMeta).unwrap_err();
        assert_eq!(err, PatchError::ApplyNotHandled);
        assert!(!err.is_invalid_document());
    }

    #[test]
    fn yaml_bodies_are_rejected() {
        let current = json!({"metadata": {"name": "a"}});
        for patch_type in [PatchType::JsonPatch, PatchType::MergePatch, PatchType::StrategicMerge] {
            let err = apply(patch_type, &current, b"metadata:\n  labels:\n    a: b\n", &BuiltinPatchMeta).unwrap_err();
            assert!(err.is_invalid_document(), "{patch_type:?}: {err}");
        }
    }

    /// Parsers must survive any bytes: feed garbage built from JSON-ish
    /// fragments and random bytes to every patch type.
    #[test]
    fn never_panics_on_garbage() {
        let fragments: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"op\"",
            "\"add\"",
            "\"remove\"",
            "\"replace\"",
            "\"move\"",
            "\"copy\"",
            "\"test\"",
            "\"path\"",
            "\"from\"",
            "\"value\"",
            "\"/a\"",
            "\"/a/0\"",
            "\"/-\"",
            "\"/a/-\"",
            "\"\"",
            "null",
            "1",
            "-1",
            "true",
            "\"$patch\"",
            "\"delete\"",
            "\"$retainKeys\"",
            "\"$setElementOrder/finalizers\"",
            "\"$deleteFromPrimitiveList/finalizers\"",
            "\"metadata\"",
            "\"finalizers\"",
            "\"ownerReferences\"",
            "\"uid\"",
            "\"x\"",
            " ",
            "\"\\u00",
            "1e",
            "tr",
        ];
        let current = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "a", "finalizers": ["x", "y"], "ownerReferences": [{"uid": "1", "name": "o"}], "labels": {"a": "b"}},
            "a": [1, 2, {"b": null}], "spec": {"finalizers": ["kubernetes"]}
        });
        let mut state: u64 = 0x1234_5678_9abc_def1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..12_000 {
            let body: Vec<u8> = if round % 4 == 0 {
                (0..(next() % 40)).map(|_| next() as u8).collect()
            } else {
                let n = next() % 30;
                (0..n).flat_map(|_| fragments[(next() % fragments.len() as u64) as usize].bytes()).collect()
            };
            for patch_type in [PatchType::JsonPatch, PatchType::MergePatch, PatchType::StrategicMerge] {
                let _ = apply(patch_type, &current, &body, &BuiltinPatchMeta);
            }
        }
    }
}
