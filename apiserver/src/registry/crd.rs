//! Turning a CustomResourceDefinition object into the resources it serves:
//! one `ResourceInfo` per served version, sharing one storage prefix.
//! The CRD is assumed validated already (names, scope, schema).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Behaviour, PrinterColumn, ResourceInfo};

/// Reversed-domain OpenAPI component name kube publishes a custom kind
/// under: `app.rancherdesktop.io`, `v1alpha1`, `App` →
/// `io.rancherdesktop.app.v1alpha1.App`.
pub fn component_name(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{}.{}", reversed.join("."), version, kind)
}

fn string(value: &Value, pointer: &str) -> String {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn strings(value: &Value, pointer: &str) -> Vec<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn printer_columns(version: &Value) -> Vec<PrinterColumn> {
    let Some(columns) = version.get("additionalPrinterColumns").and_then(Value::as_array) else {
        // kube's default when a version declares no columns.
        return vec![PrinterColumn {
            name: "Age".to_owned(),
            type_: "date".to_owned(),
            format: String::new(),
            description: String::new(),
            priority: 0,
            json_path: ".metadata.creationTimestamp".to_owned(),
        }];
    };
    columns
        .iter()
        .map(|c| PrinterColumn {
            name: string(c, "/name"),
            type_: string(c, "/type"),
            format: string(c, "/format"),
            description: string(c, "/description"),
            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
            json_path: string(c, "/jsonPath"),
        })
        .collect()
}

/// The resources a CRD serves, one per served version.
pub fn resources_of(crd: &Value) -> Vec<ResourceInfo> {
    let crd_name = string(crd, "/metadata/name");
    let group = string(crd, "/spec/group");
    let plural = string(crd, "/spec/names/plural");
    let kind = string(crd, "/spec/names/kind");
    let singular = match string(crd, "/spec/names/singular") {
        s if s.is_empty() => kind.to_lowercase(),
        s => s,
    };
    let list_kind = match string(crd, "/spec/names/listKind") {
        s if s.is_empty() => format!("{kind}List"),
        s => s,
    };
    let namespaced = string(crd, "/spec/scope") != "Cluster";
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array).cloned().unwrap_or_default();
    versions
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool).unwrap_or(false))
        .map(|v| {
            let version = string(v, "/name");
            let schema = v
                .pointer("/schema/openAPIV3Schema")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
            ResourceInfo {
                group: group.clone(),
                version: version.clone(),
                resource: plural.clone(),
                singular: singular.clone(),
                kind: kind.clone(),
                list_kind: list_kind.clone(),
                short_names: strings(crd, "/spec/names/shortNames"),
                categories: strings(crd, "/spec/names/categories"),
                namespaced,
                status_subresource: v.pointer("/subresources/status").is_some(),
                extra_subresources: Vec::new(),
                verbs: vec!["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                storage_prefix: format!("/{group}/{plural}/"),
                behaviour: Behaviour::Plain,
                schema: Arc::new(schema),
                schema_name: component_name(&group, &version, &kind),
                schema_definitions: Arc::new(BTreeMap::new()),
                printer_columns: printer_columns(v),
                selectable_fields: v
                    .get("selectableFields")
                    .and_then(Value::as_array)
                    .map(|fields| {
                        fields
                            .iter()
                            .filter_map(|f| f.get("jsonPath").and_then(Value::as_str))
                            .map(|p| p.trim_start_matches('.').to_owned())
                            .collect()
                    })
                    .unwrap_or_default(),
                crd_name: Some(crd_name.clone()),
                compiled: Default::default(),
                compiled_rules: Default::default(),
                typed_check: None,
                kind_rules: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdd_crds_become_resources() {
        for crd in rdd_api::crds::all() {
            let value = serde_json::to_value(&crd).unwrap();
            let resources = resources_of(&value);
            assert_eq!(resources.len(), 1, "{:?}", crd.metadata.name);
        }
        let image = serde_json::to_value(rdd_api::crds::all().remove(2)).unwrap();
        let info = &resources_of(&image)[0];
        assert_eq!(info.group, "containers.rancherdesktop.io");
        assert_eq!(info.resource, "images");
        assert_eq!(info.list_kind, "ImageList");
        assert_eq!(info.storage_prefix, "/containers.rancherdesktop.io/images/");
        assert_eq!(info.selectable_fields, ["status.repoTag", "status.id", "status.namespace"]);
        assert_eq!(info.printer_columns[0].json_path, ".status.repoTag");
        assert!(info.status_subresource);
        assert!(info.namespaced);
        assert_eq!(info.schema_name, "io.rancherdesktop.containers.v1alpha1.Image");
        let app = serde_json::to_value(rdd_api::crds::all().remove(0)).unwrap();
        assert!(!resources_of(&app)[0].namespaced);
    }

    #[test]
    fn a_version_without_columns_gets_age() {
        let crd = serde_json::json!({
            "metadata": {"name": "foos.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": "foos", "kind": "Foo"},
                     "versions": [{"name": "v1", "served": true, "storage": true},
                                  {"name": "v2", "served": false, "storage": false}]}
        });
        let resources = resources_of(&crd);
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0].singular, "foo");
        assert_eq!(resources[0].printer_columns[0].name, "Age");
    }
}
