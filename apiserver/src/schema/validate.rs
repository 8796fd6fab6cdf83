//! Value validation with kube-openapi's semantics and messages, converted
//! to field errors as apiextensions-apiserver does
//! (`kubeOpenAPIResultToFieldErrors`): the error path is the dotted value
//! path (`spec.ports[0].name`, map values `spec.labels.key`), the detail
//! names it again with `in body` (`spec.x in body should match '^a$'`).

use serde_json::Value;

use super::compile::{Additional, NodeId};
use super::{Schema, formats, json_type_name};
use crate::validation::field::{BadValue, FieldError, child, go_float, go_quote, index};

fn json(value: &Value) -> BadValue {
    BadValue::Json(value.clone())
}

fn is_integral(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn type_matches(types: &[String], value: &Value) -> bool {
    if types.is_empty() {
        return true;
    }
    let actual = json_type_name(value);
    let has = |t: &str| types.iter().any(|x| x == t);
    has(actual)
        || (actual == "number" && is_integral(value) && has("integer"))
        || (actual == "integer" && has("number"))
}

/// kube-openapi's value equality for `enum` and `uniqueItems`: numbers
/// compare by value (1 and 1.0 are equal).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

/// Validates `value` at `path` against node `id`, appending errors.
pub(super) fn validate(schema: &Schema, id: NodeId, value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let resolved = schema.resolve(id);
    let node = resolved.node;

    if value.is_null() {
        if !node.types.is_empty() && !resolved.nullable {
            errs.push(type_error(path, &node.types.join(","), "null"));
        }
        check_enum(node.enumeration.as_deref(), value, path, errs);
        return;
    }

    if !type_matches(&node.types, value) {
        errs.push(type_error(path, &node.types.join(","), json_type_name(value)));
    }

    validate_junctors(schema, id, value, path, errs);

    if let Value::String(s) = value {
        validate_string(node, s, value, path, errs);
        if let Some(format) = &node.format
            && formats::is_checked(format)
            && !formats::conforms(format, s)
        {
            errs.push(FieldError::type_invalid(
                path,
                json(value),
                format!("{path} in body must be of type {format}: {}", go_quote(s)),
            ));
        }
    }
    if let Some(n) = number(value) {
        validate_number(node, n, value, path, errs);
    }
    if let Value::Array(items) = value {
        let size = items.len() as u64;
        if let Some(min) = node.min_items
            && size < min
        {
            errs.push(FieldError::invalid(
                path,
                BadValue::Json(size.into()),
                format!("{path} in body should have at least {min} items"),
            ));
        }
        if let Some(max) = node.max_items
            && size > max
        {
            errs.push(FieldError::too_many(path, Some(size), Some(max)));
        }
        if node.unique_items && has_duplicates(items) {
            errs.push(FieldError::invalid(
                path,
                BadValue::Json(Value::String(String::new())),
                format!("{path} in body shouldn't contain duplicates"),
            ));
        }
        if let Some(item) = node.items {
            for (i, v) in items.iter().enumerate() {
                validate(schema, item, v, &index(path, i), errs);
            }
        }
    }
    check_enum(node.enumeration.as_deref(), value, path, errs);
    if let Value::Object(map) = value {
        let size = map.len() as u64;
        if let Some(min) = node.min_properties
            && size < min
        {
            errs.push(FieldError::invalid(
                path,
                BadValue::Json(size.into()),
                format!("{path} in body should have at least {min} properties"),
            ));
            return;
        }
        if let Some(max) = node.max_properties
            && size > max
        {
            errs.push(FieldError::too_many(path, Some(size), Some(max)));
            return;
        }
        for (k, v) in map {
            if node.properties.contains_key(k) {
                continue;
            }
            match node.additional {
                Additional::Allowed(false) => errs.push(FieldError::invalid(
                    path,
                    BadValue::Json(Value::String(k.clone())),
                    format!("{path}.{k} in body is a forbidden property"),
                )),
                Additional::Schema(additional) => validate(schema, additional, v, &child(path, k), errs),
                Additional::Allowed(true) | Additional::Unspecified => {}
            }
        }
        for (name, prop) in &node.properties {
            if let Some(v) = map.get(name) {
                validate(schema, *prop, v, &child(path, name), errs);
            }
        }
        for name in &node.required {
            if !map.contains_key(name) {
                errs.push(FieldError::required(child(path, name), ""));
            }
        }
    }
}

/// `<path> in body must be of type <types>: "<actual>"` (FieldValueTypeInvalid).
fn type_error(path: &str, expected: &str, actual: &str) -> FieldError {
    FieldError::type_invalid(
        path,
        BadValue::Json(Value::String(actual.to_owned())),
        format!("{path} in body must be of type {expected}: {}", go_quote(actual)),
    )
}

fn check_enum(enumeration: Option<&[Value]>, value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let Some(values) = enumeration else { return };
    if values.is_empty() || values.iter().any(|v| json_equal(v, value)) {
        return;
    }
    let supported: Vec<String> =
        values.iter().map(|v| if let Value::String(s) = v { s.clone() } else { v.to_string() }).collect();
    errs.push(FieldError::not_supported(path, json(value), &supported));
}

fn validate_string(node: &super::compile::Node, s: &str, value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    // kube-openapi counts runes and stops at the first failed check.
    let length = s.chars().count() as u64;
    if let Some(max) = node.max_length
        && length > max
    {
        errs.push(FieldError::too_long(path, Some(max)));
    } else if let Some(min) = node.min_length
        && length < min
    {
        errs.push(FieldError::invalid(
            path,
            json(value),
            format!("{path} in body should be at least {min} chars long"),
        ));
    } else if let Some((pattern, regex)) = &node.pattern
        && !regex.is_match(s)
    {
        errs.push(FieldError::invalid(path, json(value), format!("{path} in body should match '{pattern}'")));
    }
}

fn validate_number(node: &super::compile::Node, n: f64, value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(factor) = node.multiple_of
        && factor != 0.0
        && (n / factor).fract() != 0.0
    {
        errs.push(FieldError::invalid(
            path,
            json(value),
            format!("{path} in body should be a multiple of {}", go_float(factor)),
        ));
    }
    if let Some(max) = node.maximum
        && (n > max || (node.exclusive_maximum && n == max))
    {
        let relation = if node.exclusive_maximum { "less than" } else { "less than or equal to" };
        errs.push(FieldError::invalid(
            path,
            json(value),
            format!("{path} in body should be {relation} {}", go_float(max)),
        ));
    }
    if let Some(min) = node.minimum
        && (n < min || (node.exclusive_minimum && n == min))
    {
        let relation = if node.exclusive_minimum { "greater than" } else { "greater than or equal to" };
        errs.push(FieldError::invalid(
            path,
            json(value),
            format!("{path} in body should be {relation} {}", go_float(min)),
        ));
    }
}

fn has_duplicates(items: &[Value]) -> bool {
    items.iter().enumerate().any(|(i, a)| items[..i].iter().any(|b| json_equal(a, b)))
}

/// allOf, anyOf, oneOf and not. Their summary errors carry no field name in
/// kube-openapi, so kube reports them at the root (`<nil>`).
fn validate_junctors(schema: &Schema, id: NodeId, value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let node = schema.resolve(id).node;
    let run = |alt: NodeId| {
        let mut found = Vec::new();
        validate(schema, alt, value, path, &mut found);
        found
    };
    let summary = |message: String| FieldError::invalid("", BadValue::Json(Value::String(String::new())), message);
    let quoted = go_quote(path);
    if !node.all_of.is_empty() {
        let mut validated = 0;
        for alt in &node.all_of {
            let found = run(*alt);
            if found.is_empty() {
                validated += 1;
            }
            errs.extend(found);
        }
        if validated != node.all_of.len() {
            let more = if validated == 0 { ". None validated" } else { "" };
            errs.push(summary(format!("{quoted} must validate all the schemas (allOf){more}")));
        }
    }
    if !node.any_of.is_empty() {
        let results: Vec<Vec<FieldError>> = node.any_of.iter().map(|alt| run(*alt)).collect();
        if !results.iter().any(Vec::is_empty) {
            errs.push(summary(format!("{quoted} must validate at least one schema (anyOf)")));
            if let Some(best) = results.into_iter().min_by_key(Vec::len) {
                errs.extend(best);
            }
        }
    }
    if !node.one_of.is_empty() {
        let results: Vec<Vec<FieldError>> = node.one_of.iter().map(|alt| run(*alt)).collect();
        let validated = results.iter().filter(|r| r.is_empty()).count();
        if validated != 1 {
            let more = if validated == 0 {
                "Found none valid".to_owned()
            } else {
                format!("Found {validated} valid alternatives")
            };
            errs.push(summary(format!("{quoted} must validate one and only one schema (oneOf). {more}")));
            if validated == 0
                && let Some(best) = results.into_iter().min_by_key(Vec::len)
            {
                errs.extend(best);
            }
        }
    }
    if let Some(not) = node.not
        && run(not).is_empty()
    {
        errs.push(summary(format!("{quoted} must not validate the schema (not)")));
    }
}
