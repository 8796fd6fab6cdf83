//! Cells of a custom resource's `additionalPrinterColumns`, as kube's CRD
//! table convertor makes them: the column's JSONPath evaluated with
//! missing keys allowed; `string` columns printed the way kubectl's
//! JSONPath prints a value, other types converted to the column's JSON
//! type (`date` becomes an age such as `5m`), anything else `null`.

use jiff::Timestamp;
use rdd_api::jsonpath::{JsonPath, format_value};
use serde_json::{Value, json};

/// A printer column, its JSONPath parsed once for all the rows of a Table.
pub struct Column<'a> {
    /// `None` when the path does not parse: every cell is then `null`.
    path: Option<JsonPath>,
    column_type: &'a str,
}

impl<'a> Column<'a> {
    pub fn new(json_path: &str, column_type: &'a str) -> Self {
        let path = JsonPath::parse_relaxed(json_path).ok().map(|path| path.allow_missing_keys(true));
        Column { path, column_type }
    }

    /// The cell of `object` in this column.
    pub fn cell(&self, object: &Value, now: Timestamp) -> Value {
        let Some(path) = &self.path else { return Value::Null };
        let value = match path.find_results(object) {
            Ok(results) => match results.into_iter().next().and_then(|list| list.into_iter().next()) {
                Some(value) => value,
                None => return Value::Null,
            },
            Err(_) => return Value::Null,
        };
        if value.is_null() {
            return Value::Null;
        }
        match self.column_type {
            "string" => json!(format_value(&value)),
            "integer" => value.as_i64().or_else(|| value.as_f64().map(|f| f as i64)).map_or(Value::Null, |i| json!(i)),
            "number" => value.as_f64().map_or(Value::Null, |f| json!(f)),
            "boolean" => value.as_bool().map_or(Value::Null, |b| json!(b)),
            "date" => match value.as_str() {
                Some(text) => match text.parse::<Timestamp>() {
                    Ok(t) => json!(rdd_api::duration::human_duration(now.as_second() - t.as_second())),
                    Err(_) => json!("<invalid>"),
                },
                None => Value::Null,
            },
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-01-01T00:10:00Z".parse().unwrap()
    }

    fn cell(json_path: &str, column_type: &str, object: &Value, now: Timestamp) -> Value {
        Column::new(json_path, column_type).cell(object, now)
    }

    #[test]
    fn cells_follow_the_column_type() {
        let object = json!({"status": {"repoTag": "busybox:1", "size": 1234, "ok": true, "ratio": 1.5, "labels": {"a": "b"}},
            "metadata": {"creationTimestamp": "2026-01-01T00:05:00Z"}});
        assert_eq!(cell(".status.repoTag", "string", &object, now()), json!("busybox:1"));
        assert_eq!(cell(".status.size", "integer", &object, now()), json!(1234));
        assert_eq!(cell(".status.size", "string", &object, now()), json!("1234"));
        assert_eq!(cell(".status.ok", "boolean", &object, now()), json!(true));
        assert_eq!(cell(".status.ratio", "number", &object, now()), json!(1.5));
        assert_eq!(cell(".status.labels", "string", &object, now()), json!(r#"{"a":"b"}"#));
        assert_eq!(cell(".metadata.creationTimestamp", "date", &object, now()), json!("5m"));
        assert_eq!(cell(".status.missing", "string", &object, now()), Value::Null);
        assert_eq!(cell(".status.repoTag", "integer", &object, now()), Value::Null);
    }
}
