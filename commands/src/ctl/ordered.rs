//! JSON in Go struct-field order. kubectl prints typed objects (a Config,
//! or a ConfigMap it created) by marshalling Go structs, whose fields come
//! in declaration order rather than sorted; maps inside stay sorted.

use rdd_api::jsonpath::golang::{marshal_indent_at, push_json_string};
use serde_json::{Map, Value};

/// A JSON tree whose objects keep their field order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ordered {
    /// Printed as Go prints a decoded value (maps sorted).
    Leaf(Value),
    Obj(Vec<(String, Ordered)>),
    Arr(Vec<Ordered>),
}

impl Ordered {
    pub(crate) fn string(s: impl Into<String>) -> Ordered {
        Ordered::Leaf(Value::String(s.into()))
    }

    /// The same tree as a `Value` (for YAML, which sorts, and JSONPath).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Ordered::Leaf(v) => v.clone(),
            Ordered::Arr(items) => Value::Array(items.iter().map(Ordered::to_value).collect()),
            Ordered::Obj(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.to_value())).collect::<Map<_, _>>())
            }
        }
    }

    /// json.MarshalIndent with four spaces, plus the printer's newline.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out, 0);
        out.push('\n');
        out
    }

    fn write_json(&self, out: &mut String, depth: usize) {
        let newline = |out: &mut String, depth: usize| {
            out.push('\n');
            out.push_str(&"    ".repeat(depth));
        };
        match self {
            Ordered::Leaf(v) => out.push_str(&marshal_indent_at(v, "    ", depth)),
            Ordered::Arr(items) if items.is_empty() => out.push_str("[]"),
            Ordered::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Ordered::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.write_json(out, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Ordered::Obj(fields) => {
                out.push('{');
                for (i, (key, item)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    push_json_string(out, key);
                    out.push_str(": ");
                    item.write_json(out, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}
