//! Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`):
//! the columns and cells kube-apiserver produces, so `kubectl get` prints
//! the same thing against rdd as against a cluster. Built-in kinds use
//! kube's internal printers (`builtin`), custom resources their CRD's
//! `additionalPrinterColumns` (`custom`).

mod builtin;
mod custom;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::registry::{Behaviour, ResourceInfo};
use crate::request::IncludeObject;

pub const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
pub const CREATION_TIMESTAMP_DESCRIPTION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// A column definition of a Table.
pub fn column(name: &str, type_: &str, format: &str, description: &str, priority: i64) -> Value {
    json!({ "name": name, "type": type_, "format": format, "description": description, "priority": priority })
}

/// kube's `translateTimestampSince`: the age of an RFC 3339 timestamp,
/// `<unknown>` when absent or unparsable.
pub fn age(timestamp: Option<&str>, now: Timestamp) -> String {
    match timestamp.and_then(|t| t.parse::<Timestamp>().ok()) {
        Some(t) => rdd_api::duration::human_duration(now.as_second() - t.as_second()),
        None => "<unknown>".to_owned(),
    }
}

pub fn str_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// The column definitions of a resource's Table.
pub fn columns(info: &ResourceInfo) -> Vec<Value> {
    match info.behaviour {
        Behaviour::Plain if info.is_custom() => custom_columns(info),
        _ => builtin::columns(info),
    }
}

fn custom_columns(info: &ResourceInfo) -> Vec<Value> {
    let mut columns = vec![column("Name", "string", "name", NAME_DESCRIPTION, 0)];
    for c in &info.printer_columns {
        let description = if c.description.is_empty() {
            format!("Custom resource definition column (in JSONPath format): {}", c.json_path)
        } else {
            c.description.clone()
        };
        columns.push(column(&c.name, &c.type_, &c.format, &description, c.priority));
    }
    columns
}

/// How the cells of a resource's rows are made, prepared once per Table:
/// a custom resource's printer-column JSONPaths are parsed once, not once
/// per row.
enum RowCells<'a> {
    Custom(Vec<custom::Column<'a>>),
    Builtin(&'a ResourceInfo),
}

impl<'a> RowCells<'a> {
    fn new(info: &'a ResourceInfo) -> Self {
        match info.behaviour {
            Behaviour::Plain if info.is_custom() => RowCells::Custom(
                info.printer_columns.iter().map(|c| custom::Column::new(&c.json_path, &c.type_)).collect(),
            ),
            _ => RowCells::Builtin(info),
        }
    }

    fn cells(&self, object: &Value, now: Timestamp) -> Vec<Value> {
        match self {
            RowCells::Custom(columns) => {
                let mut cells = Vec::with_capacity(columns.len() + 1);
                cells.push(json!(str_at(object, "/metadata/name")));
                cells.extend(columns.iter().map(|column| column.cell(object, now)));
                cells
            }
            RowCells::Builtin(info) => builtin::cells(info, object, now),
        }
    }
}

/// An object as `PartialObjectMetadata`: what `as=PartialObjectMetadata`
/// returns and what a Table row carries by default.
pub fn partial_metadata(mut object: Value) -> Value {
    let metadata = object.get_mut("metadata").map_or_else(|| json!({}), Value::take);
    json!({ "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata })
}

/// The `object` of a row, per `includeObject`.
fn row_object(object: Value, include: IncludeObject) -> Option<Value> {
    match include {
        IncludeObject::None => None,
        IncludeObject::Object => Some(object),
        IncludeObject::Metadata => Some(partial_metadata(object)),
    }
}

/// A whole Table for a list (or, with one object, for a get or a watch event).
pub fn table(
    info: &ResourceInfo,
    objects: Vec<Value>,
    include: IncludeObject,
    include_columns: bool,
    resource_version: &str,
    continue_token: Option<&str>,
    now: Timestamp,
) -> Value {
    let row_cells = RowCells::new(info);
    let rows: Vec<Value> = objects
        .into_iter()
        .map(|object| {
            let mut row = json!({ "cells": row_cells.cells(&object, now) });
            if let Some(o) = row_object(object, include) {
                row["object"] = o;
            }
            row
        })
        .collect();
    let mut metadata = json!({ "resourceVersion": resource_version });
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    let mut table = json!({ "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "rows": rows });
    table["columnDefinitions"] = if include_columns { json!(columns(info)) } else { json!([]) };
    table
}
