//! Objects kubectl holds as Go structs rather than maps: what `create
//! configmap`, `create secret generic` and `create namespace` print. Go
//! drops fields its struct does not know, writes the rest in declaration
//! order (`kind`, `apiVersion`, `metadata`, ...; `creationTimestamp: null`
//! when unset), and, unless `--show-managed-fields`, kubectl's JSON and YAML
//! printers drop `metadata.managedFields` (for map-held objects too, see
//! [`strip_managed_fields`]).

use serde_json::Value;

use super::ordered::Ordered;

/// How a struct field is written when empty.
#[derive(Clone, Copy)]
enum Kind {
    /// `omitempty`: left out when absent, null, "", 0, false or empty.
    Plain,
    /// A pointer: left out only when absent or null.
    Pointer,
    /// Always written; null when absent.
    Always,
    /// A nested struct, always written (`{}` when empty).
    Struct(&'static [Field]),
    /// A list of structs, `omitempty`.
    List(&'static [Field]),
}

type Field = (&'static str, Kind);

const OWNER_REFERENCE: &[Field] = &[
    ("apiVersion", Kind::Plain),
    ("kind", Kind::Plain),
    ("name", Kind::Plain),
    ("uid", Kind::Plain),
    ("controller", Kind::Pointer),
    ("blockOwnerDeletion", Kind::Pointer),
];
const MANAGED_FIELDS_ENTRY: &[Field] = &[
    ("manager", Kind::Plain),
    ("operation", Kind::Plain),
    ("apiVersion", Kind::Plain),
    ("time", Kind::Pointer),
    ("fieldsType", Kind::Plain),
    ("fieldsV1", Kind::Pointer),
    ("subresource", Kind::Plain),
];
const OBJECT_META: &[Field] = &[
    ("name", Kind::Plain),
    ("generateName", Kind::Plain),
    ("namespace", Kind::Plain),
    ("selfLink", Kind::Plain),
    ("uid", Kind::Plain),
    ("resourceVersion", Kind::Plain),
    ("generation", Kind::Plain),
    ("creationTimestamp", Kind::Always),
    ("deletionTimestamp", Kind::Pointer),
    ("deletionGracePeriodSeconds", Kind::Pointer),
    ("labels", Kind::Plain),
    ("annotations", Kind::Plain),
    ("ownerReferences", Kind::List(OWNER_REFERENCE)),
    ("finalizers", Kind::Plain),
    ("managedFields", Kind::List(MANAGED_FIELDS_ENTRY)),
];
const CONFIG_MAP: &[Field] = &[
    ("kind", Kind::Plain),
    ("apiVersion", Kind::Plain),
    ("metadata", Kind::Struct(OBJECT_META)),
    ("immutable", Kind::Pointer),
    ("data", Kind::Plain),
    ("binaryData", Kind::Plain),
];
const SECRET: &[Field] = &[
    ("kind", Kind::Plain),
    ("apiVersion", Kind::Plain),
    ("metadata", Kind::Struct(OBJECT_META)),
    ("immutable", Kind::Pointer),
    ("data", Kind::Plain),
    ("stringData", Kind::Plain),
    ("type", Kind::Plain),
];
const NAMESPACE_CONDITION: &[Field] = &[
    ("type", Kind::Plain),
    ("status", Kind::Plain),
    ("lastTransitionTime", Kind::Plain),
    ("reason", Kind::Plain),
    ("message", Kind::Plain),
];
const NAMESPACE: &[Field] = &[
    ("kind", Kind::Plain),
    ("apiVersion", Kind::Plain),
    ("metadata", Kind::Struct(OBJECT_META)),
    ("spec", Kind::Struct(&[("finalizers", Kind::Plain)])),
    ("status", Kind::Struct(&[("phase", Kind::Plain), ("conditions", Kind::List(NAMESPACE_CONDITION))])),
];

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}

fn encode(value: Option<&Value>, fields: &[Field]) -> Ordered {
    let mut out = Vec::new();
    for &(name, kind) in fields {
        let field = value.and_then(|v| v.get(name));
        let encoded = match kind {
            Kind::Plain => field.filter(|v| !is_empty(v)).map(|v| Ordered::Leaf(v.clone())),
            Kind::Pointer => field.filter(|v| !v.is_null()).map(|v| Ordered::Leaf(v.clone())),
            Kind::Always => Some(Ordered::Leaf(field.cloned().unwrap_or(Value::Null))),
            Kind::Struct(inner) => Some(encode(field, inner)),
            Kind::List(inner) => field
                .and_then(Value::as_array)
                .filter(|items| !items.is_empty())
                .map(|items| Ordered::Arr(items.iter().map(|item| encode(Some(item), inner)).collect())),
        };
        if let Some(encoded) = encoded {
            out.push((name.to_owned(), encoded));
        }
    }
    Ordered::Obj(out)
}

/// An object kubectl prints from a Go struct.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedObject(Ordered);

impl TypedObject {
    /// The v1 ConfigMap, Secret or Namespace in `object`, as kubectl's
    /// struct holds it; `None` for other kinds (kubectl keeps those as maps).
    pub fn from_value(object: &Value, show_managed_fields: bool) -> Option<TypedObject> {
        if object.get("apiVersion").and_then(Value::as_str) != Some("v1") {
            return None;
        }
        let fields = match object.get("kind").and_then(Value::as_str)? {
            "ConfigMap" => CONFIG_MAP,
            "Secret" => SECRET,
            "Namespace" => NAMESPACE,
            _ => return None,
        };
        let mut object = object.clone();
        if !show_managed_fields {
            strip_managed_fields(&mut object);
        }
        Some(TypedObject(encode(Some(&object), fields)))
    }

    /// `-o json`.
    pub fn to_json(&self) -> String {
        self.0.to_json()
    }

    /// As a map, for `-o yaml` (through `to_yaml`), `-o jsonpath` and `-o name`.
    pub fn to_value(&self) -> Value {
        self.0.to_value()
    }
}

/// kubectl's OmitManagedFieldsPrinter: `-o json|yaml` leave out
/// `metadata.managedFields` of the object or of each item of a list.
pub fn strip_managed_fields(object: &mut Value) {
    if let Some(items) = object.get_mut("items").and_then(Value::as_array_mut) {
        items.iter_mut().for_each(strip_managed_fields);
        return;
    }
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::strip_managed_fields;

    #[test]
    fn managed_fields_go_from_objects_and_list_items() {
        let mut list =
            json!({"items": [{"metadata": {"name": "a", "managedFields": [{}]}}, {"metadata": {"name": "b"}}]});
        strip_managed_fields(&mut list);
        assert_eq!(list, json!({"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]}));
        let mut object = json!({"metadata": {"managedFields": [], "uid": "1"}});
        strip_managed_fields(&mut object);
        assert_eq!(object, json!({"metadata": {"uid": "1"}}));
    }
}
