//! ObjectMeta validation as kube's apimachinery does it on create
//! (`ValidateObjectMetaAccessor`) and update
//! (`ValidateObjectMetaAccessorUpdate`): name and generateName, namespace
//! presence, generation, labels, annotations (keys and the 256 KiB total),
//! ownerReferences, finalizers, and the fields an update may not change.

use serde_json::{Map, Value};

use super::field::{BadValue, FieldError, go_quote, go_string_slice};
use super::names::{NameRule, is_dns1123_label, is_qualified_name, is_valid_label_value};

/// kube's limit on the summed length of annotation keys and values.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

const FIELD_IMMUTABLE: &str = "field is immutable";

fn str_field<'a>(meta: &'a Value, name: &str) -> &'a str {
    meta.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Reports a metadata field that holds the wrong JSON type, in the words
/// schema validation uses.
fn type_error(path: &str, value: &Value, expected: &str) -> FieldError {
    let actual = crate::schema::json_type_name(value);
    FieldError::type_invalid(
        path,
        BadValue::Json(Value::String(actual.to_owned())),
        format!("{path} in body must be of type {expected}: {}", go_quote(actual)),
    )
}

/// A map of strings (`labels`, `annotations`), or the type error.
fn string_map<'a>(meta: &'a Value, name: &str, errs: &mut Vec<FieldError>) -> Vec<(&'a str, &'a str)> {
    let path = format!("metadata.{name}");
    match meta.get(name) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => {
            let mut entries = Vec::new();
            for (k, v) in map {
                match v {
                    Value::String(s) => entries.push((k.as_str(), s.as_str())),
                    other => errs.push(type_error(&super::field::child(&path, k), other, "string")),
                }
            }
            entries.sort();
            entries
        }
        Some(other) => {
            errs.push(type_error(&path, other, "object"));
            Vec::new()
        }
    }
}

fn string_list<'a>(meta: &'a Value, name: &str, errs: &mut Vec<FieldError>) -> Vec<&'a str> {
    let path = format!("metadata.{name}");
    match meta.get(name) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Value::String(s) => Some(s.as_str()),
                other => {
                    errs.push(type_error(&super::field::index(&path, i), other, "string"));
                    None
                }
            })
            .collect(),
        Some(other) => {
            errs.push(type_error(&path, other, "array"));
            Vec::new()
        }
    }
}

/// Validates `metadata` of an object being created. `namespaced` says
/// whether the kind lives in namespaces; `require_name` is false when the
/// caller has not generated the name from `generateName` yet.
pub fn validate_object_meta(
    meta: &Value,
    namespaced: bool,
    name_rule: NameRule,
    require_name: bool,
) -> Vec<FieldError> {
    validate_object_meta_with(meta, namespaced, &|name, prefix| name_rule.check(name, prefix), require_name)
}

/// [`validate_object_meta`] with a custom name rule (a CRD's name must
/// also equal `<plural>.<group>`).
pub fn validate_object_meta_with(
    meta: &Value,
    namespaced: bool,
    name_fn: &dyn Fn(&str, bool) -> Vec<String>,
    require_name: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !meta.is_null() && !meta.is_object() {
        errs.push(type_error("metadata", meta, "object"));
        return errs;
    }
    let generate_name = str_field(meta, "generateName");
    if !generate_name.is_empty() {
        for msg in name_fn(generate_name, true) {
            errs.push(FieldError::invalid_str("metadata.generateName", generate_name, msg));
        }
    }
    let name = str_field(meta, "name");
    if name.is_empty() {
        if require_name {
            errs.push(FieldError::required("metadata.name", "name or generateName is required"));
        }
    } else {
        for msg in name_fn(name, false) {
            errs.push(FieldError::invalid_str("metadata.name", name, msg));
        }
    }
    let namespace = str_field(meta, "namespace");
    if namespaced {
        if namespace.is_empty() {
            errs.push(FieldError::required("metadata.namespace", ""));
        } else {
            for msg in is_dns1123_label(namespace) {
                errs.push(FieldError::invalid_str("metadata.namespace", namespace, msg));
            }
        }
    } else if !namespace.is_empty() {
        errs.push(FieldError::forbidden("metadata.namespace", "not allowed on this type"));
    }
    if let Some(generation) = meta.get("generation").and_then(Value::as_i64)
        && generation < 0
    {
        errs.push(FieldError::invalid(
            "metadata.generation",
            BadValue::Json(generation.into()),
            "must be greater than or equal to 0",
        ));
    }
    validate_labels_annotations_owners(meta, &mut errs);
    validate_finalizers(meta, &mut errs);
    errs
}

/// Labels, annotations, ownerReferences and managedFields: checked on
/// create and update.
fn validate_labels_annotations_owners(meta: &Value, errs: &mut Vec<FieldError>) {
    for (k, v) in string_map(meta, "labels", errs) {
        for msg in is_qualified_name(k) {
            errs.push(FieldError::invalid_str("metadata.labels", k, msg));
        }
        for msg in is_valid_label_value(v) {
            errs.push(FieldError::invalid_str("metadata.labels", v, msg));
        }
    }
    let annotations = string_map(meta, "annotations", errs);
    for (k, _) in &annotations {
        // The rule is a qualified name, except that case does not matter.
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid_str("metadata.annotations", k, msg));
        }
    }
    let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long("metadata.annotations", Some(TOTAL_ANNOTATION_SIZE_LIMIT as u64)));
    }
    validate_owner_references(meta, errs);
    validate_managed_fields(meta, errs);
}

/// kube's `ValidateManagedFields`.
fn validate_managed_fields(meta: &Value, errs: &mut Vec<FieldError>) {
    const FIELD_MANAGER_MAX_LENGTH: u64 = 128;
    const MAX_SUBRESOURCE_NAME_LENGTH: u64 = 256;
    let Some(entries) = meta.get("managedFields").and_then(Value::as_array) else { return };
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("metadata.managedFields[{i}]");
        let get = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or_default();
        let operation = get("operation");
        if operation != "Apply" && operation != "Update" {
            errs.push(FieldError::invalid_str(format!("{path}.operation"), operation, "must be `Apply` or `Update`"));
        }
        let fields_type = get("fieldsType");
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.push(FieldError::invalid_str(format!("{path}.fieldsType"), fields_type, "must be `FieldsV1`"));
        }
        let manager = get("manager");
        if manager.len() as u64 > FIELD_MANAGER_MAX_LENGTH {
            errs.push(FieldError::too_long(format!("{path}.manager"), Some(FIELD_MANAGER_MAX_LENGTH)));
        }
        for (at, c) in manager.char_indices() {
            if c.is_control() {
                errs.push(FieldError::invalid_str(
                    format!("{path}.manager"),
                    manager,
                    format!("invalid character U+{:04X} (at position {at})", c as u32),
                ));
            }
        }
        if get("subresource").len() as u64 > MAX_SUBRESOURCE_NAME_LENGTH {
            errs.push(FieldError::too_long(format!("{path}.subresource"), Some(MAX_SUBRESOURCE_NAME_LENGTH)));
        }
    }
}

fn validate_owner_references(meta: &Value, errs: &mut Vec<FieldError>) {
    let path = "metadata.ownerReferences";
    let refs = match meta.get("ownerReferences") {
        None | Some(Value::Null) => return,
        Some(Value::Array(refs)) => refs,
        Some(other) => {
            errs.push(type_error(path, other, "array"));
            return;
        }
    };
    let empty = Map::new();
    let mut first_controller: Option<String> = None;
    for owner in refs {
        let owner_map = owner.as_object().unwrap_or(&empty);
        let get = |k: &str| owner_map.get(k).and_then(Value::as_str).unwrap_or_default();
        let (api_version, kind, name, uid) = (get("apiVersion"), get("kind"), get("name"), get("uid"));
        // schema.FromAPIVersionAndKind: an apiVersion with more than one
        // slash does not parse and leaves the version empty.
        let (group, version) = match api_version.split('/').collect::<Vec<_>>().as_slice() {
            [version] => ("", *version),
            [group, version] => (*group, *version),
            _ => ("", ""),
        };
        if version.is_empty() {
            errs.push(FieldError::invalid_str(format!("{path}.apiVersion"), api_version, "version must not be empty"));
        }
        if kind.is_empty() {
            errs.push(FieldError::invalid_str(format!("{path}.kind"), kind, "kind must not be empty"));
        }
        if name.is_empty() {
            errs.push(FieldError::invalid_str(format!("{path}.name"), name, "name must not be empty"));
        }
        if uid.is_empty() {
            errs.push(FieldError::invalid_str(format!("{path}.uid"), uid, "uid must not be empty"));
        }
        if group.is_empty() && version == "v1" && kind == "Event" {
            errs.push(FieldError::invalid(
                path,
                BadValue::Raw(owner.to_string()),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if owner_map.get("controller").and_then(Value::as_bool) == Some(true) {
            let current = format!("{kind}/{name}");
            match &first_controller {
                Some(first) => errs.push(FieldError::invalid(
                    path,
                    BadValue::Raw(Value::Array(refs.clone()).to_string()),
                    format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                    ),
                )),
                None => first_controller = Some(current),
            }
        }
    }
}

fn validate_finalizers(meta: &Value, errs: &mut Vec<FieldError>) {
    let finalizers = string_list(meta, "finalizers", errs);
    for finalizer in &finalizers {
        for msg in is_qualified_name(finalizer) {
            errs.push(FieldError::invalid_str("metadata.finalizers", finalizer, msg));
        }
    }
    if finalizers.contains(&"orphan") && finalizers.contains(&"foregroundDeletion") {
        errs.push(FieldError::invalid(
            "metadata.finalizers",
            BadValue::Raw(go_string_slice(&finalizers)),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
}

/// A metav1.Time as Go's `time.Time.String()` prints it (in UTC):
/// `2024-01-02 03:04:05 +0000 UTC`; the zero time when absent.
fn go_time(value: Option<&Value>) -> String {
    let parsed = value.and_then(Value::as_str).and_then(|s| s.parse::<jiff::Timestamp>().ok());
    match parsed {
        Some(ts) => ts.strftime("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        None => "0001-01-01 00:00:00 +0000 UTC".to_owned(),
    }
}

/// Validates `metadata` of an update: what may not change, what may not be
/// added while deleting, and the create-time rules that still apply.
/// `resourceVersion` must be set: callers doing an unconditional update
/// copy the stored one in first, as kube's registry does.
pub fn validate_object_meta_update(old_meta: &Value, new_meta: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !new_meta.is_null() && !new_meta.is_object() {
        errs.push(type_error("metadata", new_meta, "object"));
        return errs;
    }
    let old_deleting = old_meta.get("deletionTimestamp").is_some_and(|v| !v.is_null());
    if old_deleting {
        let mut ignored = Vec::new();
        let old_finalizers = string_list(old_meta, "finalizers", &mut ignored);
        let new_finalizers = string_list(new_meta, "finalizers", &mut errs);
        let mut extra: Vec<&str> = new_finalizers.into_iter().filter(|f| !old_finalizers.contains(f)).collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            errs.push(FieldError::forbidden(
                "metadata.finalizers",
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers {}",
                    go_string_slice(&extra)
                ),
            ));
        }
    }
    if str_field(new_meta, "resourceVersion").is_empty() {
        errs.push(FieldError::invalid_str("metadata.resourceVersion", "", "must be specified for an update"));
    }
    let generation = |m: &Value| m.get("generation").and_then(Value::as_i64).unwrap_or(0);
    if generation(new_meta) < generation(old_meta) {
        errs.push(FieldError::invalid(
            "metadata.generation",
            BadValue::Json(generation(new_meta).into()),
            "must not be decremented",
        ));
    }
    for field in ["name", "namespace", "uid"] {
        let (old, new) = (str_field(old_meta, field), str_field(new_meta, field));
        if old != new {
            errs.push(FieldError::invalid_str(format!("metadata.{field}"), new, FIELD_IMMUTABLE));
        }
    }
    let (old_created, new_created) =
        (go_time(old_meta.get("creationTimestamp")), go_time(new_meta.get("creationTimestamp")));
    if old_created != new_created {
        errs.push(FieldError::invalid("metadata.creationTimestamp", BadValue::Raw(new_created), FIELD_IMMUTABLE));
    }
    let present = |m: &Value, f: &str| m.get(f).filter(|v| !v.is_null()).cloned();
    let (old_deleted, new_deleted) = (present(old_meta, "deletionTimestamp"), present(new_meta, "deletionTimestamp"));
    if old_deleted.as_ref().map(|v| go_time(Some(v))) != new_deleted.as_ref().map(|v| go_time(Some(v))) {
        let value = match &new_deleted {
            Some(v) => BadValue::Raw(go_time(Some(v))),
            None => BadValue::Json(Value::Null),
        };
        errs.push(FieldError::invalid("metadata.deletionTimestamp", value, FIELD_IMMUTABLE));
    }
    let (old_grace, new_grace) =
        (present(old_meta, "deletionGracePeriodSeconds"), present(new_meta, "deletionGracePeriodSeconds"));
    if old_grace != new_grace {
        errs.push(FieldError::invalid(
            "metadata.deletionGracePeriodSeconds",
            BadValue::Json(new_grace.unwrap_or(Value::Null)),
            FIELD_IMMUTABLE,
        ));
    }
    validate_labels_annotations_owners(new_meta, &mut errs);
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn create_rules_and_messages() {
        let cases: Vec<(Value, bool, NameRule, Vec<&str>)> = vec![
            (json!({"name": "web", "namespace": "default"}), true, NameRule::Dns1123Subdomain, vec![]),
            (
                json!({"namespace": "default"}),
                true,
                NameRule::Dns1123Subdomain,
                vec!["metadata.name: Required value: name or generateName is required"],
            ),
            (
                json!({"name": "Foo_"}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.name: Invalid value: "Foo_": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
                ],
            ),
            (json!({"name": "x"}), true, NameRule::Dns1123Subdomain, vec!["metadata.namespace: Required value"]),
            (
                json!({"name": "x", "namespace": "a"}),
                false,
                NameRule::Dns1123Subdomain,
                vec!["metadata.namespace: Forbidden: not allowed on this type"],
            ),
            (
                json!({"name": "x", "namespace": "a.b"}),
                true,
                NameRule::Dns1123Subdomain,
                vec![r#"metadata.namespace: Invalid value: "a.b": must not contain dots"#],
            ),
            (
                json!({"name": "a.b"}),
                false,
                NameRule::Dns1123Label,
                vec![r#"metadata.name: Invalid value: "a.b": must not contain dots"#],
            ),
            (
                json!({"generateName": "web-"}),
                false,
                NameRule::Dns1123Subdomain,
                vec!["metadata.name: Required value: name or generateName is required"],
            ),
            (
                json!({"name": "x", "generation": -1}),
                false,
                NameRule::Dns1123Subdomain,
                vec!["metadata.generation: Invalid value: -1: must be greater than or equal to 0"],
            ),
            (
                json!({"name": "x", "labels": {"a/": "ok", "b": "-bad"}}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.labels: Invalid value: "a/": name part must be non-empty"#,
                    r#"metadata.labels: Invalid value: "a/": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
                    r#"metadata.labels: Invalid value: "-bad": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#,
                ],
            ),
            (json!({"name": "x", "annotations": {"Example.COM/Key": "v"}}), false, NameRule::Dns1123Subdomain, vec![]),
            (
                json!({"name": "x", "annotations": {"a b": "v"}}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.annotations: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
                ],
            ),
            (
                json!({"name": "x", "annotations": {"big": "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT)}}),
                false,
                NameRule::Dns1123Subdomain,
                vec!["metadata.annotations: Too long: may not be more than 262144 bytes"],
            ),
            (
                json!({"name": "x", "finalizers": ["rdd.rancherdesktop.io/cleanup", "bad finalizer"]}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.finalizers: Invalid value: "bad finalizer": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
                ],
            ),
            (
                json!({"name": "x", "finalizers": ["orphan", "foregroundDeletion"]}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set"#,
                ],
            ),
            (
                json!({"name": "x", "ownerReferences": [{"apiVersion": "", "kind": "", "name": "", "uid": ""}]}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty"#,
                    r#"metadata.ownerReferences.kind: Invalid value: "": kind must not be empty"#,
                    r#"metadata.ownerReferences.name: Invalid value: "": name must not be empty"#,
                    r#"metadata.ownerReferences.uid: Invalid value: "": uid must not be empty"#,
                ],
            ),
            (
                json!({"name": "x", "labels": ["a"]}),
                false,
                NameRule::Dns1123Subdomain,
                vec![
                    r#"metadata.labels: Invalid value: "array": metadata.labels in body must be of type object: "array""#,
                ],
            ),
        ];
        for (meta, namespaced, rule, expected) in cases {
            assert_eq!(messages(&validate_object_meta(&meta, namespaced, rule, true)), expected, "{meta}");
        }
        assert!(
            validate_object_meta(&json!({"generateName": "web-"}), false, NameRule::Dns1123Subdomain, false).is_empty()
        );
    }

    #[test]
    fn owner_controllers_and_banned_owners() {
        let meta = json!({"name": "x", "ownerReferences": [
            {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "1"},
            {"apiVersion": "apps/v1", "kind": "A", "name": "a", "uid": "2", "controller": true},
            {"apiVersion": "apps/v1", "kind": "B", "name": "b", "uid": "3", "controller": true},
        ]});
        let errs = messages(&validate_object_meta(&meta, false, NameRule::Dns1123Subdomain, true));
        assert_eq!(errs.len(), 2);
        assert!(errs[0].ends_with(": /v1, Kind=Event is disallowed from being an owner"), "{}", errs[0]);
        assert!(errs[1].ends_with(
            r#": Only one reference can have Controller set to true. Found "true" in references for A/a and B/b"#
        ));
    }

    #[test]
    fn update_rules_and_messages() {
        let old = json!({"name": "a", "namespace": "n", "uid": "u1", "resourceVersion": "5", "generation": 2,
            "creationTimestamp": "2024-01-02T03:04:05Z"});
        let mut new = old.clone();
        assert!(validate_object_meta_update(&old, &new).is_empty());
        new["name"] = json!("b");
        new["uid"] = json!("u2");
        new["generation"] = json!(1);
        new["creationTimestamp"] = json!("2025-01-02T03:04:05Z");
        new["resourceVersion"] = json!("");
        assert_eq!(
            messages(&validate_object_meta_update(&old, &new)),
            vec![
                r#"metadata.resourceVersion: Invalid value: "": must be specified for an update"#,
                "metadata.generation: Invalid value: 1: must not be decremented",
                r#"metadata.name: Invalid value: "b": field is immutable"#,
                r#"metadata.uid: Invalid value: "u2": field is immutable"#,
                "metadata.creationTimestamp: Invalid value: 2025-01-02 03:04:05 +0000 UTC: field is immutable",
            ]
        );
        let deleting = json!({"name": "a", "resourceVersion": "1", "deletionTimestamp": "2024-01-02T03:04:05Z", "finalizers": ["a"]});
        let mut added = deleting.clone();
        added["finalizers"] = json!(["a", "z", "b"]);
        assert_eq!(
            messages(&validate_object_meta_update(&deleting, &added)),
            vec![
                r#"metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b", "z"}"#
            ]
        );
        let mut undeleted = deleting.clone();
        undeleted.as_object_mut().unwrap().remove("deletionTimestamp");
        assert_eq!(
            messages(&validate_object_meta_update(&deleting, &undeleted)),
            vec![r#"metadata.deletionTimestamp: Invalid value: "null": field is immutable"#]
        );
    }
}
