//! The validation step of admission: the nesting limit, the typed form of
//! built-in kinds (Go's decoding errors, `validation::go_decode`), unknown
//! fields per `fieldValidation` (Strict fails, Warn warns, Ignore drops
//! silently), schema defaulting and validation of
//! custom resources, ObjectMeta rules, and the CRD rules — each failure
//! reported the way kube-apiserver reports it.

use serde_json::Value;

use super::RequestContext;
use super::admission::Operation;
use crate::error::ApiError;
use crate::registry::{Behaviour, ResourceInfo};
use crate::request::FieldValidation;
use crate::schema::{strict_decoding_error, unknown_field_warnings};
use crate::validation::{
    FieldError, NameRule, causes, go_decode, validate_crd, validate_crd_update, validate_object_meta,
    validate_object_meta_update,
};

/// Deepest nesting of arrays and objects an object may have. Every stored
/// object must decode again with serde_json, which stops at 128 levels,
/// also inside a list (two more levels) or a watch event (one more); a
/// patch can nest a body's value under a path and so go beyond what any
/// one body can. No Kubernetes object comes near this.
pub const MAX_NESTING: usize = 100;

/// Whether `value` nests arrays and objects more than `limit` levels deep.
fn nested_deeper_than(value: &Value, limit: usize) -> bool {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(map) => Box::new(map.values()),
        _ => return false,
    };
    if limit == 0 {
        return true;
    }
    children.into_iter().any(|child| nested_deeper_than(child, limit - 1))
}

/// kube's `transformDecodeError`: the kind and version the body names,
/// the kind it had to be, and the decoder's error.
fn cannot_be_handled(info: &ResourceInfo, body: &Value, detail: &str) -> ApiError {
    let kind = body.get("kind").and_then(Value::as_str).filter(|k| !k.is_empty()).unwrap_or(&info.kind);
    let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or(&info.version);
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    ApiError::bad_request(format!("{kind} in version {version:?} cannot be handled as a {}: {detail}", info.kind))
}

/// Validates (and defaults and prunes) `new`; returns the warnings to
/// send back.
pub fn validate(
    ctx: &RequestContext,
    operation: Operation,
    old: Option<&Value>,
    new: &mut Value,
) -> Result<Vec<String>, ApiError> {
    let info = &ctx.info;
    if nested_deeper_than(new, MAX_NESTING) {
        return Err(ApiError::bad_request(format!(
            "the object nests arrays and objects more than {MAX_NESTING} levels deep"
        )));
    }
    // Go's decoding comes first in kube: a wrong type is a hard error, before
    // unknown fields are looked at.
    if let Some(check) = info.typed_check {
        let go_error = go_decode::unmarshal_error(&info.schema, &info.schema_name, &info.schema_definitions, new);
        if let Some(detail) = go_error.or_else(|| check(new).err()) {
            return Err(cannot_be_handled(info, new, &detail));
        }
    }
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
    if let Some(rules) = info.kind_rules {
        errors.extend(rules(new));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        (1..levels).fold(json!({}), |inner, i| if i % 2 == 0 { json!([inner]) } else { json!({"a": inner}) })
    }

    #[test]
    fn nesting_is_counted_in_arrays_and_objects() {
        assert!(!nested_deeper_than(&json!("scalar"), 0));
        assert!(!nested_deeper_than(&json!({}), 1));
        assert!(nested_deeper_than(&json!({"a": {}}), 1));
        assert!(!nested_deeper_than(&nested(MAX_NESTING), MAX_NESTING));
        assert!(nested_deeper_than(&nested(MAX_NESTING + 1), MAX_NESTING));
        // What the limit protects: the deepest accepted object, inside a
        // list, decodes again.
        let list = serde_json::to_string(&json!({"items": [nested(MAX_NESTING)]})).unwrap();
        assert!(serde_json::from_str::<Value>(&list).is_ok());
    }
}
