//! Strategic-merge-patch metadata: how a list (or map) field merges. kube
//! reads it from the `patchStrategy` / `patchMergeKey` struct tags of the
//! Go types; here a [`PatchMeta`] answers per field path, and
//! [`BuiltinPatchMeta`] carries the tags of the built-in kinds rdd serves.
//! A field without metadata merges as a map and is replaced as a list;
//! where kube fails on a field its Go type lacks ("unable to find api field
//! in struct"), this merges by that default instead.

/// How a field merges, from its `patchStrategy` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatchStrategy {
    /// No tag: maps merge key by key, lists are replaced whole.
    #[default]
    Default,
    /// `patchStrategy:"merge"`: lists merge (by merge key for lists of
    /// objects, by value for lists of scalars).
    Merge,
    /// `patchStrategy:"replace"`: maps are replaced whole too.
    Replace,
}

/// The strategic-merge metadata of one field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldMeta {
    pub strategy: PatchStrategy,
    /// `patchStrategy:"...,retainKeys"`.
    pub retain_keys: bool,
    /// `patchMergeKey`: the member identifying an element of a list of
    /// objects (`uid` for ownerReferences).
    pub merge_key: Option<String>,
}

impl FieldMeta {
    fn merge(merge_key: Option<&str>) -> FieldMeta {
        FieldMeta { strategy: PatchStrategy::Merge, retain_keys: false, merge_key: merge_key.map(str::to_owned) }
    }
}

/// Strategic-merge metadata for the objects of one kind.
pub trait PatchMeta {
    /// The metadata of the field at `path`: JSON member names from the
    /// object root; list elements add no segment (ownerReferences' `uid`
    /// is `["metadata", "ownerReferences", "uid"]`), map entries add their
    /// key. `api_version` and `kind` are the patched object's.
    fn field(&self, api_version: &str, kind: &str, path: &[&str]) -> FieldMeta;
}

/// The struct tags of the built-in kinds rdd serves (core/v1 Namespace,
/// ConfigMap, Secret, Event; events.k8s.io/v1 Event; coordination/v1
/// Lease; apiextensions/v1 CustomResourceDefinition), from k8s.io/api
/// 1.33. Only these fields carry a patch strategy; every other list
/// (CRD `spec.versions`, `metadata.managedFields`, Namespace
/// `spec.finalizers`, CRD `status.conditions`) is atomic for strategic
/// merge patch, exactly as in kube.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinPatchMeta;

impl PatchMeta for BuiltinPatchMeta {
    fn field(&self, api_version: &str, kind: &str, path: &[&str]) -> FieldMeta {
        match (api_version, kind, path) {
            // ObjectMeta, in every kind.
            (_, _, ["metadata", "finalizers"]) => FieldMeta::merge(None),
            (_, _, ["metadata", "ownerReferences"]) => FieldMeta::merge(Some("uid")),
            // NamespaceStatus.Conditions.
            ("v1", "Namespace", ["status", "conditions"]) => FieldMeta::merge(Some("type")),
            _ => FieldMeta::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tags() {
        let meta = BuiltinPatchMeta;
        assert_eq!(meta.field("v1", "ConfigMap", &["metadata", "finalizers"]), FieldMeta::merge(None));
        assert_eq!(
            meta.field("apiextensions.k8s.io/v1", "CustomResourceDefinition", &["metadata", "ownerReferences"]),
            FieldMeta::merge(Some("uid"))
        );
        assert_eq!(meta.field("v1", "Namespace", &["status", "conditions"]), FieldMeta::merge(Some("type")));
        for (api_version, kind, path) in [
            ("v1", "Namespace", &["spec", "finalizers"][..]),
            ("v1", "ConfigMap", &["metadata", "managedFields"][..]),
            ("apiextensions.k8s.io/v1", "CustomResourceDefinition", &["spec", "versions"][..]),
            ("apiextensions.k8s.io/v1", "CustomResourceDefinition", &["status", "conditions"][..]),
            ("v1", "ConfigMap", &["metadata", "labels", "finalizers"][..]),
        ] {
            assert_eq!(meta.field(api_version, kind, path), FieldMeta::default(), "{kind} {path:?}");
        }
    }
}
