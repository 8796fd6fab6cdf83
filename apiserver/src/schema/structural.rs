//! The checks kube runs on a CRD version's `openAPIV3Schema` before
//! accepting it (apiextensions' `validateCustomResourceDefinitionValidation`):
//! the schema must be structural (every level typed, value validations
//! under allOf/anyOf/oneOf/not only restrict what the structure specifies,
//! metadata only restricts name and generateName, ...), use only the
//! supported OpenAPI subset, have consistent list/map extensions, and
//! defaults that validate and survive pruning. Messages and paths are
//! kube's, e.g. `spec.versions[0].schema.openAPIV3Schema.properties[spec].type:
//! Required value: must not be empty for specified object fields`.

use serde_json::{Map, Value};

use super::Schema;
use super::subset::{Context, standard};
use crate::validation::field::{BadValue, FieldError, child, index, key};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

/// The JSON keys (and kube's Go field names) allowed at the root of a
/// schema when the status subresource is enabled.
const ALLOWED_AT_ROOT: [(&str, &str); 22] = [
    ("description", "Description"),
    ("type", "Type"),
    ("format", "Format"),
    ("title", "Title"),
    ("maximum", "Maximum"),
    ("exclusiveMaximum", "ExclusiveMaximum"),
    ("minimum", "Minimum"),
    ("exclusiveMinimum", "ExclusiveMinimum"),
    ("maxLength", "MaxLength"),
    ("minLength", "MinLength"),
    ("pattern", "Pattern"),
    ("maxItems", "MaxItems"),
    ("minItems", "MinItems"),
    ("uniqueItems", "UniqueItems"),
    ("multipleOf", "MultipleOf"),
    ("required", "Required"),
    ("items", "Items"),
    ("properties", "Properties"),
    ("externalDocs", "ExternalDocs"),
    ("example", "Example"),
    ("x-kubernetes-preserve-unknown-fields", "XPreserveUnknownFields"),
    ("x-kubernetes-validations", "XValidations"),
];

pub(super) fn obj(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}

pub(super) fn type_of(s: &Map<String, Value>) -> &str {
    s.get("type").and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn is_true(s: &Map<String, Value>, k: &str) -> bool {
    s.get(k).and_then(Value::as_bool) == Some(true)
}

/// Whether a JSON value is Go's zero value for the field it decodes into.
pub(super) fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

/// Validates a CRD version's `openAPIV3Schema` found at `path` (e.g.
/// `spec.versions[0].schema.openAPIV3Schema`). `status_enabled` says
/// whether the version has the status subresource.
pub fn validate_crd_schema(schema: &Value, path: &str, status_enabled: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(root) = obj(schema) else {
        errs.push(FieldError::invalid(path, BadValue::Json(schema.clone()), "must be an object"));
        return errs;
    };
    let parent = path.strip_suffix(".openAPIV3Schema").unwrap_or(path);
    if status_enabled {
        for (k, v) in root {
            if is_zero(v) {
                continue;
            }
            if k == "type" {
                if v.as_str() != Some("object") {
                    errs.push(FieldError::invalid(
                        format!("{parent}.openAPIV3Schema.type"),
                        BadValue::Json(v.clone()),
                        r#"only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#,
                    ));
                }
                continue;
            }
            if !ALLOWED_AT_ROOT.iter().any(|(json, _)| json == k) {
                let names: Vec<&str> = ALLOWED_AT_ROOT.iter().map(|(_, go)| *go).collect();
                errs.push(FieldError::invalid(
                    path,
                    BadValue::Raw(schema.to_string()),
                    format!(
                        "only [{}] fields are allowed at the root of the schema if the status subresource is enabled",
                        names.join(" ")
                    ),
                ));
                break;
            }
        }
    }
    if is_true(root, "nullable") {
        errs.push(FieldError::forbidden(
            format!("{parent}.openAPIV3Schema.nullable"),
            "nullable cannot be true at the root",
        ));
    }

    let mut structural = Vec::new();
    invariants(schema, Level::Root, path, &mut structural);
    completeness(root, root, path, path, &mut structural);
    structural.sort_by_key(ToString::to_string);
    let mut init_errs = Vec::new();
    match Schema::compile(schema) {
        // Shown only when nothing more specific is reported, as kube does
        // with its structural-schema conversion errors.
        Err(e) if structural.is_empty() => init_errs.push(FieldError::invalid_str(path, "", e.to_string())),
        Err(_) => {}
        Ok(_) if structural.is_empty() => defaults(schema, path, false, &mut errs),
        Ok(_) => {}
    }
    errs.extend(structural);
    let ctx = Context { allow_defaults: true, forbidden_defaults_reason: String::new(), inside_meta: false };
    standard(schema, path, &ctx, true, &mut errs);
    if errs.is_empty() {
        errs.extend(init_errs);
    }
    errs
}

// --- structurality (apiextensions `schema.ValidateStructural`) ---

const INT_OR_STRING_ANY_OF: &str = r#"[{"type":"integer"},{"type":"string"}]"#;

fn is_int_or_string_any_of(any_of: Option<&Value>) -> bool {
    any_of.is_some_and(|v| serde_json::from_str::<Value>(INT_OR_STRING_ANY_OF).is_ok_and(|p| *v == p))
}

fn invariants(schema: &Value, level: Level, path: &str, errs: &mut Vec<FieldError>) {
    let Some(s) = obj(schema) else { return };
    let ty = type_of(s);
    if ty == "array" && !s.contains_key("items") {
        errs.push(FieldError::required(child(path, "items"), "must be specified"));
    }
    if let Some(items) = s.get("items") {
        invariants(items, Level::Item, &child(path, "items"), errs);
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            invariants(v, Level::Field, &key(&child(path, "properties"), k), errs);
        }
    }
    if let Some(additional) = s.get("additionalProperties") {
        if level == Level::Root {
            errs.push(FieldError::forbidden(child(path, "additionalProperties"), "must not be used at the root"));
        }
        if additional.is_object() {
            invariants(additional, Level::Field, &child(path, "additionalProperties"), errs);
        }
    }
    let int_or_string = is_true(s, "x-kubernetes-int-or-string");
    let preserve = is_true(s, "x-kubernetes-preserve-unknown-fields");
    let embedded = is_true(s, "x-kubernetes-embedded-resource");
    if int_or_string && preserve {
        errs.push(FieldError::invalid(
            child(path, "x-kubernetes-preserve-unknown-fields"),
            BadValue::Json(Value::Bool(true)),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if int_or_string && embedded {
        errs.push(FieldError::invalid(
            child(path, "x-kubernetes-embedded-resource"),
            BadValue::Json(Value::Bool(true)),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    let skip_any_of = is_int_or_string_any_of(s.get("anyOf"));
    let skip_first_all_of_any_of = s
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|all| all.first())
        .is_some_and(|first| is_int_or_string_any_of(first.get("anyOf")));
    value_validation(s, skip_any_of, skip_first_all_of_any_of, path, errs);

    let check_metadata = level == Level::Root || embedded;
    if embedded && ty != "object" {
        if ty.is_empty() {
            errs.push(FieldError::required(
                child(path, "type"),
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        } else {
            errs.push(FieldError::invalid_str(
                child(path, "type"),
                ty,
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        }
    } else if ty.is_empty() && !int_or_string && !preserve {
        let detail = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errs.push(FieldError::required(child(path, "type"), detail));
    }
    if embedded && s.contains_key("additionalProperties") {
        errs.push(FieldError::forbidden(
            child(path, "additionalProperties"),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if level == Level::Root && !ty.is_empty() && ty != "object" {
        errs.push(FieldError::invalid_str(child(path, "type"), ty, "must be object at the root"));
    }
    let props = s.get("properties").and_then(Value::as_object);
    if check_metadata {
        for name in ["kind", "apiVersion"] {
            if let Some(prop) = props.and_then(|p| p.get(name)).and_then(Value::as_object)
                && type_of(prop) != "string"
            {
                errs.push(FieldError::invalid_str(
                    child(&key(&child(path, "properties"), name), "type"),
                    type_of(prop),
                    "must be string",
                ));
            }
        }
    }
    if let Some(meta) = props.and_then(|p| p.get("metadata")).and_then(Value::as_object) {
        let meta_path = key(&child(path, "properties"), "metadata");
        if check_metadata && type_of(meta) != "object" {
            errs.push(FieldError::invalid_str(child(&meta_path, "type"), type_of(meta), "must be object"));
        }
        if level == Level::Root {
            let only_names = meta.iter().all(|(k, v)| match k.as_str() {
                "type" => true,
                "properties" => v.as_object().is_some_and(|p| p.keys().all(|n| n == "name" || n == "generateName")),
                _ => is_zero(v),
            });
            if !only_names {
                errs.push(FieldError::forbidden(
                    meta_path,
                    "must not specify anything other than name and generateName, but metadata is implicitly specified",
                ));
            }
        }
    }
    if embedded && !preserve && props.is_none_or(|p| p.is_empty()) {
        errs.push(FieldError::required(
            child(path, "properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

fn value_validation(
    s: &Map<String, Value>,
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    path: &str,
    errs: &mut Vec<FieldError>,
) {
    if !skip_any_of {
        for (i, v) in s.get("anyOf").and_then(Value::as_array).into_iter().flatten().enumerate() {
            nested(v, false, &index(&child(path, "anyOf"), i), errs);
        }
    }
    for (i, v) in s.get("allOf").and_then(Value::as_array).into_iter().flatten().enumerate() {
        nested(v, skip_first_all_of_any_of && i == 0, &index(&child(path, "allOf"), i), errs);
    }
    for (i, v) in s.get("oneOf").and_then(Value::as_array).into_iter().flatten().enumerate() {
        nested(v, false, &index(&child(path, "oneOf"), i), errs);
    }
    if let Some(not) = s.get("not") {
        nested(not, false, &child(path, "not"), errs);
    }
    if let Some(pattern) = s.get("pattern").and_then(Value::as_str)
        && let Err(e) = regex::Regex::new(pattern)
    {
        errs.push(FieldError::invalid_str(
            child(path, "pattern"),
            pattern,
            // Shaped like Go's regexp errors; the reason is the Rust
            // parser's, which words some problems differently.
            format!(
                "must be a valid regular expression, but isn't: error parsing regexp: {}: `{pattern}`",
                e.to_string().lines().last().unwrap_or_default().trim().trim_start_matches("error: ")
            ),
        ));
    }
}

/// A schema under allOf/anyOf/oneOf/not: it may only restrict values.
fn nested(schema: &Value, skip_any_of: bool, path: &str, errs: &mut Vec<FieldError>) {
    let Some(s) = obj(schema) else { return };
    value_validation(s, skip_any_of, false, path, errs);
    if let Some(items) = s.get("items") {
        nested(items, false, &child(path, "items"), errs);
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            nested(v, false, &key(&child(path, "properties"), k), errs);
        }
    }
    let forbidden: [(&str, bool, &str); 12] = [
        ("type", s.get("type").is_some_and(|v| !is_zero(v)), "must be empty to be structural"),
        ("additionalProperties", s.contains_key("additionalProperties"), "must be undefined to be structural"),
        ("default", s.contains_key("default"), "must be undefined to be structural"),
        ("title", s.get("title").is_some_and(|v| !is_zero(v)), "must be empty to be structural"),
        ("description", s.get("description").is_some_and(|v| !is_zero(v)), "must be empty to be structural"),
        ("nullable", is_true(s, "nullable"), "must be false to be structural"),
        ("externalDocs", s.contains_key("externalDocs"), "must be undefined to be structural"),
        (
            "x-kubernetes-preserve-unknown-fields",
            is_true(s, "x-kubernetes-preserve-unknown-fields"),
            "must be false to be structural",
        ),
        (
            "x-kubernetes-embedded-resource",
            is_true(s, "x-kubernetes-embedded-resource"),
            "must be false to be structural",
        ),
        ("x-kubernetes-int-or-string", is_true(s, "x-kubernetes-int-or-string"), "must be false to be structural"),
        (
            "x-kubernetes-list-map-keys",
            s.get("x-kubernetes-list-map-keys").is_some_and(|v| !is_zero(v)),
            "must be empty to be structural",
        ),
        ("x-kubernetes-list-type", s.contains_key("x-kubernetes-list-type"), "must be undefined to be structural"),
    ];
    for (name, present, detail) in forbidden {
        if present {
            errs.push(FieldError::forbidden(child(path, name), detail));
        }
    }
    if s.contains_key("x-kubernetes-map-type") {
        errs.push(FieldError::forbidden(child(path, "x-kubernetes-map-type"), "must be undefined to be structural"));
    }
    if s.get("x-kubernetes-validations").is_some_and(|v| !is_zero(v)) {
        errs.push(FieldError::forbidden(child(path, "x-kubernetes-validations"), "must be empty to be structural"));
    }
    if s.get("properties").and_then(Value::as_object).is_some_and(|p| p.contains_key("metadata")) {
        errs.push(FieldError::forbidden(
            key(&child(path, "properties"), "metadata"),
            "must not be specified in a nested context",
        ));
    }
}

/// Every property or items a value validation mentions must also be
/// specified by the structure it applies to.
fn completeness(
    v: &Map<String, Value>,
    s: &Map<String, Value>,
    s_path: &str,
    v_path: &str,
    errs: &mut Vec<FieldError>,
) {
    for (keyword, list) in [("allOf", v.get("allOf")), ("anyOf", v.get("anyOf")), ("oneOf", v.get("oneOf"))] {
        for (i, nested) in list.and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(nested) = obj(nested) {
                nested_completeness(nested, Some(s), s_path, &index(&child(v_path, keyword), i), errs);
            }
        }
    }
    if let Some(not) = v.get("not").and_then(Value::as_object) {
        nested_completeness(not, Some(s), s_path, &child(v_path, "not"), errs);
    }
}

fn nested_completeness(
    v: &Map<String, Value>,
    s: Option<&Map<String, Value>>,
    s_path: &str,
    v_path: &str,
    errs: &mut Vec<FieldError>,
) {
    let Some(s) = s else {
        errs.push(FieldError::required(s_path, format!("because it is defined in {v_path}")));
        return;
    };
    completeness(v, s, s_path, v_path, errs);
    if let Some(items) = v.get("items").and_then(Value::as_object) {
        nested_completeness(
            items,
            s.get("items").and_then(Value::as_object),
            &child(s_path, "items"),
            &child(v_path, "items"),
            errs,
        );
    }
    for (k, v_field) in v.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let s_field_path = key(&child(s_path, "properties"), k);
        let v_field_path = key(&child(v_path, "properties"), k);
        match s.get("properties").and_then(|p| p.get(k)).and_then(Value::as_object) {
            None => errs.push(FieldError::required(&s_field_path, format!("because it is defined in {v_field_path}"))),
            Some(s_field) => {
                if let Some(v_field) = obj(v_field) {
                    nested_completeness(v_field, Some(s_field), &s_field_path, &v_field_path, errs);
                }
            }
        }
    }
}

// --- defaults (apiextensions `structuraldefaulting.ValidateDefaults`) ---

fn defaults(schema: &Value, path: &str, inside_meta: bool, errs: &mut Vec<FieldError>) {
    let Some(s) = obj(schema) else { return };
    if let Some(default) = s.get("default")
        && !inside_meta
    {
        let default_path = child(path, "default");
        if let Ok(compiled) = Schema::compile(schema) {
            let mut pruned = default.clone();
            prune_default(&compiled, &mut pruned);
            let changed = pruned != *default;
            if changed {
                errs.push(FieldError::invalid(
                    &default_path,
                    BadValue::Json(default.clone()),
                    "must not have fields that would be pruned",
                ));
            } else {
                for mut err in compiled.validate(default) {
                    err.path = if err.path.is_empty() {
                        default_path.clone()
                    } else if err.path.starts_with('[') {
                        format!("{default_path}{}", err.path)
                    } else {
                        format!("{default_path}.{}", err.path)
                    };
                    errs.push(err);
                }
            }
        }
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            defaults(v, &key(&child(path, "properties"), k), inside_meta, errs);
        }
    }
    if let Some(additional) = s.get("additionalProperties") {
        defaults(additional, &child(path, "additionalProperties"), inside_meta, errs);
    }
    if let Some(items) = s.get("items") {
        defaults(items, &child(path, "items"), inside_meta, errs);
    }
}

/// Prunes a default as kube does: not treated as a resource root unless the
/// schema is an embedded resource.
fn prune_default(schema: &Schema, value: &mut Value) {
    super::prune::prune_value(schema, value);
}

/// Whether `json_path` (`.status.name`) names a scalar field of the schema
/// that a field selector may use; `Err` says why not, as kube does.
pub fn selectable_field(schema: &Value, json_path: &str) -> Result<(), String> {
    let Some(rest) = json_path.strip_prefix('.') else {
        return Err("is an invalid path: must start with '.'".to_owned());
    };
    let mut current = schema;
    let mut walked = String::new();
    for segment in rest.split('.') {
        if segment.is_empty() || segment.contains('[') {
            return Err(format!("is an invalid path: invalid path segment {segment:?}"));
        }
        walked.push('.');
        walked.push_str(segment);
        let next = current
            .get("properties")
            .and_then(|p| p.get(segment))
            .or_else(|| current.get("additionalProperties").filter(|a| a.is_object()));
        match next {
            Some(next) => current = next,
            None => return Err(format!("is an invalid path: does not refer to a valid field ({walked})")),
        }
    }
    if rest.split('.').next() == Some("metadata") {
        return Err("must not point to fields in metadata".to_owned());
    }
    match current.get("type").and_then(Value::as_str) {
        Some("string" | "boolean" | "integer") => Ok(()),
        _ => Err("must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.".to_owned()),
    }
}
