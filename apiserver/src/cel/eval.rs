//! Runs compiled rules over an object: walks the object along the rule
//! tree, binds `self` (and `oldSelf`, correlated the way kube does it) at
//! every node that has rules, and turns false results and evaluation
//! errors into kube's field errors.

use serde_json::Value;

use super::compile::{Node, Reason, Rule, Validator};
use super::convert::{optional, self_value};
use crate::validation::field::{child, index, key};
use crate::validation::{BadValue, FieldError};

/// kube's cap on an evaluated messageExpression (`MaxEvaluatedMessageExpressionSizeBytes`).
const MAX_MESSAGE_BYTES: usize = 5 * 1024;

impl Validator {
    /// Evaluates every rule against `new` (and, for transition rules,
    /// `old`, the stored object on update); returns the failures.
    pub fn validate(&self, new: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        validate_node(&self.root, "", new, old, &mut errors);
        errors
    }
}

fn validate_node(node: &Node, path: &str, new: &Value, old: Option<&Value>, errors: &mut Vec<FieldError>) {
    // kube validates only non-null values; rules about presence belong to
    // the enclosing object.
    if new.is_null() {
        return;
    }
    let old = old.filter(|o| !o.is_null());
    if !node.rules.is_empty() {
        evaluate_rules(node, path, new, old, errors);
    }
    match new {
        Value::Object(map) => {
            for (name, value) in map {
                let old_value = old.and_then(|o| o.get(name));
                if let Some(sub) = node.properties.get(name) {
                    validate_node(sub, &child(path, name), value, old_value, errors);
                }
                if let Some(sub) = &node.additional
                    && !node.properties.contains_key(name)
                {
                    validate_node(sub, &key(path, name), value, old_value, errors);
                }
            }
        }
        Value::Array(items) => {
            let Some(sub) = &node.items else { return };
            let old_items = old.and_then(Value::as_array);
            for (i, item) in items.iter().enumerate() {
                let old_item = match (&node.list_map_keys, old_items) {
                    (Some(keys), Some(old_items)) => old_items.iter().find(|o| same_keys(keys, item, o)),
                    _ => None,
                };
                validate_node(sub, &index(path, i), item, old_item, errors);
            }
        }
        _ => {}
    }
}

fn same_keys(keys: &[String], a: &Value, b: &Value) -> bool {
    keys.iter().all(|k| a.get(k) == b.get(k))
}

fn evaluate_rules(node: &Node, path: &str, new: &Value, old: Option<&Value>, errors: &mut Vec<FieldError>) {
    let env = super::environment();
    let self_cel = self_value(new, node.resource_root);
    let old_cel = old.map(|o| self_value(o, node.resource_root));
    for rule in &node.rules {
        if rule.uses_old_self && old_cel.is_none() && !rule.optional_old_self {
            continue;
        }
        let mut context = cel::Context::with_env(env.clone());
        context.add_variable_from_value("self", self_cel.clone());
        if rule.optional_old_self {
            context.add_variable_from_value("oldSelf", optional(old_cel.clone()));
        } else if let Some(old_cel) = &old_cel {
            context.add_variable_from_value("oldSelf", old_cel.clone());
        }
        let bad_value = BadValue::Json(Value::String(node.schema_type.clone()));
        match rule.program.execute(&context) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => {
                let error_path = if rule.field_path.is_empty() {
                    path.to_owned()
                } else if rule.field_path.starts_with('[') {
                    format!("{path}{}", rule.field_path)
                } else {
                    child(path, &rule.field_path)
                };
                let detail = rule
                    .message_expression
                    .as_ref()
                    .and_then(|program| evaluate_message(program, &context, rule))
                    .unwrap_or_else(|| message_or_default(rule));
                errors.push(match rule.reason {
                    Reason::Invalid => FieldError::invalid(error_path, bad_value, detail),
                    Reason::Forbidden => FieldError::forbidden(error_path, detail),
                    Reason::Required => FieldError::required(error_path, detail),
                    Reason::Duplicate => FieldError::duplicate(error_path, bad_value),
                });
            }
            Ok(other) => errors.push(FieldError::invalid(
                path,
                bad_value,
                format!(
                    "rule evaluated to {}, not a bool, evaluating rule: {}",
                    other.type_of(),
                    rule_error_string(rule)
                ),
            )),
            Err(err) => {
                let text = go_error(&err);
                let detail = if text.starts_with("no such overload") {
                    format!(
                        "'{text}': call arguments did not match a supported operator, function or macro signature for rule: {}",
                        rule_error_string(rule)
                    )
                } else {
                    format!("{text} evaluating rule: {}", rule_error_string(rule))
                };
                errors.push(FieldError::invalid(path, bad_value, detail));
            }
        }
    }
}

/// The message a messageExpression computes; `None` (use the rule's
/// message) when it fails or yields nothing usable, as kube does.
fn evaluate_message(program: &cel::Program, context: &cel::Context, rule: &Rule) -> Option<String> {
    match program.execute(context) {
        Ok(cel::Value::String(s)) => {
            let trimmed = s.trim();
            if trimmed.is_empty() || trimmed.contains('\n') || trimmed.len() > MAX_MESSAGE_BYTES {
                tracing::debug!(rule = %rule.source, "messageExpression gave an empty, multi-line or too long message");
                None
            } else {
                Some(trimmed.to_owned())
            }
        }
        Ok(_) => None,
        Err(err) => {
            tracing::debug!(rule = %rule.source, error = %err, "messageExpression evaluation failed");
            None
        }
    }
}

/// kube's `ruleMessageOrDefault`.
fn message_or_default(rule: &Rule) -> String {
    if rule.message.is_empty() { format!("failed rule: {}", rule_error_string(rule)) } else { rule.message.clone() }
}

/// kube's `ruleErrorString`.
fn rule_error_string(rule: &Rule) -> String {
    if rule.message.is_empty() { rule.source.trim().to_owned() } else { rule.message.clone() }
}

/// An evaluation error in cel-go's words where they differ.
fn go_error(err: &cel::ExecutionError) -> String {
    match err {
        cel::ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        cel::ExecutionError::NoSuchOverload(_) => "no such overload".to_owned(),
        cel::ExecutionError::DivisionByZero(_) => "division by zero".to_owned(),
        cel::ExecutionError::RemainderByZero(_) => "modulus by zero".to_owned(),
        cel::ExecutionError::Overflow(..) => "integer overflow".to_owned(),
        cel::ExecutionError::IndexOutOfBounds(i) => format!("index out of bounds: {}", to_json_ish(i)),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

fn to_json_ish(value: &cel::Value) -> String {
    match value {
        cel::Value::Int(i) => i.to_string(),
        cel::Value::UInt(u) => u.to_string(),
        other => format!("{other:?}"),
    }
}
