//! The object printers without layout: `-o json` (json.MarshalIndent with
//! four spaces, keys sorted, `<>&` escaped), `-o name` (`kind.group/name`),
//! the `List` kubectl wraps several objects in, and the error type of all
//! printers.

use rdd_api::jsonpath::JsonPathError;
use rdd_api::jsonpath::golang::marshal_indent;
use serde_json::{Value, json};

/// Why an object could not be printed; messages are kubectl's (without its
/// `error: ` prefix).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrintError {
    #[error("custom-columns format specified but no custom columns given")]
    NoCustomColumns,
    #[error("unexpected custom-columns spec: {0}, expected <header>:<json-path-expr>")]
    CustomColumnSpec(String),
    #[error("{0}")]
    JsonPath(#[from] JsonPathError),
    #[error("error parsing jsonpath {template}, {message}\n")]
    JsonPathParse { template: String, message: String },
    #[error(
        "error executing jsonpath {quoted_template}: Error executing template: {message}. Printing more information \
         for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{object}\n\n\n"
    )]
    JsonPathExecute { quoted_template: String, template: String, message: String, object: String },
    #[error("missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() if you know the type")]
    MissingKind,
    #[error("missing kind for resource with name {0}")]
    MissingKindFor(String),
    #[error("invalid Table from the server: {0}")]
    InvalidTable(String),
}

/// `kubectl -o json` of one object (or of a `List`), newline included.
pub fn to_json(value: &Value) -> String {
    let mut text = marshal_indent(value, "    ");
    text.push('\n');
    text
}

/// What kubectl prints for several objects: a `v1` `List`.
pub fn list_of(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// What `--output-watch-events` prints for an event with `-o json|yaml|...`.
pub fn watch_event(event_type: &str, object: &Value) -> Value {
    json!({"type": event_type, "object": object})
}

/// Whether kubectl treats the object as a list (unstructured.IsList).
pub(crate) fn list_items(value: &Value) -> Option<&Vec<Value>> {
    value.get("items").and_then(Value::as_array)
}

/// `kubectl -o name`: one `kind[.group]/name` line per object, the kind in
/// lower case, `operation` (e.g. `created`) appended after a space.
pub fn name_lines(value: &Value, operation: Option<&str>) -> Result<String, PrintError> {
    let mut out = String::new();
    push_names(&mut out, value, operation)?;
    Ok(out)
}

fn push_names(out: &mut String, value: &Value, operation: Option<&str>) -> Result<(), PrintError> {
    if let Some(items) = list_items(value) {
        for item in items {
            push_names(out, item, operation)?;
        }
        return Ok(());
    }
    let api_version = value.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() && kind.is_empty() {
        return Err(PrintError::MissingKind);
    }
    let name = value.pointer("/metadata/name").and_then(Value::as_str).filter(|n| !n.is_empty()).unwrap_or("<unknown>");
    if kind.is_empty() {
        return Err(PrintError::MissingKindFor(name.to_owned()));
    }
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    out.push_str(&kind.to_lowercase());
    if !group.is_empty() {
        out.push('.');
        out.push_str(group);
    }
    out.push('/');
    out.push_str(name);
    if let Some(operation) = operation.filter(|o| !o.is_empty()) {
        out.push(' ');
        out.push_str(operation);
    }
    out.push('\n');
    Ok(())
}
