//! YAML read the way Kubernetes reads it. kubectl and kube-apiserver decode
//! YAML with sigs.k8s.io/yaml on go-yaml v2, a YAML 1.1 reader: besides the
//! YAML 1.1 booleans (`yes`, `on`; serde-saphyr reads those by default), a
//! plain integer with a leading zero is octal (`defaultMode: 0644` is 420,
//! not 644). Every YAML rdd reads where kubectl or kube-apiserver would
//! (request bodies, apply patches, manifests, `-p`, kubeconfigs) goes
//! through here, so one document means the same on both sides.

use serde::de::DeserializeOwned;

pub use serde_saphyr::Error;

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! { legacy_octal_numbers: true }
}

/// One YAML document.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_saphyr::from_str_with_options(text, options())
}

/// Every document of a YAML stream, in order.
pub fn from_multiple<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, Error> {
    serde_saphyr::from_multiple_with_options(text, options())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn integers_with_a_leading_zero_are_octal_as_in_go_yaml() {
        let value: Value = from_str("a: 0644\nb: -017\nc: +017\nd: 0o17\ne: '0644'\nf: 0\ng: 10\nh: 1_000\n").unwrap();
        assert_eq!(value, json!({"a": 420, "b": -15, "c": 15, "d": 15, "e": "0644", "f": 0, "g": 10, "h": 1000}));
    }

    #[test]
    fn yaml_1_1_booleans_are_booleans() {
        let value: Value = from_str("a: yes\nb: Off\nc: y\nd: 'on'\n").unwrap();
        assert_eq!(value, json!({"a": true, "b": false, "c": true, "d": "on"}));
    }

    #[test]
    fn streams_keep_their_documents() {
        let values: Vec<Value> = from_multiple("a: 010\n---\nb: 2\n").unwrap();
        assert_eq!(values, [json!({"a": 8}), json!({"b": 2})]);
    }
}
