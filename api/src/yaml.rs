//! YAML read the way Kubernetes reads it. kubectl and kube-apiserver decode
//! YAML with sigs.k8s.io/yaml on go-yaml v2, a YAML 1.1 reader, and turn
//! the result into JSON: besides the YAML 1.1 booleans (`yes`, `on`;
//! serde-saphyr reads those by default), a plain integer with a leading
//! zero is octal (`defaultMode: 0644` is 420, not 644), and a mapping key
//! that resolves to a boolean or a number becomes its Go text (`y:` and
//! `on:` are the key `"true"`, `1.0:` is `"1"`). Every YAML rdd reads where
//! kubectl or kube-apiserver would (request bodies, apply patches,
//! manifests, `-p`, kubeconfigs) goes through here, so one document means
//! the same on both sides. A repeated key keeps its last value, as there.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

pub use serde_saphyr::Error;

/// go-yaml v2 as sigs.k8s.io/yaml runs it: leading-zero octal, and a
/// repeated key replaces the earlier value (as in JSON bodies) rather than
/// failing the document.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    }
}

/// One YAML document as JSON.
pub fn from_str(text: &str) -> Result<Value, Error> {
    serde_saphyr::from_str_with_options::<Node>(text, options()).map(|node| node.0)
}

/// Every document of a YAML stream as JSON, in order.
pub fn from_multiple(text: &str) -> Result<Vec<Value>, Error> {
    let nodes = serde_saphyr::from_multiple_with_options::<Node>(text, options())?;
    Ok(nodes.into_iter().map(|node| node.0).collect())
}

/// A YAML node as sigs.k8s.io/yaml hands it on.
struct Node(Value);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor).map(Node)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON has no infinities or NaN; serde_json's own Value does the same.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Node::deserialize(deserializer).map(|node| node.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Node(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            let Node(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A mapping key as sigs.k8s.io/yaml's `convertToJSONableObject` writes
/// it: strings as they are, booleans and numbers as Go prints them; any
/// other key is an error there too.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(KeyVisitor).map(Key)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key that is a string, a boolean or a number")
    }

    fn visit_bool<E>(self, value: bool) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_i64<E>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_u64<E>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_f64<E>(self, value: f64) -> Result<String, E> {
        Ok(go_float32_text(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<String, E> {
        Ok(value.to_owned())
    }

    fn visit_string<E>(self, value: String) -> Result<String, E> {
        Ok(value)
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom("unsupported map key: null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom("unsupported map key: null"))
    }
}

/// Go's `strconv.FormatFloat(value, 'g', -1, 32)` with go-yaml's names for
/// the infinities and NaN: the shortest float32 digits, in exponent form
/// (`1e+06`, `1.5e-05`) when the exponent is below -4 or at least 6.
fn go_float32_text(value: f64) -> String {
    if value.is_nan() {
        return ".nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    // Go rounds to float32 first, as its bitSize of 32 says.
    let single = value as f32;
    let scientific = format!("{single:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if single != 0.0 && !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        format!("{single}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_with_a_leading_zero_are_octal_as_in_go_yaml() {
        let value = from_str("a: 0644\nb: -017\nc: +017\nd: 0o17\ne: '0644'\nf: 0\ng: 10\nh: 1_000\n").unwrap();
        assert_eq!(value, json!({"a": 420, "b": -15, "c": 15, "d": 15, "e": "0644", "f": 0, "g": 10, "h": 1000}));
    }

    #[test]
    fn yaml_1_1_booleans_are_booleans() {
        let value = from_str("a: yes\nb: Off\nc: y\nd: 'on'\n").unwrap();
        assert_eq!(value, json!({"a": true, "b": false, "c": true, "d": "on"}));
    }

    #[test]
    fn keys_that_resolve_to_booleans_or_numbers_become_go_text() {
        let value = from_str("y: 1\nno: 2\n'on': 3\n1.0: 4\n010: 5\n2.5: 6\n1e7: 7\nx: {n: 9}\n").unwrap();
        assert_eq!(
            value,
            json!({"true": 1, "false": 2, "on": 3, "1": 4, "8": 5, "2.5": 6, "1e+07": 7, "x": {"false": 9}})
        );
        assert!(from_str("~: 1\n").is_err());
    }

    #[test]
    fn floats_print_as_go_prints_float32() {
        let cases = [(1.0, "1"), (1e6, "1e+06"), (123456.0, "123456"), (1.5e-5, "1.5e-05"), (0.0001, "0.0001")];
        for (value, text) in cases {
            assert_eq!(go_float32_text(value), text, "{value}");
        }
        assert_eq!(go_float32_text(0.1), "0.1");
        assert_eq!(go_float32_text(f64::INFINITY), ".inf");
        assert_eq!(go_float32_text(-0.0), "-0");
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        assert_eq!(from_str("a: 1\nb: 2\na: 3\n").unwrap(), json!({"a": 3, "b": 2}));
        assert_eq!(from_str("y: 1\n\"y\": 2\n").unwrap(), json!({"true": 1, "y": 2}));
    }

    #[test]
    fn streams_keep_their_documents() {
        let values = from_multiple("a: 010\n---\nb: 2\n").unwrap();
        assert_eq!(values, [json!({"a": 8}), json!({"b": 2})]);
    }

    #[test]
    fn anchors_and_merge_keys_resolve() {
        let value = from_str("base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n").unwrap();
        assert_eq!(value, json!({"base": {"a": 1}, "derived": {"a": 1, "c": 2}}));
    }
}
