//! `metadata.managedFields`: one entry per manager, operation (`Apply` or
//! `Update`), subresource and, for updates, apiVersion, each with the
//! fields it owns in `FieldsV1`. Decoded and encoded here, in kube's order
//! (Apply before Update, then by time, manager, apiVersion, subresource),
//! with kube's manager identity and kube's way of naming a manager in a
//! conflict (`"mgr" using v1`).

use serde_json::{Map, Value, json};

use super::set::FieldSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One managedFields entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    pub time: Option<String>,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl Entry {
    /// kube's manager identifier: the entry without fields and time, and
    /// without apiVersion for appliers (so a re-apply in another version
    /// is the same manager), JSON in Go's field order.
    pub fn identity(&self) -> String {
        let mut id = format!(r#"{{"manager":{},"operation":"{}""#, json!(self.manager), self.operation.as_str());
        if self.operation == Operation::Update && !self.api_version.is_empty() {
            id.push_str(&format!(r#","apiVersion":{}"#, json!(self.api_version)));
        }
        if let Some(sub) = &self.subresource {
            id.push_str(&format!(r#","subresource":{}"#, json!(sub)));
        }
        id.push('}');
        id
    }

    /// The manager as kube names it in a conflict: `"name"`, plus
    /// `with subresource "status"`, plus `using v1` for updaters.
    pub fn describe(&self) -> String {
        let mut out = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            out.push_str(&format!(" with subresource {sub:?}"));
        }
        if self.operation == Operation::Update {
            out.push_str(&format!(" using {}", self.api_version));
        }
        out
    }

    pub fn same_manager(&self, other: &Entry) -> bool {
        self.identity() == other.identity()
    }

    fn to_json(&self) -> Value {
        let mut entry = Map::new();
        entry.insert("apiVersion".into(), json!(self.api_version));
        entry.insert("fieldsType".into(), json!("FieldsV1"));
        entry.insert("fieldsV1".into(), self.fields.to_fields_v1());
        entry.insert("manager".into(), json!(self.manager));
        entry.insert("operation".into(), json!(self.operation.as_str()));
        if let Some(sub) = &self.subresource {
            entry.insert("subresource".into(), json!(sub));
        }
        if let Some(time) = &self.time {
            entry.insert("time".into(), json!(time));
        }
        Value::Object(entry)
    }

    fn from_json(value: &Value) -> Result<Entry, String> {
        let text = |field: &str| value.get(field).and_then(Value::as_str).map(str::to_owned);
        let operation = match text("operation").as_deref() {
            Some("Apply") => Operation::Apply,
            Some("Update") => Operation::Update,
            other => return Err(format!("operation must be Apply or Update, not {other:?}")),
        };
        match text("fieldsType").as_deref() {
            Some("FieldsV1") => {}
            other => return Err(format!("fieldsType must be FieldsV1, not {other:?}")),
        }
        let fields = FieldSet::from_fields_v1(value.get("fieldsV1").unwrap_or(&json!({})))?;
        Ok(Entry {
            manager: text("manager").unwrap_or_default(),
            operation,
            api_version: text("apiVersion").unwrap_or_default(),
            time: text("time"),
            subresource: text("subresource").filter(|s| !s.is_empty()),
            fields,
        })
    }
}

/// The managedFields an object carries (none when absent).
pub fn decode(object: &Value) -> Result<Vec<Entry>, String> {
    match object.pointer("/metadata/managedFields") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(entries)) => entries.iter().map(Entry::from_json).collect(),
        Some(other) => Err(format!("metadata.managedFields must be a list, not {other}")),
    }
}

/// Writes the entries into the object in kube's order; none at all
/// removes the field.
pub fn encode(object: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(|a, b| {
        (a.operation, &a.time, &a.manager, &a.api_version, &a.subresource).cmp(&(
            b.operation,
            &b.time,
            &b.manager,
            &b.api_version,
            &b.subresource,
        ))
    });
    let meta = crate::handler::object::metadata_mut(object);
    if entries.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(entries.iter().map(Entry::to_json).collect()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(manager: &str, operation: Operation, subresource: Option<&str>) -> Entry {
        Entry {
            manager: manager.into(),
            operation,
            api_version: "v1".into(),
            time: Some("2026-01-01T00:00:00Z".into()),
            subresource: subresource.map(str::to_owned),
            fields: FieldSet::from_fields_v1(&json!({"f:data": {"f:a": {}}})).unwrap(),
        }
    }

    #[test]
    fn identities_and_descriptions_are_kubes() {
        let update = entry("kubectl-client-side-apply", Operation::Update, None);
        assert_eq!(
            update.identity(),
            r#"{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1"}"#
        );
        assert_eq!(update.describe(), r#""kubectl-client-side-apply" using v1"#);
        let apply = entry("mgr", Operation::Apply, Some("status"));
        assert_eq!(apply.identity(), r#"{"manager":"mgr","operation":"Apply","subresource":"status"}"#);
        assert_eq!(apply.describe(), r#""mgr" with subresource "status""#);
    }

    #[test]
    fn round_trip_in_kube_order() {
        let mut object = json!({"metadata": {"name": "x"}});
        encode(&mut object, vec![entry("b", Operation::Update, None), entry("a", Operation::Apply, None)]);
        let managed = &object["metadata"]["managedFields"];
        assert_eq!(managed[0]["manager"], "a");
        assert_eq!(managed[0]["operation"], "Apply");
        assert_eq!(managed[1]["fieldsV1"], json!({"f:data": {"f:a": {}}}));
        assert_eq!(managed[1]["fieldsType"], "FieldsV1");
        let decoded = decode(&object).unwrap();
        assert_eq!(decoded.len(), 2);
        assert_eq!(decoded[1].manager, "b");
        encode(&mut object, Vec::new());
        assert!(object["metadata"].get("managedFields").is_none());
        assert!(decode(&json!({"metadata": {"managedFields": [{"operation": "Bad"}]}})).is_err());
    }
}
