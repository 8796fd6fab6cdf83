//! `config view` as kubectl 1.33 prints it: the kubeconfig read into
//! client-go's Config (unknown fields dropped, lists keyed and sorted by
//! name), `--minify` down to one context, certificate data shown as
//! `DATA+OMITTED` and tokens and passwords as `REDACTED` unless `--raw` or
//! `--flatten`. kubectl prints this typed object, so `-o json` keeps Go's
//! struct field order; YAML and JSONPath see it as sorted maps.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ordered::Ordered;

/// Why `config view` fails; messages are kubectl's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigViewError {
    #[error("current-context must exist in order to minify")]
    NoCurrentContext,
    #[error("cannot locate context {0}")]
    MissingContext(String),
    #[error("cannot locate cluster {0}")]
    MissingCluster(String),
    #[error("cannot locate user {0}")]
    MissingUser(String),
}

/// `config view` flags.
#[derive(Debug, Clone, Default)]
pub struct ConfigViewOptions {
    pub minify: bool,
    pub flatten: bool,
    pub raw: bool,
    /// `--context`: overrides current-context.
    pub context: Option<String>,
}

/// The Config kubectl would print.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigView(Ordered);

// `Ordered` is crate-private; ConfigView is the public face of it.

impl ConfigView {
    /// As a JSON value, for `-o yaml` (through `to_yaml`) and `-o jsonpath`.
    pub fn to_value(&self) -> Value {
        self.0.to_value()
    }

    /// `-o json`: indented, in Go's field order, with a final newline.
    pub fn to_json(&self) -> String {
        self.0.to_json()
    }
}

/// The named entries of a kubeconfig list, keyed by name (later wins).
fn by_name<'a>(config: &'a Value, list: &str, field: &str) -> BTreeMap<String, &'a Value> {
    let mut map = BTreeMap::new();
    for entry in config.get(list).and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = entry.get("name").and_then(Value::as_str) {
            map.insert(name.to_owned(), entry.get(field).unwrap_or(&Value::Null));
        }
    }
    map
}

/// The fields of a struct that are present, in the given order; `always`
/// fields print even when empty (no `omitempty` in client-go).
fn fields(
    source: &Value,
    names: &[(&'static str, bool)],
    redact: &dyn Fn(&str, &str) -> Option<&'static str>,
) -> Ordered {
    let mut out = Vec::new();
    for &(name, always) in names {
        match source.get(name) {
            Some(Value::String(s)) if !s.is_empty() => {
                out.push((name.to_owned(), Ordered::string(redact(name, s).map_or_else(|| s.clone(), str::to_owned))));
            }
            Some(Value::Bool(true)) => out.push((name.to_owned(), Ordered::Leaf(Value::Bool(true)))),
            Some(Value::Array(items)) if !items.is_empty() => out.push((
                name.to_owned(),
                Ordered::Arr(items.iter().filter_map(Value::as_str).map(Ordered::string).collect()),
            )),
            _ if always => out.push((name.to_owned(), Ordered::string(""))),
            _ => {}
        }
    }
    Ordered::Obj(out)
}

const CLUSTER_FIELDS: &[(&str, bool)] = &[
    ("server", true),
    ("tls-server-name", false),
    ("insecure-skip-tls-verify", false),
    ("certificate-authority", false),
    ("certificate-authority-data", false),
    ("proxy-url", false),
    ("disable-compression", false),
];
const USER_FIELDS: &[(&str, bool)] = &[
    ("client-certificate", false),
    ("client-certificate-data", false),
    ("client-key", false),
    ("client-key-data", false),
    ("token", false),
    ("tokenFile", false),
    ("as", false),
    ("as-uid", false),
    ("as-groups", false),
    ("username", false),
    ("password", false),
];
const CONTEXT_FIELDS: &[(&str, bool)] = &[("cluster", true), ("user", true), ("namespace", false)];

/// The one entry a minified context names (none when it names none).
fn pick<'a>(
    map: &BTreeMap<String, &'a Value>,
    context: &Value,
    key: &str,
    missing: fn(String) -> ConfigViewError,
) -> Result<BTreeMap<String, &'a Value>, ConfigViewError> {
    let name = context.get(key).and_then(Value::as_str).unwrap_or_default();
    if name.is_empty() {
        return Ok(BTreeMap::new());
    }
    map.get(name).map(|v| BTreeMap::from([(name.to_owned(), *v)])).ok_or_else(|| missing(name.to_owned()))
}

/// What `kubectl config view` shows for `config` (the kubeconfig as read
/// from YAML).
pub fn config_view(config: &Value, options: &ConfigViewOptions) -> Result<ConfigView, ConfigViewError> {
    let mut clusters = by_name(config, "clusters", "cluster");
    let mut users = by_name(config, "users", "user");
    let mut contexts = by_name(config, "contexts", "context");
    let current = options
        .context
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| config.get("current-context").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    if options.minify {
        if current.is_empty() {
            return Err(ConfigViewError::NoCurrentContext);
        }
        let context = *contexts.get(&current).ok_or_else(|| ConfigViewError::MissingContext(current.clone()))?;
        clusters = pick(&clusters, context, "cluster", ConfigViewError::MissingCluster)?;
        users = pick(&users, context, "user", ConfigViewError::MissingUser)?;
        contexts = BTreeMap::from([(current.clone(), context)]);
    }
    let shorten = !options.flatten && !options.raw;
    let redact = move |field: &str, _: &str| -> Option<&'static str> {
        match field {
            "certificate-authority-data" | "client-certificate-data" | "client-key-data" if shorten => {
                Some("DATA+OMITTED")
            }
            "token" | "password" if shorten => Some("REDACTED"),
            _ => None,
        }
    };
    let list = |map: BTreeMap<String, &Value>, field: &'static str, names: &[(&'static str, bool)]| {
        if map.is_empty() {
            return Ordered::Leaf(Value::Null);
        }
        Ordered::Arr(
            map.into_iter()
                .map(|(name, value)| {
                    Ordered::Obj(vec![
                        ("name".to_owned(), Ordered::string(name)),
                        (field.to_owned(), fields(value, names, &redact)),
                    ])
                })
                .collect(),
        )
    };
    Ok(ConfigView(Ordered::Obj(vec![
        ("kind".to_owned(), Ordered::string("Config")),
        ("apiVersion".to_owned(), Ordered::string("v1")),
        ("preferences".to_owned(), Ordered::Obj(Vec::new())),
        ("clusters".to_owned(), list(clusters, "cluster", CLUSTER_FIELDS)),
        ("users".to_owned(), list(users, "user", USER_FIELDS)),
        ("contexts".to_owned(), list(contexts, "context", CONTEXT_FIELDS)),
        ("current-context".to_owned(), Ordered::string(current)),
    ])))
}
