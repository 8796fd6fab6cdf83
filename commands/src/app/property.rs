//! `PROP=VALUE` arguments of `rdd set`, resolved against the App CRD's
//! `spec` schema as the server serves it (SPEC §7): a new field in the CRD
//! is settable without a new rdd. Values are typed by the schema — strict
//! booleans and integers, enums checked — and the first bad argument in
//! command-line order is the one reported, naming what is valid.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Properties that exist but cannot be set with `rdd set`.
const NOT_SETTABLE: [(&str, &str); 1] =
    [("namespace", "the mirror namespace is chosen when the App is created and cannot change")];

/// A settable leaf of the spec schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    /// Dot path below `spec`, e.g. `containerEngine.name`.
    pub path: String,
    /// `boolean`, `integer`, `number` or `string`.
    pub type_: String,
    pub enum_values: Vec<String>,
    pub description: String,
}

/// Every settable property of a `spec` schema, sorted by path.
pub fn properties(spec_schema: &Value) -> Vec<Property> {
    let mut out = Vec::new();
    collect(spec_schema, "", &mut out);
    out.retain(|p| !NOT_SETTABLE.iter().any(|(path, _)| *path == p.path));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn collect(schema: &Value, prefix: &str, out: &mut Vec<Property>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
    for (name, sub) in props {
        // A name with a dot cannot be told apart from a nested path
        // (`a.b` would also be `b` inside `a`): it is not settable.
        if name.contains('.') {
            continue;
        }
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match sub.get("type").and_then(Value::as_str) {
            Some("object") => collect(sub, &path, out),
            Some(t @ ("boolean" | "integer" | "number" | "string")) => out.push(Property {
                path,
                type_: t.to_owned(),
                enum_values: sub
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|e| e.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                description: sub
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            }),
            _ => {}
        }
    }
}

/// The table `rdd set --help` appends: path, type or enum values, and
/// description of each settable property.
pub fn help_table(spec_schema: &Value) -> String {
    let rows: Vec<(String, String, String)> = properties(spec_schema)
        .into_iter()
        .map(|p| {
            let kind = if p.enum_values.is_empty() { p.type_ } else { p.enum_values.join("|") };
            (p.path, kind, p.description)
        })
        .collect();
    let path_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max("PROPERTY".len());
    let kind_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max("VALUES".len());
    let mut out = format!("{:<path_width$}  {:<kind_width$}  DESCRIPTION\n", "PROPERTY", "VALUES");
    for (path, kind, description) in rows {
        out.push_str(format!("{path:<path_width$}  {kind:<kind_width$}  {description}").trim_end());
        out.push('\n');
    }
    out
}

/// Why an argument was refused (a usage error, exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PropertyError(pub String);

fn typed(property: &Property, raw: &str) -> Result<Value, PropertyError> {
    let bad = |expected: &str| PropertyError(format!("invalid value {raw:?} for {}: {expected}", property.path));
    let value = match property.type_.as_str() {
        "boolean" => match raw {
            "true" => json!(true),
            "false" => json!(false),
            _ => return Err(bad("must be true or false")),
        },
        "integer" => {
            let digits = raw.strip_prefix('-').unwrap_or(raw);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad("must be an integer"));
            }
            json!(raw.parse::<i64>().map_err(|_| bad("must be an integer that fits in 64 bits"))?)
        }
        "number" => {
            let n: f64 = raw.parse().map_err(|_| bad("must be a number"))?;
            if !n.is_finite() {
                return Err(bad("must be a finite number"));
            }
            json!(n)
        }
        _ => json!(raw),
    };
    if !property.enum_values.is_empty() && !property.enum_values.iter().any(|e| e == raw) {
        return Err(bad(&format!("must be one of {}", property.enum_values.join(", "))));
    }
    Ok(value)
}

/// Parses the arguments into a nested `spec` object, in order.
pub fn parse_assignments(args: &[String], spec_schema: &Value) -> Result<Map<String, Value>, PropertyError> {
    let known = properties(spec_schema);
    let valid_list = || known.iter().map(|p| p.path.as_str()).collect::<Vec<_>>().join(", ");
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let mut spec = Map::new();
    for arg in args {
        let Some((path, raw)) = arg.split_once('=') else {
            return Err(PropertyError(format!("invalid argument {arg:?}: use PROP=VALUE, e.g. running=true")));
        };
        if let Some((_, why)) = NOT_SETTABLE.iter().find(|(p, _)| *p == path) {
            return Err(PropertyError(format!("property {path:?} cannot be set: {why}")));
        }
        let Some(property) = known.iter().find(|p| p.path == path) else {
            return Err(PropertyError(format!("unknown property {path:?}: valid properties are {}", valid_list())));
        };
        if seen.insert(path.to_owned(), ()).is_some() {
            return Err(PropertyError(format!("property {path:?} is given more than once")));
        }
        let value = typed(property, raw)?;
        let mut cursor = &mut spec;
        let segments: Vec<&str> = path.split('.').collect();
        for segment in &segments[..segments.len() - 1] {
            let entry = cursor.entry((*segment).to_owned()).or_insert_with(|| json!({}));
            // Paths come from the schema's object properties and names
            // with dots are skipped, so this is an object; say so if not.
            cursor = match entry {
                Value::Object(map) => map,
                _ => {
                    return Err(PropertyError(format!(
                        "property {path:?} is inside {segment:?}, which is already set to a value"
                    )));
                }
            };
        }
        cursor.insert(segments[segments.len() - 1].to_owned(), value);
    }
    Ok(spec)
}

/// Fills the schema's required fields missing from `spec` with zero values
/// (false, 0, "", or an object filled the same way), for creating a new App.
pub fn fill_required(spec: &mut Map<String, Value>, schema: &Value) {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema.get("properties").and_then(Value::as_object);
    for name in required {
        let sub = props.and_then(|p| p.get(name)).cloned().unwrap_or(Value::Null);
        let entry = spec.entry(name.to_owned()).or_insert_with(|| match sub.get("type").and_then(Value::as_str) {
            Some("boolean") => json!(false),
            Some("integer") | Some("number") => json!(0),
            Some("string") => json!(sub.get("enum").and_then(|e| e.get(0)).cloned().unwrap_or_else(|| json!(""))),
            Some("array") => json!([]),
            _ => json!({}),
        });
        if let Value::Object(inner) = entry {
            fill_required(inner, &sub);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The App spec schema as rdd's CRD declares it.
    fn spec_schema() -> Value {
        let crd = serde_json::to_value(rdd_api::crds::all().remove(0)).unwrap();
        crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"].clone()
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn lists_settable_leaves_without_namespace() {
        let paths: Vec<String> = properties(&spec_schema()).into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["containerEngine.endpoint", "containerEngine.name", "containerEngine.provider", "running"]);
    }

    #[test]
    fn nested_assignments_become_a_spec_object() {
        let spec =
            parse_assignments(&args(&["running=true", "containerEngine.name=containerd"]), &spec_schema()).unwrap();
        assert_eq!(Value::Object(spec), json!({"running": true, "containerEngine": {"name": "containerd"}}));
    }

    #[test]
    fn errors_name_the_argument_and_what_is_valid() {
        let schema = spec_schema();
        let err = parse_assignments(&args(&["runing=true"]), &schema).unwrap_err();
        assert_eq!(
            err.0,
            "unknown property \"runing\": valid properties are containerEngine.endpoint, containerEngine.name, containerEngine.provider, running"
        );
        let err = parse_assignments(&args(&["running=yes"]), &schema).unwrap_err();
        assert_eq!(err.0, "invalid value \"yes\" for running: must be true or false");
        let err = parse_assignments(&args(&["containerEngine.name=docker"]), &schema).unwrap_err();
        assert_eq!(err.0, "invalid value \"docker\" for containerEngine.name: must be one of moby, containerd");
        let err = parse_assignments(&args(&["namespace=x"]), &schema).unwrap_err();
        assert!(err.0.starts_with("property \"namespace\" cannot be set"), "{}", err.0);
        let err = parse_assignments(&args(&["running"]), &schema).unwrap_err();
        assert!(err.0.contains("use PROP=VALUE"));
    }

    #[test]
    fn first_bad_argument_in_order_is_reported() {
        let err = parse_assignments(&args(&["running=maybe", "nope=1"]), &spec_schema()).unwrap_err();
        assert!(err.0.contains("\"maybe\""), "{}", err.0);
        let err = parse_assignments(&args(&["nope=1", "running=maybe"]), &spec_schema()).unwrap_err();
        assert!(err.0.contains("\"nope\""), "{}", err.0);
    }

    /// Found by the `set_property` fuzz target: a schema (the server's CRD,
    /// not necessarily rdd's) with a property named `a.b` next to `a` made
    /// `a=x a.b=y` panic.
    #[test]
    fn property_names_with_dots_are_not_settable() {
        let schema = json!({"properties": {"a": {"type": "string"}, "a.b": {"type": "string"}}});
        let paths: Vec<String> = properties(&schema).into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["a"]);
        let err = parse_assignments(&args(&["a=x", "a.b=y"]), &schema).unwrap_err();
        assert!(err.0.starts_with("unknown property \"a.b\""), "{}", err.0);
    }

    #[test]
    fn integers_are_strict() {
        let schema = json!({"properties": {"cpus": {"type": "integer"}}});
        assert_eq!(parse_assignments(&args(&["cpus=4"]), &schema).unwrap()["cpus"], 4);
        for bad in ["cpus=4.0", "cpus=four", "cpus=", "cpus=99999999999999999999"] {
            assert!(parse_assignments(&args(&[bad]), &schema).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_field_in_the_schema_is_settable() {
        let mut schema = spec_schema();
        schema["properties"]["kubernetes"] = json!({"type": "object", "properties": {"enabled": {"type": "boolean"}}});
        let spec = parse_assignments(&args(&["kubernetes.enabled=true"]), &schema).unwrap();
        assert_eq!(spec["kubernetes"]["enabled"], true);
    }

    #[test]
    fn help_table_lists_types_and_enums() {
        let table = help_table(&spec_schema());
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("PROPERTY"), "{table}");
        assert!(
            lines.iter().any(|l| l.starts_with("containerEngine.name") && l.contains("moby|containerd")),
            "{table}"
        );
        assert!(lines.iter().any(|l| l.starts_with("running") && l.contains("boolean")), "{table}");
        assert!(!table.contains("namespace "), "{table}");
    }

    #[test]
    fn required_fields_are_zero_filled() {
        let mut spec = Map::new();
        fill_required(&mut spec, &spec_schema());
        assert_eq!(Value::Object(spec), json!({"running": false}));
    }
}
