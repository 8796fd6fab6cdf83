//! One version of a CustomResourceDefinition, validated as kube's
//! apiextensions-apiserver does: deprecation warning, schema (see
//! [`crate::schema::structural`]), scale subresource, printer columns and
//! selectable fields.

use serde_json::Value;

use super::crd::str_at;
use super::field::{BadValue, FieldError, child, index};
use crate::schema::structural::{selectable_field, validate_crd_schema};

const PRINTER_COLUMN_TYPES: &str = "boolean,date,integer,number,string";
const PRINTER_COLUMN_FORMATS: &str = "byte,date,date-time,double,float,int32,int64,password";
const MAX_SELECTABLE_FIELDS: u64 = 8;

/// Validates `spec.versions[i]` at `path`.
pub(super) fn validate_version(version: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let deprecated = version.get("deprecated").and_then(Value::as_bool) == Some(true);
    if let Some(warning) = version.get("deprecationWarning").and_then(Value::as_str) {
        let warning_path = child(path, "deprecationWarning");
        let mut problems = Vec::new();
        if !deprecated {
            problems.push("can only be set for deprecated versions".to_owned());
        } else {
            if warning.len() > 256 {
                problems.push("must be <= 256 characters long".to_owned());
            }
            if warning.is_empty() {
                problems.push("must not be an empty string".to_owned());
            }
            if let Some((i, _)) = warning.char_indices().find(|(_, c)| c.is_control()) {
                problems.push(format!(
                    "must only contain printable UTF-8 characters; non-printable character found at index {i}"
                ));
            }
        }
        for problem in problems {
            errs.push(FieldError::invalid_str(&warning_path, warning, problem));
        }
    }
    let status_enabled = version.pointer("/subresources/status").is_some_and(|s| !s.is_null());
    let schema = version.pointer("/schema/openAPIV3Schema").filter(|s| !s.is_null());
    if let Some(schema) = schema {
        errs.extend(validate_crd_schema(schema, &format!("{path}.schema.openAPIV3Schema"), status_enabled));
    }
    validate_scale(version.pointer("/subresources/scale"), &child(path, "subresources"), errs);
    for (i, column) in
        version.get("additionalPrinterColumns").and_then(Value::as_array).into_iter().flatten().enumerate()
    {
        validate_printer_column(column, &index(&child(path, "additionalPrinterColumns"), i), errs);
    }
    let selectable: &[Value] =
        version.get("selectableFields").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if !selectable.is_empty() {
        let fields_path = child(path, "selectableFields");
        let Some(schema) = schema else {
            errs.push(FieldError::invalid_str(
                &fields_path,
                "",
                "selectableFields may only be set when version.schema.openAPIV3Schema is not included",
            ));
            return;
        };
        let mut unique: Vec<&str> = Vec::new();
        for (i, field) in selectable.iter().enumerate() {
            let json_path_path = child(&index(&fields_path, i), "jsonPath");
            let json_path = str_at(field, "/jsonPath");
            if json_path.is_empty() {
                errs.push(FieldError::required(json_path_path, ""));
                continue;
            }
            if let Err(why) = selectable_field(schema, json_path) {
                let invalid_path = why.starts_with("is an invalid path");
                errs.push(FieldError::invalid_str(&json_path_path, json_path, why));
                if invalid_path {
                    continue;
                }
            }
            if unique.contains(&json_path) {
                errs.push(FieldError::duplicate(json_path_path, BadValue::Json(Value::String(json_path.to_owned()))));
            } else {
                unique.push(json_path);
            }
        }
        if unique.len() as u64 > MAX_SELECTABLE_FIELDS {
            errs.push(FieldError::too_many(fields_path, Some(unique.len() as u64), Some(MAX_SELECTABLE_FIELDS)));
        }
    }
}

fn validate_simple_json_path(value: &str, path: &str, errs: &mut Vec<FieldError>) -> bool {
    if value.is_empty() {
        errs.push(FieldError::invalid_str(path, value, "must not be empty"));
        false
    } else if !value.starts_with('.') {
        errs.push(FieldError::invalid_str(path, value, "must be a simple json path starting with ."));
        false
    } else {
        true
    }
}

fn validate_printer_column(column: &Value, path: &str, errs: &mut Vec<FieldError>) {
    if str_at(column, "/name").is_empty() {
        errs.push(FieldError::required(child(path, "name"), ""));
    }
    let ty = str_at(column, "/type");
    if ty.is_empty() {
        errs.push(FieldError::required(child(path, "type"), format!("must be one of {PRINTER_COLUMN_TYPES}")));
    } else if !PRINTER_COLUMN_TYPES.split(',').any(|t| t == ty) {
        errs.push(FieldError::invalid_str(child(path, "type"), ty, format!("must be one of {PRINTER_COLUMN_TYPES}")));
    }
    let format = str_at(column, "/format");
    if !format.is_empty() && !PRINTER_COLUMN_FORMATS.split(',').any(|f| f == format) {
        errs.push(FieldError::invalid_str(
            child(path, "format"),
            format,
            format!("must be one of {PRINTER_COLUMN_FORMATS}"),
        ));
    }
    // kube names the field by its internal Go name here.
    let json_path = str_at(column, "/jsonPath");
    if json_path.is_empty() {
        errs.push(FieldError::required(child(path, "JSONPath"), ""));
    } else {
        validate_simple_json_path(json_path, &child(path, "JSONPath"), errs);
    }
}

fn validate_scale(scale: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(scale) = scale.filter(|s| !s.is_null()) else { return };
    for (field, prefix, under) in [
        ("specReplicasPath", ".spec.", "should be a json path under .spec"),
        ("statusReplicasPath", ".status.", "should be a json path under .status"),
    ] {
        let value = str_at(scale, &format!("/{field}"));
        let field_path = format!("{path}.scale.{field}");
        if value.is_empty() {
            errs.push(FieldError::required(field_path, ""));
        } else if validate_simple_json_path(value, &field_path, errs) && !value.starts_with(prefix) {
            errs.push(FieldError::invalid_str(field_path, value, under));
        }
    }
    let selector = str_at(scale, "/labelSelectorPath");
    let selector_path = format!("{path}.scale.labelSelectorPath");
    if !selector.is_empty()
        && validate_simple_json_path(selector, &selector_path, errs)
        && !selector.starts_with(".spec.")
        && !selector.starts_with(".status.")
    {
        errs.push(FieldError::invalid_str(
            selector_path,
            selector,
            "should be a json path under either .spec or .status",
        ));
    }
}
