//! Compiles an OpenAPI v3 schema (JSON) into the arena of nodes a
//! [`super::Schema`] walks: keywords parsed and checked once, patterns
//! compiled, `$ref`s (and schemars' `allOf: [{$ref}]` wrappers) resolved
//! to shared definition nodes so recursive definitions work.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;
use serde_json::{Map, Value};

pub(super) type NodeId = usize;

/// What an object allows besides its `properties`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Additional {
    /// No `additionalProperties`: unknown fields are pruned, but allowed
    /// by validation.
    #[default]
    Unspecified,
    /// `additionalProperties: true|false`.
    Allowed(bool),
    /// `additionalProperties: {schema}`: a map.
    Schema(NodeId),
}

/// One schema node.
#[derive(Debug, Clone, Default)]
pub(super) struct Node {
    /// Set for a `$ref`: the structure lives in the referenced node.
    pub reference: Option<NodeId>,
    /// Allowed JSON types; empty means any. `integer,string` for
    /// int-or-string.
    pub types: Vec<String>,
    pub nullable: bool,
    pub format: Option<String>,
    pub properties: BTreeMap<String, NodeId>,
    pub additional: Additional,
    pub items: Option<NodeId>,
    pub required: Vec<String>,
    pub enumeration: Option<Vec<Value>>,
    pub default: Option<Value>,
    pub pattern: Option<(String, Regex)>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub unique_items: bool,
    pub preserve_unknown: bool,
    pub embedded: bool,
    pub int_or_string: bool,
    pub list_type: Option<String>,
    pub list_map_keys: Vec<String>,
    pub all_of: Vec<NodeId>,
    pub any_of: Vec<NodeId>,
    pub one_of: Vec<NodeId>,
    pub not: Option<NodeId>,
}

/// A schema that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("schema at {path:?}: {keyword} must be {expected}")]
    InvalidKeyword { path: String, keyword: String, expected: &'static str },
    #[error(
        "schema at {path:?}: cannot resolve $ref {reference:?}; only local references to #/components/schemas/ or #/definitions/ with a known name are supported"
    )]
    UnresolvedRef { path: String, reference: String },
    #[error("schema at {path:?}: pattern {pattern:?} is not a valid regular expression: {error}")]
    InvalidPattern { path: String, pattern: String, error: String },
}

pub(super) struct Compiler<'d> {
    definitions: &'d BTreeMap<String, Value>,
    /// Schemas generated from Go types (built-in kinds) are not
    /// structural: free-form values (`JSON`, `RawExtension`) are typeless
    /// or property-less objects, and unions live only in `oneOf`. Such
    /// nodes accept and keep any value instead of pruning it.
    lenient: bool,
    nodes: Vec<Node>,
    compiled_definitions: HashMap<String, NodeId>,
}

fn invalid(path: &str, keyword: &str, expected: &'static str) -> SchemaError {
    SchemaError::InvalidKeyword { path: path.to_owned(), keyword: keyword.to_owned(), expected }
}

fn count(obj: &Map<String, Value>, keyword: &str, path: &str) -> Result<Option<u64>, SchemaError> {
    match obj.get(keyword) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| invalid(path, keyword, "a non-negative integer")),
    }
}

fn flag(obj: &Map<String, Value>, keyword: &str, path: &str) -> Result<bool, SchemaError> {
    match obj.get(keyword) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| invalid(path, keyword, "a boolean")),
    }
}

fn string(obj: &Map<String, Value>, keyword: &str, path: &str) -> Result<Option<String>, SchemaError> {
    match obj.get(keyword) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_str().map(|s| Some(s.to_owned())).ok_or_else(|| invalid(path, keyword, "a string")),
    }
}

fn strings(obj: &Map<String, Value>, keyword: &str, path: &str) -> Result<Vec<String>, SchemaError> {
    match obj.get(keyword) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid(path, keyword, "a list of strings")))
            .collect(),
        Some(_) => Err(invalid(path, keyword, "a list of strings")),
    }
}

impl<'d> Compiler<'d> {
    pub(super) fn new(definitions: &'d BTreeMap<String, Value>, lenient: bool) -> Self {
        Compiler { definitions, lenient, nodes: Vec::new(), compiled_definitions: HashMap::new() }
    }

    pub(super) fn into_nodes(self) -> Vec<Node> {
        self.nodes
    }

    fn definition(&mut self, reference: &str, path: &str) -> Result<NodeId, SchemaError> {
        let name = ["#/components/schemas/", "#/definitions/", "#/$defs/"]
            .iter()
            .find_map(|prefix| reference.strip_prefix(prefix))
            .unwrap_or_default();
        if let Some(id) = self.compiled_definitions.get(name) {
            return Ok(*id);
        }
        let Some(schema) = self.definitions.get(name) else {
            return Err(SchemaError::UnresolvedRef { path: path.to_owned(), reference: reference.to_owned() });
        };
        // Registered before compiling, so a definition that refers to
        // itself (directly or not) resolves to the node being built.
        let id = self.nodes.len();
        self.compiled_definitions.insert(name.to_owned(), id);
        self.compile(schema, reference)
    }

    /// Compiles `schema`; the returned id is always the first node pushed.
    pub(super) fn compile(&mut self, schema: &Value, path: &str) -> Result<NodeId, SchemaError> {
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        let obj = match schema {
            Value::Object(obj) => obj,
            Value::Bool(true) => return Ok(id),
            _ => return Err(invalid(path, "a schema", "an object")),
        };
        let mut node = Node::default();
        self.parse_types(obj, path, &mut node)?;
        node.default = obj.get("default").cloned();

        let single_ref_all_of = match obj.get("allOf") {
            Some(Value::Array(all)) if all.len() == 1 => all[0].get("$ref").and_then(Value::as_str),
            _ => None,
        };
        if let Some(reference) = obj.get("$ref") {
            let reference = reference.as_str().ok_or_else(|| invalid(path, "$ref", "a string"))?;
            node.reference = Some(self.definition(reference, path)?);
        } else if let Some(reference) = single_ref_all_of
            && !obj.contains_key("properties")
            && !obj.contains_key("items")
        {
            node.reference = Some(self.definition(reference, path)?);
        } else {
            self.parse_structure(obj, path, &mut node)?;
            if self.lenient
                && node.properties.is_empty()
                && node.items.is_none()
                && node.additional == Additional::Unspecified
                && (node.types.is_empty() || node.types == ["object"])
            {
                node.types.clear();
                node.preserve_unknown = true;
            }
        }
        self.nodes[id] = node;
        Ok(id)
    }

    fn parse_types(&mut self, obj: &Map<String, Value>, path: &str, node: &mut Node) -> Result<(), SchemaError> {
        node.nullable = flag(obj, "nullable", path)?;
        match obj.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "null" => node.nullable = true,
            Some(Value::String(t)) => node.types.push(t.clone()),
            Some(Value::Array(types)) => {
                for t in types {
                    match t.as_str() {
                        Some("null") => node.nullable = true,
                        Some(t) => node.types.push(t.to_owned()),
                        None => return Err(invalid(path, "type", "a string or a list of strings")),
                    }
                }
            }
            Some(_) => return Err(invalid(path, "type", "a string or a list of strings")),
        }
        node.int_or_string = flag(obj, "x-kubernetes-int-or-string", path)?;
        if node.int_or_string {
            node.types = vec!["integer".to_owned(), "string".to_owned()];
        }
        Ok(())
    }

    fn parse_structure(&mut self, obj: &Map<String, Value>, path: &str, node: &mut Node) -> Result<(), SchemaError> {
        node.format = string(obj, "format", path)?;
        if let Some(props) = obj.get("properties") {
            let props = props.as_object().ok_or_else(|| invalid(path, "properties", "an object"))?;
            for (name, schema) in props {
                let child = self.compile(schema, &format!("{path}/properties/{name}"))?;
                node.properties.insert(name.clone(), child);
            }
        }
        node.additional = match obj.get("additionalProperties") {
            None | Some(Value::Null) => Additional::Unspecified,
            Some(Value::Bool(allowed)) => Additional::Allowed(*allowed),
            Some(schema) => Additional::Schema(self.compile(schema, &format!("{path}/additionalProperties"))?),
        };
        if let Some(items) = obj.get("items") {
            node.items = Some(self.compile(items, &format!("{path}/items"))?);
        }
        node.required = strings(obj, "required", path)?;
        node.enumeration = match obj.get("enum") {
            None | Some(Value::Null) => None,
            Some(Value::Array(values)) => Some(values.clone()),
            Some(_) => return Err(invalid(path, "enum", "a list")),
        };
        if let Some(pattern) = string(obj, "pattern", path)? {
            let regex = Regex::new(&pattern).map_err(|e| SchemaError::InvalidPattern {
                path: path.to_owned(),
                pattern: pattern.clone(),
                error: e.to_string(),
            })?;
            node.pattern = Some((pattern, regex));
        }
        node.min_length = count(obj, "minLength", path)?;
        node.max_length = count(obj, "maxLength", path)?;
        node.min_items = count(obj, "minItems", path)?;
        node.max_items = count(obj, "maxItems", path)?;
        node.min_properties = count(obj, "minProperties", path)?;
        node.max_properties = count(obj, "maxProperties", path)?;
        let number = |keyword: &str| -> Result<Option<f64>, SchemaError> {
            match obj.get(keyword) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_f64().map(Some).ok_or_else(|| invalid(path, keyword, "a number")),
            }
        };
        node.minimum = number("minimum")?;
        node.maximum = number("maximum")?;
        node.multiple_of = number("multipleOf")?;
        // OpenAPI 3.0 spells exclusive bounds as booleans; JSON Schema
        // 2019+ as numbers. Both are accepted.
        for (keyword, bound, exclusive) in [
            ("exclusiveMinimum", &mut node.minimum, &mut node.exclusive_minimum),
            ("exclusiveMaximum", &mut node.maximum, &mut node.exclusive_maximum),
        ] {
            match obj.get(keyword) {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => *exclusive = *b,
                Some(Value::Number(n)) => {
                    *bound = n.as_f64();
                    *exclusive = true;
                }
                Some(_) => return Err(invalid(path, keyword, "a boolean or a number")),
            }
        }
        node.unique_items = flag(obj, "uniqueItems", path)?;
        node.preserve_unknown = flag(obj, "x-kubernetes-preserve-unknown-fields", path)?;
        node.embedded = flag(obj, "x-kubernetes-embedded-resource", path)?;
        node.list_type = string(obj, "x-kubernetes-list-type", path)?;
        node.list_map_keys = strings(obj, "x-kubernetes-list-map-keys", path)?;
        for (keyword, target) in [("allOf", &mut node.all_of), ("anyOf", &mut node.any_of), ("oneOf", &mut node.one_of)]
        {
            match obj.get(keyword) {
                None | Some(Value::Null) => {}
                Some(Value::Array(schemas)) => {
                    for (i, schema) in schemas.iter().enumerate() {
                        target.push(self.compile(schema, &format!("{path}/{keyword}/{i}"))?);
                    }
                }
                Some(_) => return Err(invalid(path, keyword, "a list of schemas")),
            }
        }
        if let Some(not) = obj.get("not") {
            node.not = Some(self.compile(not, &format!("{path}/not"))?);
        }
        Ok(())
    }
}
