//! JSON values as CEL sees them: objects become maps (so `has(self.x)` and
//! `self.x` work on fields), arrays lists, integral numbers `int` (kube
//! decodes them as int64), other numbers `double`. At a resource root,
//! `metadata` is cut down to `name` and `generateName`, the only
//! metadata kube lets rules read.

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value as Cel;
use cel::objects::{Key, OptionalValue};
use serde_json::Value;

fn to_cel(value: &Value) -> Cel {
    match value {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cel::Int(i),
            (None, Some(u)) => Cel::UInt(u),
            _ => Cel::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(items) => Cel::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(map) => {
            let converted: HashMap<Key, Cel> = map.iter().map(|(k, v)| (Key::from(k.clone()), to_cel(v))).collect();
            converted.into()
        }
    }
}

/// `self` for a node: at a resource root, with metadata cut down.
pub(super) fn self_value(value: &Value, resource_root: bool) -> Cel {
    if !resource_root {
        return to_cel(value);
    }
    let mut value = value.clone();
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|k, _| k == "name" || k == "generateName");
    }
    to_cel(&value)
}

/// `oldSelf` of an `optionalOldSelf` rule: an optional.
pub(super) fn optional(value: Option<Cel>) -> Cel {
    let optional = match value {
        Some(v) => OptionalValue::of(v),
        None => OptionalValue::none(),
    };
    Cel::Opaque(Arc::new(optional))
}
