//! `-o jsonpath=...` and `-o jsonpath-as-json=...`: the template engine of
//! `rdd_api::jsonpath` with kubectl's printer around it, including its
//! error texts (which end in newlines exactly like kubectl's, so a caller
//! that prints `error: ` + message + a newline only when missing, as
//! kubectl's CheckErr does, writes the same stderr).

use rdd_api::jsonpath::golang::{quote, sharp_v};
use rdd_api::jsonpath::{JsonPath, JsonPathError};
use serde_json::Value;

use super::printers::PrintError;

/// A parsed `-o jsonpath` template.
#[derive(Debug, Clone)]
pub struct JsonPathPrinter {
    template: String,
    path: JsonPath,
    as_json: bool,
}

impl JsonPathPrinter {
    /// `allow_missing_keys` is kubectl's `--allow-missing-template-keys`
    /// (default true for `get`).
    pub fn new(template: &str, as_json: bool, allow_missing_keys: bool) -> Result<JsonPathPrinter, PrintError> {
        let path = JsonPath::parse(template)
            .map_err(|err| PrintError::JsonPathParse { template: template.to_owned(), message: err.to_string() })?;
        Ok(JsonPathPrinter {
            template: template.to_owned(),
            path: path.allow_missing_keys(allow_missing_keys),
            as_json,
        })
    }

    /// The text kubectl prints for `object` (no newline is added).
    pub fn print(&self, object: &Value) -> Result<String, PrintError> {
        let result = if self.as_json { self.path.execute_json(object) } else { self.path.execute(object) };
        result.map_err(|err: JsonPathError| PrintError::JsonPathExecute {
            quoted_template: quote(&self.template),
            template: self.template.clone(),
            message: err.to_string(),
            object: sharp_v(object),
        })
    }
}
