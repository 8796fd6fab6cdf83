//! Evaluating a parsed template against a JSON value the way client-go's
//! `JSONPath.FindResults` walks Go maps: the same result lists per action,
//! the same `range`/`end` bookkeeping (including its behaviour on empty and
//! unterminated ranges), the same missing-key and bounds errors, and the
//! same comparisons in filters (text/template's `eq`/`lt`, which refuse to
//! compare an int with a float).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::JsonPathError;
use super::golang::{GoNumber, sprint, type_name};
use super::parser::{Node, Param};

/// One value a step produced: part of the input, a literal of the template,
/// or Go's invalid `reflect.Value` (what a range over nothing walks).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item<'a> {
    Value(Cow<'a, Value>),
    Invalid,
}

impl Item<'_> {
    fn value(&self) -> Option<&Value> {
        match self {
            Item::Value(v) => Some(v),
            Item::Invalid => None,
        }
    }

    /// Go's `template.Indirect` on an interface: a JSON null is nil.
    fn is_nil(&self) -> bool {
        matches!(self, Item::Value(v) if v.is_null())
    }
}

fn owned<'a>(value: Value) -> Item<'a> {
    Item::Value(Cow::Owned(value))
}

fn fail(message: impl Into<String>) -> JsonPathError {
    JsonPathError::Execute(message.into())
}

pub(crate) struct Executor<'t> {
    nodes: &'t [Node],
    allow_missing_keys: bool,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end: Option<usize>,
}

impl<'t> Executor<'t> {
    pub(crate) fn new(nodes: &'t [Node], allow_missing_keys: bool) -> Self {
        Executor { nodes, allow_missing_keys, begin_range: 0, in_range: 0, end_range: 0, last_end: None }
    }

    /// client-go's FindResults from top-level node `start` on.
    pub(crate) fn find_results<'a>(
        &mut self,
        data: Item<'a>,
        start: usize,
    ) -> Result<Vec<Vec<Item<'a>>>, JsonPathError> {
        let cur = vec![data];
        let mut full = Vec::new();
        let mut i = start;
        while i < self.nodes.len() {
            let results = self.walk(&cur, &self.nodes[i])?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end = Some(i);
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if results.is_empty() {
                    // Walks the body once so that the matching `end` is found.
                    self.find_results(Item::Invalid, i + 1)?;
                } else {
                    for value in results {
                        full.extend(self.find_results(value, i + 1)?);
                    }
                }
                self.in_range -= 1;
                if let Some(end) = self.last_end.filter(|&end| end > i) {
                    i = end;
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk<'a>(&mut self, input: &[Item<'a>], node: &Node) -> Result<Vec<Item<'a>>, JsonPathError> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(text) => Ok(vec![owned(Value::String(text.clone()))]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(i) => Ok(vec![owned(Value::from(*i)); input.len()]),
            Node::Float(f) => {
                let value = Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null);
                Ok(vec![owned(value); input.len()])
            }
            Node::Bool(b) => Ok(vec![owned(Value::Bool(*b)); input.len()]),
            Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
            Node::Recursive => Ok(eval_recursive(input)),
            Node::Union(lists) => {
                let mut result = Vec::new();
                for list in lists {
                    result.extend(self.eval_list(input, list)?);
                }
                Ok(result)
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => {
                    self.begin_range += 1;
                    Ok(input.to_vec())
                }
                "end" if self.in_range > 0 => {
                    self.end_range += 1;
                    Ok(Vec::new())
                }
                "end" => Err(fail("not in range, nothing to end")),
                other => Err(fail(format!("unrecognized identifier {other}"))),
            },
        }
    }

    fn eval_list<'a>(&mut self, input: &[Item<'a>], nodes: &[Node]) -> Result<Vec<Item<'a>>, JsonPathError> {
        let mut cur = input.to_vec();
        for node in nodes {
            cur = self.walk(&cur, node)?;
        }
        Ok(cur)
    }

    fn eval_field<'a>(&self, input: &[Item<'a>], name: &str) -> Result<Vec<Item<'a>>, JsonPathError> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let mut results = Vec::new();
        for item in input {
            match item {
                Item::Value(Cow::Borrowed(Value::Object(map))) => {
                    if let Some(found) = map.get(name) {
                        results.push(Item::Value(Cow::Borrowed(found)));
                    }
                }
                Item::Value(Cow::Owned(Value::Object(map))) => {
                    if let Some(found) = map.get(name) {
                        results.push(owned(found.clone()));
                    }
                }
                _ => {}
            }
        }
        if results.is_empty() && !self.allow_missing_keys {
            return Err(fail(format!("{name} is not found")));
        }
        Ok(results)
    }

    fn eval_filter<'a>(
        &mut self,
        input: &[Item<'a>],
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<Item<'a>>, JsonPathError> {
        let mut results = Vec::new();
        for item in input {
            let elements: Vec<Item<'a>> = match item {
                Item::Value(Cow::Borrowed(Value::Array(items))) => {
                    items.iter().map(|v| Item::Value(Cow::Borrowed(v))).collect()
                }
                Item::Value(Cow::Owned(Value::Array(items))) => items.iter().cloned().map(owned).collect(),
                Item::Value(v) if !v.is_null() => {
                    return Err(fail(format!("{} is not array or slice and cannot be filtered", sprint(v))));
                }
                _ => return Err(fail("<invalid reflect.Value> is not array or slice and cannot be filtered")),
            };
            for element in elements {
                let temp = [element.clone()];
                let lefts = self.eval_list(&temp, left);
                if op == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        results.push(element);
                    }
                    continue;
                }
                let lefts = lefts?;
                match lefts.len() {
                    0 => continue,
                    1 => {}
                    _ => return Err(fail("can only compare one element at a time")),
                }
                let rights = self.eval_list(&temp, right)?;
                match rights.len() {
                    0 => continue,
                    1 => {}
                    _ => return Err(fail("can only compare one element at a time")),
                }
                let (l, r) = (lefts[0].value(), rights[0].value());
                let pass = match op {
                    "<" => less(l, r)?,
                    ">" => !(less(l, r)? || equal(l, r)?),
                    "==" => equal(l, r)?,
                    "!=" => !equal(l, r)?,
                    "<=" => less(l, r)? || equal(l, r)?,
                    ">=" => !less(l, r)?,
                    other => return Err(fail(format!("unrecognized filter operator {other}"))),
                };
                if pass {
                    results.push(element);
                }
            }
        }
        Ok(results)
    }
}

/// The elements `*` and `..` step into: map values, array items, and
/// (as in Go) the bytes of a string.
fn children<'a>(item: &Item<'a>) -> Vec<Item<'a>> {
    match item {
        Item::Value(Cow::Borrowed(value)) => match value {
            Value::Object(map) => map.values().map(|v| Item::Value(Cow::Borrowed(v))).collect(),
            Value::Array(items) => items.iter().map(|v| Item::Value(Cow::Borrowed(v))).collect(),
            Value::String(s) => s.bytes().map(|b| owned(Value::from(b))).collect(),
            _ => Vec::new(),
        },
        Item::Value(Cow::Owned(value)) => match value {
            Value::Object(map) => map.values().cloned().map(owned).collect(),
            Value::Array(items) => items.iter().cloned().map(owned).collect(),
            Value::String(s) => s.bytes().map(|b| owned(Value::from(b))).collect(),
            _ => Vec::new(),
        },
        Item::Invalid => Vec::new(),
    }
}

/// `..`: every container at or below the input, parents before children;
/// leaves are not results themselves (Go only keeps values with children).
fn eval_recursive<'a>(input: &[Item<'a>]) -> Vec<Item<'a>> {
    let mut result = Vec::new();
    for item in input {
        let kids = children(item);
        if !kids.is_empty() {
            result.push(item.clone());
            result.extend(eval_recursive(&kids));
        }
    }
    result
}

fn eval_array<'a>(input: &[Item<'a>], node_params: &[Param; 3]) -> Result<Vec<Item<'a>>, JsonPathError> {
    let mut result = Vec::new();
    for item in input {
        if item.is_nil() {
            continue;
        }
        let len = match item.value() {
            Some(Value::Array(items)) => items.len() as i64,
            Some(other) => return Err(fail(format!("{} is not array or slice", type_name(other)))),
            None => return Err(fail("<invalid Value> is not array or slice")),
        };
        let mut params = *node_params;
        if !params[0].known {
            params[0].value = 0;
        }
        if params[0].value < 0 {
            params[0].value = params[0].value.saturating_add(len);
        }
        if !params[1].known {
            params[1].value = len;
        }
        if params[1].value < 0 || (params[1].value == 0 && params[1].derived) {
            params[1].value = params[1].value.saturating_add(len);
        }
        let (start, end) = (params[0].value, params[1].value);
        if start == end {
            // Zero elements requested: Go returns what it has so far.
            return Ok(result);
        }
        if start >= len || start < 0 {
            return Err(fail(format!("array index out of bounds: index {start}, length {len}")));
        }
        if end > len || end < 0 {
            return Err(fail(format!("array index out of bounds: index {}, length {len}", end - 1)));
        }
        if start > end {
            return Err(fail(format!("starting index {start} is greater than ending index {end}")));
        }
        let step = if params[2].known {
            if params[2].value <= 0 {
                return Err(fail("step must be > 0"));
            }
            params[2].value as usize
        } else {
            1
        };
        let slice: Vec<Item<'a>> = match item {
            Item::Value(Cow::Borrowed(Value::Array(items))) => {
                items[start as usize..end as usize].iter().map(|v| Item::Value(Cow::Borrowed(v))).collect()
            }
            Item::Value(Cow::Owned(Value::Array(items))) => {
                items[start as usize..end as usize].iter().cloned().map(owned).collect()
            }
            _ => Vec::new(),
        };
        result.extend(slice.into_iter().step_by(step));
    }
    Ok(result)
}

/// text/template's kinds for comparison.
#[derive(PartialEq)]
enum Basic<'v> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'v str),
}

const BAD_TYPE: &str = "invalid type for comparison";
const INCOMPATIBLE: &str = "incompatible types for comparison";

fn basic(value: Option<&Value>) -> Result<Basic<'_>, JsonPathError> {
    match value {
        Some(Value::Bool(b)) => Ok(Basic::Bool(*b)),
        Some(Value::Number(n)) => Ok(match GoNumber::of(n) {
            GoNumber::Int(i) => Basic::Int(i),
            GoNumber::Float(f) => Basic::Float(f),
        }),
        Some(Value::String(s)) => Ok(Basic::Str(s)),
        _ => Err(fail(BAD_TYPE)),
    }
}

fn equal(a: Option<&Value>, b: Option<&Value>) -> Result<bool, JsonPathError> {
    let (a, b) = (basic(a)?, basic(b)?);
    match (&a, &b) {
        (Basic::Bool(x), Basic::Bool(y)) => Ok(x == y),
        (Basic::Int(x), Basic::Int(y)) => Ok(x == y),
        (Basic::Float(x), Basic::Float(y)) => Ok(x == y),
        (Basic::Str(x), Basic::Str(y)) => Ok(x == y),
        _ => Err(fail(INCOMPATIBLE)),
    }
}

fn less(a: Option<&Value>, b: Option<&Value>) -> Result<bool, JsonPathError> {
    let (a, b) = (basic(a)?, basic(b)?);
    match (&a, &b) {
        (Basic::Bool(_), Basic::Bool(_)) => Err(fail(BAD_TYPE)),
        (Basic::Int(x), Basic::Int(y)) => Ok(x < y),
        (Basic::Float(x), Basic::Float(y)) => Ok(x.partial_cmp(y) == Some(Ordering::Less)),
        (Basic::Str(x), Basic::Str(y)) => Ok(x < y),
        _ => Err(fail(INCOMPATIBLE)),
    }
}
