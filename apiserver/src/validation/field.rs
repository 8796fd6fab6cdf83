//! Field-level validation errors, shared by schema validation and
//! ObjectMeta/CRD validation, printed exactly like kube's
//! `field.Error.Error()` (`<path>: <type>[: <value>][: <detail>]`) with
//! kube's cause reasons, plus the field path builders kube uses
//! (`a.b`, `a[0]`, `a[key]`).

use std::fmt;

use serde_json::Value;

use crate::error::Cause;

/// The kind of a field error: kube's `field.ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldErrorKind {
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
    TypeInvalid,
}

impl FieldErrorKind {
    /// The cause type a `metav1.Status` carries (`FieldValueRequired`, ...).
    pub fn reason(self) -> &'static str {
        match self {
            FieldErrorKind::NotFound => "FieldValueNotFound",
            FieldErrorKind::Required => "FieldValueRequired",
            FieldErrorKind::Duplicate => "FieldValueDuplicate",
            FieldErrorKind::Invalid => "FieldValueInvalid",
            FieldErrorKind::NotSupported => "FieldValueNotSupported",
            FieldErrorKind::Forbidden => "FieldValueForbidden",
            FieldErrorKind::TooLong => "FieldValueTooLong",
            FieldErrorKind::TooMany => "FieldValueTooMany",
            FieldErrorKind::Internal => "InternalError",
            FieldErrorKind::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// The canonical text kube prints for the kind.
    pub fn text(self) -> &'static str {
        match self {
            FieldErrorKind::NotFound => "Not found",
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Duplicate => "Duplicate value",
            FieldErrorKind::Invalid | FieldErrorKind::TypeInvalid => "Invalid value",
            FieldErrorKind::NotSupported => "Unsupported value",
            FieldErrorKind::Forbidden => "Forbidden",
            FieldErrorKind::TooLong => "Too long",
            FieldErrorKind::TooMany => "Too many",
            FieldErrorKind::Internal => "Internal error",
        }
    }
}

/// The offending value of a field error, rendered the way Go's
/// `ErrorBody` renders the Go value kube would hold.
#[derive(Clone, Debug, PartialEq)]
pub enum BadValue {
    /// Not printed (kube's `omitValue`).
    Omit,
    /// A JSON value: strings Go-quoted (`null` prints as `"null"`), numbers
    /// and booleans plain, arrays and objects as compact JSON.
    Json(Value),
    /// Printed verbatim: Go syntax kube prints for values it holds as Go
    /// types (`[]string{"a"}`, times, ...).
    Raw(String),
}

impl BadValue {
    fn render(&self) -> Option<String> {
        match self {
            BadValue::Omit => None,
            BadValue::Raw(raw) => Some(raw.clone()),
            BadValue::Json(value) => Some(match value {
                Value::Null => go_quote("null"),
                Value::String(s) => go_quote(s),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => go_number(n),
                compound => compound.to_string(),
            }),
        }
    }
}

/// One field-level validation error.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// kube's field path, e.g. `spec.ports[0].name` or `metadata.labels`;
    /// empty for the object itself (printed `<nil>`, as kube does).
    pub path: String,
    pub kind: FieldErrorKind,
    pub bad_value: BadValue,
    pub detail: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, kind: FieldErrorKind, bad_value: BadValue, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind, bad_value, detail: detail.into() }
    }

    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Required, BadValue::Omit, detail)
    }

    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Forbidden, BadValue::Omit, detail)
    }

    pub fn invalid(path: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Invalid, value, detail)
    }

    /// `Invalid value` for a string value.
    pub fn invalid_str(path: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        Self::invalid(path, BadValue::Json(Value::String(value.to_owned())), detail)
    }

    pub fn type_invalid(path: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::TypeInvalid, value, detail)
    }

    pub fn duplicate(path: impl Into<String>, value: BadValue) -> Self {
        Self::new(path, FieldErrorKind::Duplicate, value, "")
    }

    /// `Unsupported value: <v>: supported values: "a", "b"`.
    pub fn not_supported<S: AsRef<str>>(path: impl Into<String>, value: BadValue, supported: &[S]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| go_quote(s.as_ref())).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(path, FieldErrorKind::NotSupported, value, detail)
    }

    /// `Too long: may not be more than <max> bytes` (the value is never printed).
    pub fn too_long(path: impl Into<String>, max: Option<u64>) -> Self {
        let detail = match max {
            Some(max) => format!("may not be more than {max} bytes"),
            None => "value is too long".to_owned(),
        };
        Self::new(path, FieldErrorKind::TooLong, BadValue::Omit, detail)
    }

    /// `Too many: <actual>: must have at most <max> items`.
    pub fn too_many(path: impl Into<String>, actual: Option<u64>, max: Option<u64>) -> Self {
        let detail = match max {
            Some(max) => format!("must have at most {max} items"),
            None => "too many items".to_owned(),
        };
        let value = actual.map_or(BadValue::Omit, |n| BadValue::Json(Value::from(n)));
        Self::new(path, FieldErrorKind::TooMany, value, detail)
    }

    pub fn internal(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(path, FieldErrorKind::Internal, BadValue::Omit, detail)
    }

    /// kube's cause type for this error.
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }

    /// The message without the field path (kube's `ErrorBody()`).
    pub fn body(&self) -> String {
        let omit = matches!(
            self.kind,
            FieldErrorKind::Required | FieldErrorKind::Forbidden | FieldErrorKind::TooLong | FieldErrorKind::Internal
        );
        let mut body = self.kind.text().to_owned();
        if !omit && let Some(value) = self.bad_value.render() {
            body.push_str(": ");
            body.push_str(&value);
        }
        if !self.detail.is_empty() {
            body.push_str(": ");
            body.push_str(&self.detail);
        }
        body
    }

    /// The `(full message, cause)` pair `ApiError::invalid` takes.
    pub fn to_cause(&self) -> (String, Cause) {
        (self.to_string(), Cause { reason: self.reason().to_owned(), message: self.body(), field: self.path.clone() })
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // kube prints the empty (root) path as "<nil>".
        let path = if self.path.is_empty() { "<nil>" } else { &self.path };
        write!(f, "{path}: {}", self.body())
    }
}

/// Causes for `ApiError::invalid`, without repeated messages (kube's
/// `ErrorList.ToAggregate` drops exact duplicates).
pub fn causes(errors: &[FieldError]) -> Vec<(String, Cause)> {
    let mut seen = std::collections::HashSet::new();
    errors.iter().map(FieldError::to_cause).filter(|(message, _)| seen.insert(message.clone())).collect()
}

/// `path.name` (kube's `Path.Child`).
pub fn child(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
}

/// `path[i]` (kube's `Path.Index`).
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// `path[key]` (kube's `Path.Key`).
pub fn key(path: &str, key: &str) -> String {
    format!("{path}[{key}]")
}

/// Go's `strconv.Quote` (what `%q` prints): one implementation for the
/// whole workspace, shared with kubectl-style output.
pub use rdd_api::jsonpath::golang::quote as go_quote;

/// A JSON number as Go's `%v` prints the `int64` or `float64` kube decodes
/// it into.
pub fn go_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    go_float(n.as_f64().unwrap_or_default())
}

/// Go's `%v` of a float64 (shortest representation, exponent from 1e21).
pub fn go_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else if f.is_finite() && f.abs() >= 1e21 {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp:0>2}"),
            _ => s,
        }
    } else {
        f.to_string()
    }
}

/// Go's `%#v` of a `[]string`, e.g. `[]string{"a", "b"}`.
pub fn go_string_slice<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s.as_ref())).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// Go's `%#v` of a `map[string]interface{}` holding JSON scalars, e.g.
/// `map[string]interface {}{"type":"Ready"}` (keys sorted, as Go prints maps).
pub fn go_interface_map(map: &serde_json::Map<String, Value>) -> String {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    let entries: Vec<String> = keys
        .into_iter()
        .map(|k| {
            let value = match &map[k] {
                Value::String(s) => go_quote(s),
                Value::Number(n) => go_number(n),
                Value::Bool(b) => b.to_string(),
                Value::Null => "interface {}(nil)".to_owned(),
                other => other.to_string(),
            };
            format!("{}:{}", go_quote(k), value)
        })
        .collect();
    format!("map[string]interface {{}}{{{}}}", entries.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_strings_match_kube() {
        let cases: Vec<(FieldError, &str, &str)> = vec![
            (FieldError::required("spec.running", ""), "spec.running: Required value", "FieldValueRequired"),
            (
                FieldError::required("metadata.name", "name or generateName is required"),
                "metadata.name: Required value: name or generateName is required",
                "FieldValueRequired",
            ),
            (
                FieldError::not_supported(
                    "spec.containerEngine.name",
                    BadValue::Json(json!("x")),
                    &["moby", "containerd"],
                ),
                r#"spec.containerEngine.name: Unsupported value: "x": supported values: "moby", "containerd""#,
                "FieldValueNotSupported",
            ),
            (
                FieldError::invalid_str("metadata.name", "b", "field is immutable"),
                r#"metadata.name: Invalid value: "b": field is immutable"#,
                "FieldValueInvalid",
            ),
            (
                FieldError::too_long("metadata.annotations", Some(262144)),
                "metadata.annotations: Too long: may not be more than 262144 bytes",
                "FieldValueTooLong",
            ),
            (
                FieldError::too_many("spec.items", Some(4), Some(3)),
                "spec.items: Too many: 4: must have at most 3 items",
                "FieldValueTooMany",
            ),
            (
                FieldError::forbidden("metadata.namespace", "not allowed on this type"),
                "metadata.namespace: Forbidden: not allowed on this type",
                "FieldValueForbidden",
            ),
            (
                FieldError::duplicate(
                    "spec.ports[1]",
                    BadValue::Raw(go_interface_map(json!({"name": "80/tcp"}).as_object().unwrap())),
                ),
                r#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"80/tcp"}"#,
                "FieldValueDuplicate",
            ),
            (
                FieldError::type_invalid(
                    "spec.running",
                    BadValue::Json(json!("string")),
                    "spec.running in body must be of type boolean: \"string\"",
                ),
                r#"spec.running: Invalid value: "string": spec.running in body must be of type boolean: "string""#,
                "FieldValueTypeInvalid",
            ),
            (
                FieldError::invalid(
                    "spec.n",
                    BadValue::Json(json!(11)),
                    "spec.n in body should be less than or equal to 10",
                ),
                "spec.n: Invalid value: 11: spec.n in body should be less than or equal to 10",
                "FieldValueInvalid",
            ),
            (
                FieldError::invalid("spec.x", BadValue::Json(Value::Null), "bad"),
                r#"spec.x: Invalid value: "null": bad"#,
                "FieldValueInvalid",
            ),
        ];
        for (err, text, reason) in cases {
            assert_eq!(err.to_string(), text);
            assert_eq!(err.reason(), reason);
            let (full, cause) = err.to_cause();
            assert_eq!(full, text);
            assert_eq!(format!("{}: {}", cause.field, cause.message), text);
        }
    }

    #[test]
    fn go_renderings() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\x01é""#);
        assert_eq!(go_float(10.0), "10");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_string_slice(&["a", "b"]), r#"[]string{"a", "b"}"#);
        assert_eq!(
            go_interface_map(json!({"b": 1, "a": "x"}).as_object().unwrap()),
            r#"map[string]interface {}{"a":"x", "b":1}"#
        );
        assert_eq!(
            (child("", "spec"), index("spec.a", 2), key("m", "k")),
            ("spec".into(), "spec.a[2]".into(), "m[k]".into())
        );
    }

    #[test]
    fn causes_drop_repeated_messages() {
        let errs = vec![FieldError::required("a", ""), FieldError::required("a", ""), FieldError::required("b", "")];
        assert_eq!(causes(&errs).len(), 2);
    }
}
