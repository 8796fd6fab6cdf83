//! Field sets as structured-merge-diff keeps them: a tree of path
//! elements in kube's `FieldsV1` encoding (`f:name` for a field, `k:{..}`
//! for a list-map item by its keys, `v:..` for a set item, `i:N` for an
//! index), where a node may itself be a member (`.` in `FieldsV1`) and have
//! children. Ownership, conflicts and pruning are set algebra on these.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// One path element, encoded as in `FieldsV1` (`f:data`, `k:{"type":"Ready"}`).
pub type Element = String;

/// A path: elements from the object root.
pub type Path = Vec<Element>;

pub fn field(name: &str) -> Element {
    format!("f:{name}")
}

/// The element of a list-map item: its key fields as a JSON object with
/// sorted keys.
pub fn key(fields: &BTreeMap<String, Value>) -> Element {
    let object: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    format!("k:{}", Value::Object(object))
}

/// The element of a set item: the value as JSON.
pub fn value(item: &Value) -> Element {
    format!("v:{item}")
}

/// A set of paths, as a tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    members: BTreeSet<Element>,
    children: BTreeMap<Element, FieldSet>,
}

impl FieldSet {
    pub fn new() -> Self {
        FieldSet::default()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(FieldSet::is_empty)
    }

    pub fn insert(&mut self, path: &[Element]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    pub fn has(&self, path: &[Element]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// Whether the element is a member here.
    pub fn has_member(&self, element: &str) -> bool {
        self.members.contains(element)
    }

    /// The paths below an element (without the element itself).
    pub fn child(&self, element: &str) -> Option<&FieldSet> {
        self.children.get(element).filter(|c| !c.is_empty())
    }

    pub fn members(&self) -> impl Iterator<Item = &Element> {
        self.members.iter()
    }

    pub fn children(&self) -> impl Iterator<Item = (&Element, &FieldSet)> {
        self.children.iter().filter(|(_, c)| !c.is_empty())
    }

    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (element, child) in &other.children {
            let merged = match out.children.get(element) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            out.children.insert(element.clone(), merged);
        }
        out
    }

    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (element, child) in &self.children {
            let rest = match other.children.get(element) {
                Some(theirs) => child.difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                children.insert(element.clone(), rest);
            }
        }
        FieldSet { members, children }
    }

    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.intersection(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (element, child) in &self.children {
            if let Some(theirs) = other.children.get(element) {
                let both = child.intersection(theirs);
                if !both.is_empty() {
                    children.insert(element.clone(), both);
                }
            }
        }
        FieldSet { members, children }
    }

    /// Every member path, in order (members of a node before its children).
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        let elements: BTreeSet<&Element> = self.members.iter().chain(self.children.keys()).collect();
        for element in elements {
            prefix.push(element.clone());
            if self.members.contains(element) {
                out.push(prefix.clone());
            }
            if let Some(child) = self.children.get(element) {
                child.collect(prefix, out);
            }
            prefix.pop();
        }
    }

    /// The `fieldsV1` JSON of the set.
    pub fn to_fields_v1(&self) -> Value {
        let elements: BTreeSet<&Element> =
            self.members.iter().chain(self.children.iter().filter(|(_, c)| !c.is_empty()).map(|(e, _)| e)).collect();
        let mut object = Map::new();
        for element in elements {
            let mut node = match self.children.get(element).filter(|c| !c.is_empty()) {
                Some(child) => child.to_fields_v1(),
                None => Value::Object(Map::new()),
            };
            if self.members.contains(element)
                && let Some(map) = node.as_object_mut()
                && !map.is_empty()
            {
                let mut with_dot = Map::new();
                with_dot.insert(".".into(), Value::Object(Map::new()));
                with_dot.extend(std::mem::take(map));
                *map = with_dot;
            }
            object.insert(element.clone(), node);
        }
        Value::Object(object)
    }

    /// Decodes `fieldsV1`.
    pub fn from_fields_v1(fields: &Value) -> Result<FieldSet, String> {
        let Value::Object(map) = fields else { return Err(format!("fieldsV1 must be an object, not {fields}")) };
        let mut set = FieldSet::new();
        for (element, node) in map {
            if element == "." {
                continue;
            }
            if !["f:", "k:", "v:", "i:"].iter().any(|p| element.starts_with(p)) {
                return Err(format!("unknown path element {element:?} in fieldsV1"));
            }
            let Value::Object(inner) = node else {
                return Err(format!("fieldsV1 entry {element:?} must be an object"));
            };
            if inner.is_empty() || inner.contains_key(".") {
                set.members.insert(canonical(element)?);
            }
            let child = FieldSet::from_fields_v1(node)?;
            if !child.is_empty() {
                set.children.insert(canonical(element)?, child);
            }
        }
        Ok(set)
    }
}

/// Re-encodes `k:` and `v:` elements so that equal keys compare equal
/// whatever whitespace or key order a client sent.
fn canonical(element: &str) -> Result<Element, String> {
    let (prefix, rest) = element.split_at(2);
    match prefix {
        "k:" | "v:" => {
            let parsed: Value =
                serde_json::from_str(rest).map_err(|err| format!("path element {element:?} is not JSON: {err}"))?;
            let parsed = sort_keys(parsed);
            Ok(format!("{prefix}{parsed}"))
        }
        _ => Ok(element.to_owned()),
    }
}

fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> = map.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// A path as kube prints it in conflict messages: `.data.a`,
/// `.status.conditions[type="Ready"].status`, `.metadata.finalizers[="x"]`.
pub fn display(path: &[Element]) -> String {
    let mut out = String::new();
    for element in path {
        let (prefix, rest) = element.split_at(2.min(element.len()));
        match prefix {
            "f:" => {
                out.push('.');
                out.push_str(rest);
            }
            "k:" => {
                let fields: Vec<String> = match serde_json::from_str::<Value>(rest) {
                    Ok(Value::Object(map)) => map.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                    _ => vec![rest.to_owned()],
                };
                out.push_str(&format!("[{}]", fields.join(",")));
            }
            "v:" => out.push_str(&format!("[={rest}]")),
            "i:" => out.push_str(&format!("[{rest}]")),
            _ => out.push_str(element),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn p(elements: &[&str]) -> Path {
        elements.iter().map(|e| (*e).to_owned()).collect()
    }

    #[test]
    fn encodes_members_with_children_using_a_dot() {
        let mut set = FieldSet::new();
        set.insert(&p(&["f:data"]));
        set.insert(&p(&["f:data", "f:a"]));
        set.insert(&p(&["f:metadata", "f:labels", "f:app"]));
        let conditions = key(&[("type".to_owned(), json!("Ready"))].into_iter().collect());
        set.insert(&["f:status".into(), "f:conditions".into(), conditions.clone()]);
        set.insert(&["f:status".into(), "f:conditions".into(), conditions, "f:status".into()]);
        let encoded = set.to_fields_v1();
        assert_eq!(
            encoded,
            json!({
                "f:data": {".": {}, "f:a": {}},
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:status": {"f:conditions": {"k:{\"type\":\"Ready\"}": {".": {}, "f:status": {}}}}
            })
        );
        assert_eq!(FieldSet::from_fields_v1(&encoded).unwrap(), set);
        assert_eq!(
            serde_json::to_string(&encoded["f:data"]).unwrap(),
            r#"{".":{},"f:a":{}}"#,
            "the dot comes first, as kube writes it"
        );
    }

    #[test]
    fn decoding_canonicalizes_keys_and_rejects_garbage() {
        let set =
            FieldSet::from_fields_v1(&json!({"f:spec": {"f:ports": {"k:{\"port\":80, \"name\":\"a\"}": {}}}})).unwrap();
        assert!(set.has(&p(&["f:spec", "f:ports", r#"k:{"name":"a","port":80}"#])));
        assert!(FieldSet::from_fields_v1(&json!({"x:y": {}})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"f:y": 1})).is_err());
        assert!(FieldSet::from_fields_v1(&json!([])).is_err());
    }

    #[test]
    fn algebra() {
        let mut a = FieldSet::new();
        a.insert(&p(&["f:data", "f:a"]));
        a.insert(&p(&["f:data", "f:b"]));
        let mut b = FieldSet::new();
        b.insert(&p(&["f:data", "f:b"]));
        b.insert(&p(&["f:spec"]));
        assert_eq!(a.intersection(&b).paths(), vec![p(&["f:data", "f:b"])]);
        assert_eq!(a.difference(&b).paths(), vec![p(&["f:data", "f:a"])]);
        assert_eq!(a.union(&b).paths().len(), 3);
        assert!(a.difference(&a).is_empty());
        assert!(a.difference(&a).to_fields_v1().as_object().unwrap().is_empty());
    }

    #[test]
    fn displays_paths_like_kube() {
        assert_eq!(display(&p(&["f:data", "f:a"])), ".data.a");
        assert_eq!(
            display(&p(&["f:status", "f:conditions", r#"k:{"type":"Ready"}"#, "f:status"])),
            r#".status.conditions[type="Ready"].status"#
        );
        assert_eq!(display(&p(&["f:metadata", "f:finalizers", r#"v:"x""#])), r#".metadata.finalizers[="x"]"#);
        assert_eq!(
            display(&p(&["f:spec", "f:ports", r#"k:{"name":"a","port":80}"#])),
            r#".spec.ports[name="a",port=80]"#
        );
    }
}
