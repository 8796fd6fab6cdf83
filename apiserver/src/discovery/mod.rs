//! Legacy discovery documents (`/api`, `/apis`, `/apis/{group}`,
//! `/api/v1`, `/apis/{group}/{version}`), built from the registry so that
//! a posted CRD shows up in `kubectl api-resources` at once. The
//! aggregated form of `/api` and `/apis` lives in [`aggregated`].

pub mod aggregated;

use serde_json::{Value, json};

use crate::registry::{RegistrySnapshot, ResourceInfo};

/// `/api`: the core group's versions.
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": server_address }],
    })
}

fn group_document(registry: &RegistrySnapshot, group: &str) -> Value {
    let versions: Vec<Value> = registry
        .group_versions(group)
        .into_iter()
        .map(|v| json!({ "groupVersion": format!("{group}/{v}"), "version": v }))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({ "name": group, "versions": versions, "preferredVersion": preferred })
}

/// `/apis`: every served group.
pub fn groups(registry: &RegistrySnapshot) -> Value {
    let groups: Vec<Value> = registry.groups().iter().map(|g| group_document(registry, g)).collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// `/apis/{group}`, or None when the group is not served.
pub fn group(registry: &RegistrySnapshot, group: &str) -> Option<Value> {
    if registry.group_versions(group).is_empty() {
        return None;
    }
    let mut document = group_document(registry, group);
    document["kind"] = json!("APIGroup");
    document["apiVersion"] = json!("v1");
    Some(document)
}

fn api_resource(info: &ResourceInfo) -> Value {
    let mut resource = json!({
        "name": info.resource,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        resource["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        resource["categories"] = json!(info.categories);
    }
    resource
}

fn subresource(info: &ResourceInfo, name: &str) -> Value {
    json!({
        "name": format!("{}/{name}", info.resource),
        "singularName": "",
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": if name == "finalize" { json!(["update"]) } else { json!(["get", "patch", "update"]) },
    })
}

/// `/api/v1` or `/apis/{group}/{version}`, or None when not served.
pub fn resource_list(registry: &RegistrySnapshot, group: &str, version: &str) -> Option<Value> {
    if !registry.serves_group_version(group, version) {
        return None;
    }
    let mut resources = Vec::new();
    for info in registry.resources().iter().filter(|r| r.group == group && r.version == version) {
        resources.push(api_resource(info));
        for sub in info.extra_subresources.iter().copied() {
            resources.push(subresource(info, sub));
        }
        if info.status_subresource {
            resources.push(subresource(info, "status"));
        }
    }
    let group_version = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
    Some(
        json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn core_resources_with_subresources() {
        let snapshot = Registry::new().snapshot();
        let list = resource_list(&snapshot, "", "v1").unwrap();
        let names: Vec<&str> =
            list["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["configmaps", "events", "namespaces", "namespaces/finalize", "namespaces/status", "secrets"]
        );
        assert_eq!(list["resources"][0]["shortNames"], json!(["cm"]));
        assert!(resource_list(&snapshot, "", "v2").is_none());
    }

    #[test]
    fn groups_list_preferred_versions() {
        let snapshot = Registry::new().snapshot();
        let doc = groups(&snapshot);
        let names: Vec<&str> = doc["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["apiextensions.k8s.io", "coordination.k8s.io", "events.k8s.io"]);
        assert_eq!(doc["groups"][0]["preferredVersion"]["groupVersion"], "apiextensions.k8s.io/v1");
        assert!(group(&snapshot, "nope.example.com").is_none());
    }
}
