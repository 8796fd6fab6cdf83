//! The validation step of admission: unknown fields per `fieldValidation`
//! (Strict fails, Warn warns, Ignore drops silently), schema defaulting
//! and validation of custom resources, ObjectMeta rules, and the CRD
//! rules — each failure reported the way kube-apiserver reports it.

use serde_json::Value;

use super::RequestContext;
use super::admission::Operation;
use crate::error::ApiError;
use crate::registry::Behaviour;
use crate::request::FieldValidation;
use crate::schema::{strict_decoding_error, unknown_field_warnings};
use crate::validation::{
    FieldError, NameRule, causes, validate_crd, validate_crd_update, validate_object_meta, validate_object_meta_update,
};

/// Validates (and defaults and prunes) `new`; returns the warnings to
/// send back.
pub fn validate(
    ctx: &RequestContext,
    operation: Operation,
    old: Option<&Value>,
    new: &mut Value,
) -> Result<Vec<String>, ApiError> {
    let info = &ctx.info;
    let mut warnings = Vec::new();
    let schema = info.compiled_schema().map_err(|err| {
        ApiError::internal(format!("the schema of {} does not compile: {err}", info.group_resource()))
    })?;
    let unknown = schema.prune(new);
    match ctx.options.field_validation {
        FieldValidation::Strict => {
            if let Some(message) = strict_decoding_error(&unknown) {
                return Err(ApiError::bad_request(message));
            }
        }
        FieldValidation::Warn => warnings.extend(unknown_field_warnings(&unknown)),
        FieldValidation::Ignore => {}
    }
    if info.is_custom() {
        schema.apply_defaults(new);
    }

    let mut errors: Vec<FieldError> = Vec::new();
    let empty = Value::Object(Default::default());
    let meta = new.get("metadata").unwrap_or(&empty);
    let name_rule = match info.behaviour {
        Behaviour::Namespace => NameRule::Dns1123Label,
        _ => NameRule::Dns1123Subdomain,
    };
    errors.extend(validate_object_meta(meta, info.namespaced, name_rule, true));
    if operation == Operation::Update
        && let Some(old) = old
    {
        errors.extend(validate_object_meta_update(old.get("metadata").unwrap_or(&empty), meta));
    }
    if info.is_custom() {
        errors.extend(schema.validate(new));
    }
    if info.behaviour == Behaviour::CustomResourceDefinition {
        errors.extend(validate_crd(new));
        if let Some(old) = old {
            errors.extend(validate_crd_update(old, new));
        }
    }
    if errors.is_empty() {
        return Ok(warnings);
    }
    let name = new.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_owned();
    Err(ApiError::invalid(&info.qualified_kind(), &info.group, &info.kind, &name, causes(&errors)))
}
