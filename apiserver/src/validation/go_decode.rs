//! Where Go's encoding/json refuses a built-in kind's body. kube-apiserver
//! decodes ConfigMaps, Secrets, Events, Leases, Namespaces and CRDs into
//! their Go structs, and a JSON value of the wrong type fails there with
//! Go's `UnmarshalTypeError` text — `json: cannot unmarshal bool into Go
//! struct field ConfigMap.data of type string` — naming the innermost
//! struct, the path of JSON field names from the object's root (map keys
//! and list indices are not part of it) and the Go type. The walk follows
//! the kind's OpenAPI schema, generated from k8s-openapi's types, whose
//! definitions are those Go structs. It reports the first mismatch in the
//! object's key order, as Go reports the first one it met. Types with
//! unmarshalers of their own (`JSON`, `FieldsV1`, the `JSONSchemaPropsOr*`
//! unions) are left to the typed check; `Time` and `MicroTime` fail as
//! their `UnmarshalJSON` does.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::patch::gojson::{cannot_unmarshal, json_kind};
use crate::schema::base64_error_offset;

/// Where a `$ref` points in the generated schemas.
const REF_PREFIX: &str = "#/components/schemas/";

/// Definitions whose Go types unmarshal any JSON themselves.
const OPAQUE_SUFFIXES: &[&str] =
    &[".JSON", ".FieldsV1", ".JSONSchemaPropsOrBool", ".JSONSchemaPropsOrArray", ".JSONSchemaPropsOrStringArray"];

/// Go's error for the first value of `object` that its kind's Go struct
/// cannot hold; `root_name` is the kind's definition name
/// (`io.k8s.api.core.v1.ConfigMap`), `root` its schema.
pub fn unmarshal_error(
    root: &Value,
    root_name: &str,
    definitions: &BTreeMap<String, Value>,
    object: &Value,
) -> Option<String> {
    let mut walk = Walk { definitions, struct_name: String::new(), path: Vec::new() };
    walk.check(root, Some(root_name), object)
}

/// cli-runtime's decoding of a manifest before anything is sent: into its
/// `metadataOnlyObject` (type meta and ObjectMeta), so only a `metadata`
/// of the wrong shape fails there.
pub fn metadata_error(object: &Value) -> Option<String> {
    // Generated once: `rdd ctl` checks every document of every file.
    static METADATA_ONLY: LazyLock<(Value, BTreeMap<String, Value>)> = LazyLock::new(|| {
        const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
        let (object_meta, mut definitions) = crate::registry::object_meta_schema();
        definitions.insert(OBJECT_META.to_owned(), object_meta);
        let metadata = serde_json::json!({"$ref": format!("{REF_PREFIX}{OBJECT_META}")});
        (serde_json::json!({"type": "object", "properties": {"metadata": metadata}}), definitions)
    });
    let (root, definitions) = &*METADATA_ONLY;
    unmarshal_error(root, "metadataOnlyObject", definitions, object)
}

/// The walk keeps what Go's decoder keeps for its errors: the innermost
/// struct and the JSON field path of the value being decoded.
struct Walk<'a> {
    definitions: &'a BTreeMap<String, Value>,
    struct_name: String,
    path: Vec<String>,
}

impl<'a> Walk<'a> {
    /// `schema` resolved through `$ref` (and schemars' one-element
    /// `allOf`), with the definition name it came from.
    fn resolve(&self, schema: &'a Value, name: Option<&'a str>) -> (&'a Value, Option<&'a str>) {
        let reference = schema.get("$ref").and_then(Value::as_str).or_else(|| match schema.get("allOf") {
            Some(Value::Array(all)) if all.len() == 1 => all[0].get("$ref").and_then(Value::as_str),
            _ => None,
        });
        match reference.and_then(|r| r.strip_prefix(REF_PREFIX)) {
            Some(target) => match self.definitions.get_key_value(target) {
                Some((key, definition)) => self.resolve(definition, Some(key.as_str())),
                None => (schema, name),
            },
            None => (schema, name),
        }
    }

    fn check(&mut self, schema: &'a Value, name: Option<&'a str>, value: &Value) -> Option<String> {
        if value.is_null() {
            // Go leaves the zero value for null; no type can refuse it.
            return None;
        }
        let (schema, name) = self.resolve(schema, name);
        if name.is_some_and(|n| OPAQUE_SUFFIXES.iter().any(|suffix| n.ends_with(suffix))) {
            return None;
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time") {
            // metav1.Time's UnmarshalJSON decodes a string first, without context.
            return (!value.is_string()).then(|| cannot_unmarshal(value, "string"));
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => match schema.get("additionalProperties").filter(|a| a.is_object()) {
                Some(element) => self.check_map(schema, element, name, value),
                None if schema.get("properties").is_some() || name.is_some() => self.check_struct(schema, name, value),
                None => None,
            },
            Some("array") => {
                let Value::Array(items) = value else { return Some(self.mismatch(value, schema, name)) };
                let element = schema.get("items")?;
                items.iter().find_map(|item| self.check(element, None, item))
            }
            Some("string") => match value {
                // []byte: base64, decoded by encoding/base64's StdEncoding;
                // its error carries no field context.
                Value::String(text) if schema.get("format").and_then(Value::as_str) == Some("byte") => {
                    base64_error_offset(text.as_bytes()).map(|at| format!("illegal base64 data at input byte {at}"))
                }
                Value::String(_) => None,
                _ => Some(self.mismatch(value, schema, name)),
            },
            Some("boolean") if value.is_boolean() => None,
            Some("number") if value.is_number() => None,
            Some("integer") => self.check_integer(schema, value),
            Some("boolean" | "number") => Some(self.mismatch(value, schema, name)),
            _ => None,
        }
    }

    fn check_map(
        &mut self,
        schema: &'a Value,
        element: &'a Value,
        name: Option<&str>,
        value: &Value,
    ) -> Option<String> {
        let Value::Object(entries) = value else { return Some(self.mismatch(value, schema, name)) };
        // Map keys are not part of Go's field path.
        entries.values().find_map(|entry| self.check(element, None, entry))
    }

    fn check_struct(&mut self, schema: &'a Value, name: Option<&str>, value: &Value) -> Option<String> {
        let Value::Object(fields) = value else { return Some(self.mismatch(value, schema, name)) };
        let properties = schema.get("properties").and_then(Value::as_object)?;
        let outer = std::mem::replace(&mut self.struct_name, name.map_or("", short_name).to_owned());
        // Unknown fields are not a type error (strict decoding reports them).
        let found = fields.iter().find_map(|(field, field_value)| {
            let property = properties.get(field)?;
            self.path.push(field.clone());
            let found = self.check(property, None, field_value);
            self.path.pop();
            found
        });
        self.struct_name = outer;
        found
    }

    /// Go's literal store for integer fields: a string, a fraction or a
    /// number out of the field's range is refused.
    fn check_integer(&self, schema: &Value, value: &Value) -> Option<String> {
        let (low, high) = match schema.get("format").and_then(Value::as_str) {
            Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
            _ => (i64::MIN, i64::MAX),
        };
        let Value::Number(number) = value else { return Some(self.mismatch(value, schema, None)) };
        match number.as_i64() {
            Some(n) if (low..=high).contains(&n) => None,
            _ => Some(self.message(&format!("number {number}"), &go_type(schema, None))),
        }
    }

    fn mismatch(&self, value: &Value, schema: &Value, name: Option<&str>) -> String {
        self.message(json_kind(value), &go_type(schema, name))
    }

    /// `UnmarshalTypeError.Error()`.
    fn message(&self, value: &str, go_type: &str) -> String {
        if self.path.is_empty() {
            return format!("json: cannot unmarshal {value} into Go value of type {go_type}");
        }
        let (struct_name, path) = (&self.struct_name, self.path.join("."));
        format!("json: cannot unmarshal {value} into Go struct field {struct_name}.{path} of type {go_type}")
    }
}

/// The struct's Go name: the definition name's last segment.
fn short_name(definition: &str) -> &str {
    definition.rsplit('.').next().unwrap_or(definition)
}

/// `reflect.Type.String()` of the Go type a schema node stands for:
/// `v1.ObjectMeta`, `map[string]string`, `[]v1.OwnerReference`, `[]uint8`.
fn go_type(schema: &Value, name: Option<&str>) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return go_type(&Value::Null, reference.strip_prefix(REF_PREFIX));
    }
    if let Some(name) = name {
        let mut segments = name.rsplit('.');
        let short = segments.next().unwrap_or(name);
        return match segments.next() {
            Some(package) => format!("{package}.{short}"),
            None => short.to_owned(),
        };
    }
    let format = schema.get("format").and_then(Value::as_str);
    match (schema.get("type").and_then(Value::as_str), format) {
        (Some("object"), _) => match schema.get("additionalProperties").filter(|a| a.is_object()) {
            Some(element) => format!("map[string]{}", go_type(element, None)),
            None => "map[string]interface {}".to_owned(),
        },
        (Some("array"), _) => {
            format!("[]{}", schema.get("items").map_or("interface {}".to_owned(), |i| go_type(i, None)))
        }
        (Some("string"), Some("byte")) => "[]uint8".to_owned(),
        (Some("string"), _) => "string".to_owned(),
        (Some("integer"), Some("int32")) => "int32".to_owned(),
        (Some("integer"), Some("int64")) => "int64".to_owned(),
        (Some("integer"), _) => "int".to_owned(),
        (Some("number"), _) => "float64".to_owned(),
        (Some("boolean"), _) => "bool".to_owned(),
        _ => "interface {}".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn definitions() -> BTreeMap<String, Value> {
        let string_map = json!({"type": "object", "additionalProperties": {"type": "string"}});
        BTreeMap::from([
            (
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".to_owned(),
                json!({"type": "object", "properties": {
                    "name": {"type": "string"},
                    "labels": string_map,
                    "annotations": string_map,
                    "generation": {"type": "integer", "format": "int64"},
                    "finalizers": {"type": "array", "items": {"type": "string"}},
                    "creationTimestamp": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time"},
                    "ownerReferences": {"type": "array", "items":
                        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"}},
                    "managedFields": {"type": "array", "items": {"type": "object", "properties": {
                        "fieldsV1": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"}}}},
                }}),
            ),
            (
                "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference".to_owned(),
                json!({"type": "object", "properties": {
                    "name": {"type": "string"}, "controller": {"type": "boolean"}}}),
            ),
            ("io.k8s.apimachinery.pkg.apis.meta.v1.Time".to_owned(), json!({"type": "string", "format": "date-time"})),
            ("io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1".to_owned(), json!({"type": "object"})),
        ])
    }

    fn config_map() -> Value {
        json!({"type": "object", "properties": {
            "metadata": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                         "description": "Standard object's metadata."},
            "data": {"type": "object", "additionalProperties": {"type": "string"}},
            "binaryData": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}},
            "immutable": {"type": "boolean"},
            "count": {"type": "integer", "format": "int32"},
        }})
    }

    fn error(object: Value) -> Option<String> {
        unmarshal_error(&config_map(), "io.k8s.api.core.v1.ConfigMap", &definitions(), &object)
    }

    #[test]
    fn values_of_the_right_types_and_nulls_pass() {
        let object = json!({"metadata": {"name": "a", "labels": {"x": "y"}, "generation": 3, "finalizers": null,
            "creationTimestamp": "2024-01-01T00:00:00Z", "managedFields": [{"fieldsV1": {"f:data": {}}}],
            "unknown": 5}, "data": {"a": "1", "b": null}, "binaryData": {"b": "AA=="}, "immutable": true,
            "count": 7, "extra": [1]});
        assert_eq!(error(object), None);
    }

    #[test]
    fn mismatches_name_the_innermost_struct_and_the_field_path() {
        let cases = [
            (json!({"data": {"a": true}}), "Go struct field ConfigMap.data of type string", "bool"),
            (json!({"data": ["a"]}), "Go struct field ConfigMap.data of type map[string]string", "array"),
            (
                json!({"metadata": {"annotations": {"z": false}}}),
                "ObjectMeta.metadata.annotations of type string",
                "bool",
            ),
            (json!({"metadata": "x"}), "Go struct field ConfigMap.metadata of type v1.ObjectMeta", "string"),
            (
                json!({"metadata": {"ownerReferences": [{"name": false}]}}),
                "Go struct field OwnerReference.metadata.ownerReferences.name of type string",
                "bool",
            ),
            (
                json!({"metadata": {"ownerReferences": {}}}),
                "ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference",
                "object",
            ),
            (json!({"metadata": {"finalizers": [1]}}), "ObjectMeta.metadata.finalizers of type string", "number"),
            (json!({"immutable": "yes"}), "ConfigMap.immutable of type bool", "string"),
            (json!({"binaryData": {"b": 1}}), "ConfigMap.binaryData of type []uint8", "number"),
            (json!({"count": "7"}), "ConfigMap.count of type int32", "string"),
        ];
        for (object, tail, kind) in cases {
            let expected = format!("json: cannot unmarshal {kind} into ");
            let got = error(object).unwrap_or_default();
            assert!(got.starts_with(&expected) && got.ends_with(tail), "{got}");
        }
    }

    #[test]
    fn integers_out_of_range_or_with_fractions_are_numbers_go_cannot_store() {
        assert_eq!(
            error(json!({"count": 3000000000u64})).unwrap(),
            "json: cannot unmarshal number 3000000000 into Go struct field ConfigMap.count of type int32"
        );
        assert_eq!(
            error(json!({"metadata": {"generation": 1.5}})).unwrap(),
            "json: cannot unmarshal number 1.5 into Go struct field ObjectMeta.metadata.generation of type int64"
        );
    }

    #[test]
    fn times_fail_as_their_unmarshaler_does_and_opaque_types_are_skipped() {
        assert_eq!(
            error(json!({"metadata": {"creationTimestamp": 5}})).unwrap(),
            "json: cannot unmarshal number into Go value of type string"
        );
        assert_eq!(error(json!({"metadata": {"managedFields": [{"fieldsV1": "anything"}]}})), None);
    }

    #[test]
    fn manifests_decode_their_metadata_as_cli_runtime_does() {
        assert_eq!(metadata_error(&json!({"metadata": {"name": "a"}, "data": {"x": 5}})), None);
        assert_eq!(
            metadata_error(&json!({"metadata": "x"})).unwrap(),
            "json: cannot unmarshal string into Go struct field metadataOnlyObject.metadata of type v1.ObjectMeta"
        );
        assert_eq!(
            metadata_error(&json!({"metadata": {"ownerReferences": [{"name": 5}]}})).unwrap(),
            "json: cannot unmarshal number into Go struct field OwnerReference.metadata.ownerReferences.name of type string"
        );
    }

    #[test]
    fn bytes_that_are_not_base64_fail_without_a_field() {
        assert_eq!(error(json!({"binaryData": {"b": "not base64!"}})).unwrap(), "illegal base64 data at input byte 3");
    }

    #[test]
    fn the_first_mismatch_in_key_order_is_reported() {
        let got = error(json!({"data": {"a": 1}, "immutable": "x"})).unwrap();
        assert!(got.ends_with("ConfigMap.data of type string"), "{got}");
    }
}
