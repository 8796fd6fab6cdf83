//! `wait --for=...` as kubectl 1.33 reads and checks it: `delete`,
//! `create` (both case-insensitive), `condition=Type[=status]` (names and
//! statuses compared case-insensitively, a condition older than
//! `metadata.generation` not counting), and `jsonpath=EXPR[=value]` where
//! EXPR is a relaxed path, `==` inside filters does not split, the value may
//! be quoted, and the single matched value is compared as Go prints it
//! (`<nil>`, `1.2345675e+06`) after trimming spaces.

use rdd_api::jsonpath::golang::{GoNumber, quote, sprint};
use rdd_api::jsonpath::{JsonPath, JsonPathError, relaxed_expression};
use serde_json::Value;

/// Why a `--for` value is refused or could not be checked; messages are
/// kubectl's (without its `error: ` prefix).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WaitError {
    #[error("unrecognized condition: {0}")]
    Unrecognized(String),
    #[error(
        "jsonpath wait format must be --for=jsonpath='{{.status.readyReplicas}}'=3 or --for=jsonpath='{{.status.readyReplicas}}'"
    )]
    JsonPathFormat,
    #[error("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{{.status.readyReplicas}}'=3")]
    MissingValue,
    #[error("jsonpath expression cannot be empty")]
    EmptyExpression,
    #[error("{0}")]
    JsonPath(#[from] JsonPathError),
    #[error("given jsonpath expression matches more than one list")]
    MoreThanOneList,
    #[error("given jsonpath expression matches more than one value")]
    MoreThanOneValue,
    #[error("jsonpath leads to a nested object or list which is not supported")]
    Nested,
}

/// A parsed `--for` value.
#[derive(Debug, Clone)]
pub enum WaitFor {
    Delete,
    Create,
    Condition { name: String, status: String },
    JsonPath { path: JsonPath, value: String },
}

/// strings.EqualFold, close enough: compares lower-case forms.
fn equal_fold(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Splits `EXPR=value` at single `=`; a `==` stays in the expression.
fn split_jsonpath_input(input: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        let current = parts.last_mut();
        match (c, current) {
            ('=', Some(current)) if chars.peek() == Some(&'=') => {
                chars.next();
                current.push_str("==");
            }
            ('=', _) => parts.push(String::new()),
            (c, Some(current)) => current.push(c),
            (_, None) => {}
        }
    }
    parts
}

impl WaitFor {
    pub fn parse(condition: &str) -> Result<WaitFor, WaitError> {
        let lower = condition.to_lowercase();
        if lower == "delete" {
            return Ok(WaitFor::Delete);
        }
        if lower == "create" {
            return Ok(WaitFor::Create);
        }
        if let Some(rest) = condition.strip_prefix("condition=") {
            let (name, status) = rest.split_once('=').unwrap_or((rest, "true"));
            return Ok(WaitFor::Condition { name: name.to_owned(), status: status.to_owned() });
        }
        if let Some(rest) = condition.strip_prefix("jsonpath=") {
            let parts = split_jsonpath_input(rest);
            if parts.len() > 2 {
                return Err(WaitError::JsonPathFormat);
            }
            let expression = relaxed_expression(&parts[0])?;
            let value = match parts.get(1) {
                None => String::new(),
                Some(value) if value.is_empty() => return Err(WaitError::MissingValue),
                Some(value) => value.trim_matches(['\'', '"']).to_owned(),
            };
            if expression.is_empty() {
                return Err(WaitError::EmptyExpression);
            }
            let path = JsonPath::parse(&expression)?.allow_missing_keys(true);
            return Ok(WaitFor::JsonPath { path, value });
        }
        Err(WaitError::Unrecognized(quote(condition)))
    }

    /// Whether the wait is over given the object as the server has it
    /// (`None`: it does not exist).
    pub fn is_met(&self, object: Option<&Value>) -> Result<bool, WaitError> {
        match (self, object) {
            (WaitFor::Delete, object) => Ok(object.is_none()),
            (WaitFor::Create, object) => Ok(object.is_some()),
            (_, None) => Ok(false),
            (WaitFor::Condition { name, status }, Some(object)) => Ok(condition_met(object, name, status)),
            (WaitFor::JsonPath { path, value }, Some(object)) => jsonpath_met(path, value, object),
        }
    }
}

fn int64(value: Option<&Value>) -> Option<i64> {
    match value {
        Some(Value::Number(n)) => match GoNumber::of(n) {
            GoNumber::Int(i) => Some(i),
            GoNumber::Float(_) => None,
        },
        _ => None,
    }
}

fn condition_met(object: &Value, name: &str, status: &str) -> bool {
    let Some(conditions) = object.pointer("/status/conditions").and_then(Value::as_array) else {
        return false;
    };
    for condition in conditions {
        let Some(kind) = condition.get("type").and_then(Value::as_str) else { continue };
        if !equal_fold(kind, name) {
            continue;
        }
        let Some(actual) = condition.get("status").and_then(Value::as_str) else { continue };
        if let Some(generation) = int64(object.pointer("/metadata/generation")) {
            let observed = int64(condition.get("observedGeneration"))
                .or_else(|| int64(object.pointer("/status/observedGeneration")));
            if observed.is_some_and(|observed| observed < generation) {
                return false;
            }
        }
        return equal_fold(actual, status);
    }
    false
}

fn jsonpath_met(path: &JsonPath, expected: &str, object: &Value) -> Result<bool, WaitError> {
    let results = path.find_results(object)?;
    let Some(first) = results.first().filter(|values| !values.is_empty()) else {
        return Ok(false);
    };
    if results.len() > 1 {
        return Err(WaitError::MoreThanOneList);
    }
    if first.len() > 1 {
        return Err(WaitError::MoreThanOneValue);
    }
    if expected.is_empty() {
        return Ok(true);
    }
    let value = &first[0];
    if value.is_object() || value.is_array() {
        return Err(WaitError::Nested);
    }
    Ok(sprint(value).trim() == expected.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_equals_stay_in_the_expression() {
        assert_eq!(split_jsonpath_input(r#"{.a[?(@.t=="R")].s}=True"#), vec![r#"{.a[?(@.t=="R")].s}"#, "True"]);
        assert_eq!(split_jsonpath_input("{.a}===x"), vec!["{.a}==", "x"]);
        assert_eq!(split_jsonpath_input(""), vec![""]);
        assert_eq!(split_jsonpath_input("{.a}=x="), vec!["{.a}", "x", ""]);
    }
}
