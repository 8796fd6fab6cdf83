//! The OpenAPI subset kube accepts in CRD schemas, and the consistency of
//! kube's list, map and validation-rule extensions (apiextensions'
//! `ValidateCustomResourceDefinitionOpenAPISchema` and
//! `specStandardValidatorV3`), reported with kube's paths and messages.

use serde_json::{Map, Value};

use super::structural::{is_true, is_zero, obj, type_of};
use crate::validation::field::{BadValue, FieldError, child, index, key};

const OPENAPI_V3_TYPES: [&str; 6] = ["array", "boolean", "integer", "number", "object", "string"];
const META_FIELDS: [&str; 3] = ["metadata", "kind", "apiVersion"];
const VALIDATION_REASONS: [&str; 4] =
    ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];

/// Where in the schema the walk is.
#[derive(Clone)]
pub(super) struct Context {
    pub(super) allow_defaults: bool,
    pub(super) forbidden_defaults_reason: String,
    pub(super) inside_meta: bool,
}

/// Checks `schema` and everything below it.
pub(super) fn standard(schema: &Value, path: &str, ctx: &Context, is_root: bool, errs: &mut Vec<FieldError>) {
    let Some(s) = obj(schema) else { return };
    let ty = type_of(s);
    if !ty.is_empty() && !OPENAPI_V3_TYPES.contains(&ty) {
        errs.push(FieldError::not_supported(
            child(path, "type"),
            BadValue::Json(Value::String(ty.to_owned())),
            &OPENAPI_V3_TYPES,
        ));
    }
    if s.contains_key("default") && !ctx.allow_defaults {
        let mut detail = "must not be set".to_owned();
        if !ctx.forbidden_defaults_reason.is_empty() {
            detail = format!("{detail} {}", ctx.forbidden_defaults_reason);
        }
        errs.push(FieldError::forbidden(child(path, "default"), detail));
    }
    for (keyword, detail) in [
        ("id", "id is not supported"),
        ("additionalItems", "additionalItems is not supported"),
        ("patternProperties", "patternProperties is not supported"),
        ("definitions", "definitions is not supported"),
        ("dependencies", "dependencies is not supported"),
        ("$ref", "$ref is not supported"),
    ] {
        if s.get(keyword).is_some_and(|v| !is_zero(v)) {
            errs.push(FieldError::forbidden(child(path, keyword), detail));
        }
    }
    if ty == "null" {
        errs.push(FieldError::forbidden(
            child(path, "type"),
            "type cannot be set to null, use nullable as an alternative",
        ));
    }
    if s.get("items").is_some_and(Value::is_array) {
        errs.push(FieldError::forbidden(child(path, "items"), "items must be a schema object and not an array"));
    }
    let embedded = is_true(s, "x-kubernetes-embedded-resource");
    if ctx.inside_meta && embedded {
        errs.push(FieldError::forbidden(
            child(path, "x-kubernetes-embedded-resource"),
            "must not be used inside of resource meta",
        ));
    }
    if is_true(s, "uniqueItems") {
        errs.push(FieldError::forbidden(
            child(path, "uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    let props = s.get("properties").and_then(Value::as_object);
    if let Some(additional) = s.get("additionalProperties") {
        if props.is_some_and(|p| !p.is_empty()) && (additional.as_bool() == Some(false) || additional.is_object()) {
            errs.push(FieldError::forbidden(
                child(path, "additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        let mut sub = ctx.clone();
        if ctx.inside_meta {
            sub.allow_defaults = false;
            sub.forbidden_defaults_reason = "inside additionalProperties applying to object metadata".to_owned();
        }
        standard(additional, &child(path, "additionalProperties"), &sub, false, errs);
    }
    for (k, v) in props.into_iter().flatten() {
        let mut sub = ctx.clone();
        if (is_root || embedded) && META_FIELDS.contains(&k.as_str()) {
            sub.inside_meta = true;
            if is_root {
                sub.allow_defaults = false;
                sub.forbidden_defaults_reason = format!("in top-level {k}");
            }
        }
        standard(v, &key(&child(path, "properties"), k), &sub, false, errs);
    }
    if let Some(not) = s.get("not") {
        standard(not, &child(path, "not"), ctx, false, errs);
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for (i, v) in s.get(keyword).and_then(Value::as_array).into_iter().flatten().enumerate() {
            standard(v, &index(&child(path, keyword), i), ctx, false, errs);
        }
    }
    if let Some(items) = s.get("items")
        && items.is_object()
    {
        standard(items, &child(path, "items"), ctx, false, errs);
    }
    if s.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        errs.push(FieldError::invalid(
            child(path, "x-kubernetes-preserve-unknown-fields"),
            BadValue::Json(Value::Bool(false)),
            "must be true or undefined",
        ));
    }
    list_and_map_types(s, ty, path, errs);
    validation_rules(s, path, errs);
}

fn list_and_map_types(s: &Map<String, Value>, ty: &str, path: &str, errs: &mut Vec<FieldError>) {
    let map_type = s.get("x-kubernetes-map-type").and_then(Value::as_str);
    if let Some(map_type) = map_type {
        if ty != "object" {
            if ty.is_empty() {
                errs.push(FieldError::required(
                    child(path, "type"),
                    "must be object if x-kubernetes-map-type is specified",
                ));
            } else {
                errs.push(FieldError::invalid_str(
                    child(path, "type"),
                    ty,
                    "must be object if x-kubernetes-map-type is specified",
                ));
            }
        }
        if map_type != "atomic" && map_type != "granular" {
            errs.push(FieldError::not_supported(
                child(path, "x-kubernetes-map-type"),
                BadValue::Json(Value::String(map_type.to_owned())),
                &["atomic", "granular"],
            ));
        }
    }
    let list_type = s.get("x-kubernetes-list-type").and_then(Value::as_str);
    let items = s.get("items").and_then(Value::as_object);
    if let Some(list_type) = list_type {
        if ty != "array" {
            if ty.is_empty() {
                errs.push(FieldError::required(
                    child(path, "type"),
                    "must be array if x-kubernetes-list-type is specified",
                ));
            } else {
                errs.push(FieldError::invalid_str(
                    child(path, "type"),
                    ty,
                    "must be array if x-kubernetes-list-type is specified",
                ));
            }
        } else if list_type == "set"
            && let Some(items) = items
        {
            match type_of(items) {
                "array" => {
                    if let Some(inner) = items.get("x-kubernetes-list-type").and_then(Value::as_str)
                        && inner != "atomic"
                    {
                        errs.push(FieldError::invalid_str(
                            child(&child(path, "items"), "x-kubernetes-list-type"),
                            inner,
                            "must be atomic as item of a list with x-kubernetes-list-type=set",
                        ));
                    }
                }
                "object" if items.get("x-kubernetes-map-type").and_then(Value::as_str) != Some("atomic") => {
                    errs.push(FieldError::invalid(
                        child(&child(path, "items"), "x-kubernetes-map-type"),
                        BadValue::Json(Value::Null),
                        "must be atomic as item of a list with x-kubernetes-list-type=set",
                    ));
                }
                _ => {}
            }
        }
        if !["atomic", "set", "map"].contains(&list_type) {
            errs.push(FieldError::not_supported(
                child(path, "x-kubernetes-list-type"),
                BadValue::Json(Value::String(list_type.to_owned())),
                &["atomic", "set", "map"],
            ));
        }
    }
    let map_keys: Vec<&str> = s
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let keys_value = || BadValue::Raw(crate::validation::field::go_string_slice(&map_keys));
    if !map_keys.is_empty() {
        match list_type {
            None => errs.push(FieldError::required(
                child(path, "x-kubernetes-list-type"),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some("map") => {}
            Some(other) => errs.push(FieldError::invalid_str(
                child(path, "x-kubernetes-list-type"),
                other,
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
        }
    }
    if list_type == Some("map") {
        if map_keys.is_empty() {
            errs.push(FieldError::required(
                child(path, "x-kubernetes-list-map-keys"),
                "must not be empty if x-kubernetes-list-type is map",
            ));
        }
        match items {
            None => errs.push(FieldError::required(
                child(path, "items"),
                "must have a schema if x-kubernetes-list-type is map",
            )),
            Some(items) if type_of(items) != "object" => errs.push(FieldError::invalid_str(
                child(&child(path, "items"), "type"),
                type_of(items),
                "must be object if parent array's x-kubernetes-list-type is map",
            )),
            Some(items) => {
                let mut seen = Vec::new();
                let required: Vec<&str> = items
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                for k in &map_keys {
                    match items.get("properties").and_then(|p| p.get(*k)).and_then(Value::as_object) {
                        Some(prop) => {
                            let prop_path = key(&child(&child(path, "items"), "properties"), k);
                            if matches!(type_of(prop), "array" | "object") {
                                errs.push(FieldError::invalid_str(
                                    child(&prop_path, "type"),
                                    "object",
                                    "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                ));
                            }
                            if !required.contains(k) && !prop.contains_key("default") {
                                errs.push(FieldError::required(
                                    child(&prop_path, "default"),
                                    "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
                                ));
                            }
                            if is_true(prop, "nullable") {
                                errs.push(FieldError::forbidden(
                                    child(&prop_path, "nullable"),
                                    "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                                ));
                            }
                        }
                        None => errs.push(FieldError::invalid(
                            child(path, "x-kubernetes-list-map-keys"),
                            keys_value(),
                            "entries must all be names of item properties",
                        )),
                    }
                    if seen.contains(k) {
                        errs.push(FieldError::invalid(
                            child(path, "x-kubernetes-list-map-keys"),
                            keys_value(),
                            "must not contain duplicate entries",
                        ));
                    }
                    seen.push(*k);
                }
            }
        }
    }
    if let (Some(list_type @ ("set" | "map")), Some(items)) = (list_type, items)
        && is_true(items, "nullable")
    {
        errs.push(FieldError::forbidden(
            child(&child(path, "items"), "nullable"),
            format!("cannot be nullable when x-kubernetes-list-type is {list_type}"),
        ));
    }
}

/// The static checks on `x-kubernetes-validations` entries (the CEL
/// expressions themselves are compiled elsewhere).
fn validation_rules(s: &Map<String, Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(rules) = s.get("x-kubernetes-validations").and_then(Value::as_array) else { return };
    for (i, rule) in rules.iter().enumerate() {
        let rule_path = index(&child(path, "x-kubernetes-validations"), i);
        let get = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or_default();
        let (expr, message, message_expr) = (get("rule"), get("message"), get("messageExpression"));
        let has_newline = |s: &str| s.contains('\n') || s.contains('\r');
        if expr.trim().is_empty() {
            errs.push(FieldError::required(child(&rule_path, "rule"), "rule is not specified"));
        } else if !message.is_empty() && message.trim().is_empty() {
            errs.push(FieldError::invalid_str(
                child(&rule_path, "message"),
                message,
                "message must be non-empty if specified",
            ));
        } else if has_newline(message.trim()) {
            errs.push(FieldError::invalid_str(
                child(&rule_path, "message"),
                message,
                "message must not contain line breaks",
            ));
        } else if has_newline(expr.trim()) && message.trim().is_empty() {
            errs.push(FieldError::required(
                child(&rule_path, "message"),
                "message must be specified if rule contains line breaks",
            ));
        }
        if !message_expr.is_empty() && message_expr.trim().is_empty() {
            errs.push(FieldError::required(
                child(&rule_path, "messageExpression"),
                "messageExpression must be non-empty if specified",
            ));
        }
        if let Some(reason) = rule.get("reason").and_then(Value::as_str)
            && !VALIDATION_REASONS.contains(&reason)
        {
            errs.push(FieldError::not_supported(
                child(&rule_path, "reason"),
                BadValue::Json(Value::String(reason.to_owned())),
                &VALIDATION_REASONS,
            ));
        }
        let field_path = get("fieldPath");
        if !field_path.is_empty() && field_path.trim().is_empty() {
            errs.push(FieldError::invalid_str(
                child(&rule_path, "fieldPath"),
                field_path,
                "fieldPath must be non-empty if specified",
            ));
        }
        if has_newline(field_path) {
            errs.push(FieldError::invalid_str(
                child(&rule_path, "fieldPath"),
                field_path,
                "fieldPath must not contain line breaks",
            ));
        }
    }
}
