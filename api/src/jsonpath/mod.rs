//! kubectl's JSONPath template dialect (k8s.io/client-go/util/jsonpath), for
//! CRD printer columns on the API server and for `rdd ctl -o jsonpath`,
//! `-o jsonpath-as-json`, `-o custom-columns` and `wait --for=jsonpath`.
//! Output is byte-identical to kubectl's: strings raw, maps and arrays as
//! compact Go JSON, the values of one action joined by a space, no trailing
//! newline. `JsonPath::parse` takes a full template (`{.a} and {.b}`),
//! `JsonPath::parse_relaxed` the bare paths custom columns and printer
//! columns accept (`.a.b`, `a.b`, `{a.b}`).

mod eval;
pub mod golang;
mod parser;

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use eval::{Executor, Item};
use parser::Node;

/// Why a template could not be parsed or evaluated; the message is
/// client-go's, which kubectl shows after its own prefix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonPathError {
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Execute(String),
    #[error(
        "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{{name1.name2}}' or '{{.name1.name2}}'"
    )]
    Relaxed,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    nodes: Vec<Node>,
    allow_missing_keys: bool,
}

static RELAXED: LazyLock<Regex> = LazyLock::new(|| {
    // kubectl's jsonRegexp; a constant pattern, so compiling cannot fail.
    Regex::new(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$").expect("constant regex")
});

/// kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` and
/// `{.a.b}` all become `{.a.b}`; the empty string stays empty.
pub fn relaxed_expression(expression: &str) -> Result<String, JsonPathError> {
    if expression.is_empty() {
        return Ok(String::new());
    }
    let caps = RELAXED.captures(expression).ok_or(JsonPathError::Relaxed)?;
    let spec = caps.get(1).or_else(|| caps.get(2)).map_or("", |m| m.as_str());
    Ok(format!("{{.{spec}}}"))
}

/// One result printed the way `kubectl -o jsonpath` prints it: strings raw,
/// numbers and booleans as Go prints them, maps, arrays and null as
/// compact JSON.
pub fn format_value(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) | Value::Null => golang::marshal_compact(value),
        other => golang::sprint(other),
    }
}

impl JsonPath {
    /// Parses a template such as `{range .items[*]}{.metadata.name}{"\n"}{end}`.
    /// Missing keys are errors until [`JsonPath::allow_missing_keys`].
    pub fn parse(template: &str) -> Result<JsonPath, JsonPathError> {
        Ok(JsonPath { nodes: parser::parse(template)?, allow_missing_keys: false })
    }

    /// Parses a custom-columns or printer-column path (`.status.phase`).
    pub fn parse_relaxed(expression: &str) -> Result<JsonPath, JsonPathError> {
        JsonPath::parse(&relaxed_expression(expression)?)
    }

    /// With `true`, a missing field yields no value instead of
    /// `"x is not found"` (kubectl's `get -o jsonpath` and custom columns).
    pub fn allow_missing_keys(mut self, allow: bool) -> JsonPath {
        self.allow_missing_keys = allow;
        self
    }

    fn results<'a>(&self, data: &'a Value) -> Result<Vec<Vec<Item<'a>>>, JsonPathError> {
        Executor::new(&self.nodes, self.allow_missing_keys).find_results(Item::Value(Cow::Borrowed(data)), 0)
    }

    /// The values each text and action of the template produced, in order
    /// (client-go's FindResults): what printer cells and `wait` compare.
    pub fn find_results(&self, data: &Value) -> Result<Vec<Vec<Value>>, JsonPathError> {
        Ok(self
            .results(data)?
            .into_iter()
            .map(|list| {
                list.into_iter()
                    .map(|item| match item {
                        Item::Value(v) => v.into_owned(),
                        Item::Invalid => Value::Null,
                    })
                    .collect()
            })
            .collect())
    }

    /// The template's text output, as `kubectl get -o jsonpath=...` prints it.
    pub fn execute(&self, data: &Value) -> Result<String, JsonPathError> {
        let mut out = String::new();
        for list in self.results(data)? {
            for (i, item) in list.iter().enumerate() {
                match item {
                    Item::Value(v) => out.push_str(&format_value(v)),
                    Item::Invalid => out.push_str("<no value>"),
                }
                if i + 1 != list.len() {
                    out.push(' ');
                }
            }
        }
        Ok(out)
    }

    /// `kubectl -o jsonpath-as-json=...`: each text and action's values as
    /// an indented JSON array followed by a newline.
    pub fn execute_json(&self, data: &Value) -> Result<String, JsonPathError> {
        let mut out = String::new();
        for list in self.find_results(data)? {
            out.push_str(&golang::marshal_indent(&Value::Array(list), "    "));
            out.push('\n');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
