//! kube's rules for the data of ConfigMaps and Secrets
//! (`ValidateConfigMap`, `ValidateSecret` in k8s.io/kubernetes
//! `pkg/apis/core/validation`): every key of `data`, `binaryData` and
//! `stringData` is a valid config key (`IsConfigMapKey`), a key is in
//! `data` or `binaryData` but not both, and the whole payload stays within
//! 1 MiB. Each message is kube's, word for word.

use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;
use serde_json::Value;

use super::field::{FieldError, key};
use super::names::{max_len_error, regex_error};

const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const CONFIG_MAP_KEY_ERR_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const KEY_MAX_LENGTH: usize = 253;
/// kube's `MaxSecretSize`, which also bounds a ConfigMap's data.
const MAX_DATA_SIZE: u64 = 1024 * 1024;

static CONFIG_MAP_KEY_RE: LazyLock<Regex> =
    // A constant pattern; a failure is a bug caught by the tests.
    LazyLock::new(|| Regex::new(&format!("^{CONFIG_MAP_KEY_FMT}$")).expect("constant regex compiles"));

/// kube's `IsConfigMapKey`: the messages for an invalid key, none when valid.
pub fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > KEY_MAX_LENGTH {
        errors.push(max_len_error(KEY_MAX_LENGTH));
    }
    if !CONFIG_MAP_KEY_RE.is_match(value) {
        errors.push(regex_error(CONFIG_MAP_KEY_ERR_MSG, CONFIG_MAP_KEY_FMT, &["key.name", "KEY_NAME", "key-name"]));
    }
    if value == "." {
        errors.push("must not be '.'".to_owned());
    } else if value == ".." {
        errors.push("must not be '..'".to_owned());
    } else if value.starts_with("..") {
        errors.push("must not start with '..'".to_owned());
    }
    errors
}

fn keys<'a>(object: &'a Value, field: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    object.get(field).and_then(Value::as_object).into_iter().flatten()
}

fn check_keys(object: &Value, field: &str, errors: &mut Vec<FieldError>) {
    for (name, _) in keys(object, field) {
        for message in is_config_map_key(name) {
            errors.push(FieldError::invalid_str(key(field, name), name, message));
        }
    }
}

/// The size kube counts for a value: the bytes of a string, or the
/// decoded bytes of a base64 string (Secret `data`, ConfigMap `binaryData`).
fn size(value: &Value, base64: bool) -> u64 {
    let Some(text) = value.as_str() else { return 0 };
    let bytes = if base64 {
        base64::engine::general_purpose::STANDARD.decode(text).map_or(text.len(), |decoded| decoded.len())
    } else {
        text.len()
    };
    bytes as u64
}

/// `ValidateConfigMap`'s data rules.
pub fn validate_config_map(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_keys(object, "data", &mut errors);
    check_keys(object, "binaryData", &mut errors);
    for (name, _) in keys(object, "binaryData") {
        if object.get("data").and_then(|d| d.get(name)).is_some() {
            errors.push(FieldError::invalid_str(key("data", name), name, "duplicate of key present in binaryData"));
        }
    }
    let total: u64 = keys(object, "data").map(|(_, v)| size(v, false)).sum::<u64>()
        + keys(object, "binaryData").map(|(_, v)| size(v, true)).sum::<u64>();
    if total > MAX_DATA_SIZE {
        errors.push(FieldError::too_long("", Some(MAX_DATA_SIZE)));
    }
    errors
}

/// `ValidateSecret`'s data rules (the key and size rules every type shares).
pub fn validate_secret(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_keys(object, "data", &mut errors);
    check_keys(object, "stringData", &mut errors);
    let total: u64 = keys(object, "data").map(|(_, v)| size(v, true)).sum();
    if total > MAX_DATA_SIZE {
        errors.push(FieldError::too_long("data", Some(MAX_DATA_SIZE)));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_keys_follow_kube() {
        for good in ["a", "key.name", "KEY_NAME", "key-name", ".hidden", "a..b"] {
            assert!(is_config_map_key(good).is_empty(), "{good}");
        }
        assert_eq!(
            is_config_map_key("bad key!"),
            [
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
            ]
        );
        assert_eq!(is_config_map_key(".."), ["must not be '..'"]);
        assert_eq!(is_config_map_key("..a"), ["must not start with '..'"]);
        assert_eq!(is_config_map_key(&"a".repeat(254)), ["must be no more than 253 characters"]);
        assert_eq!(is_config_map_key("").len(), 1);
    }

    #[test]
    fn config_maps_and_secrets_refuse_bad_keys_duplicates_and_size() {
        let errors = validate_config_map(&json!({"data": {"ok": "1", "bad key": "2"}, "binaryData": {"ok": "MQ=="}}));
        let paths: Vec<String> = errors.iter().map(|e| e.to_cause().1.field).collect();
        assert_eq!(paths, ["data[bad key]", "data[ok]"]);
        assert!(validate_config_map(&json!({"data": {"a": "x".repeat(1024 * 1024 + 1)}})).len() == 1);
        assert!(validate_config_map(&json!({"data": {"a": "x".repeat(1024 * 1024)}})).is_empty());
        assert_eq!(validate_secret(&json!({"stringData": {"bad/key": "x"}})).len(), 1);
        assert!(validate_secret(&json!({"data": {"a.b": "eA=="}, "type": "Opaque"})).is_empty());
    }
}
