//! OpenAPI v3 documents for every served group/version (`/openapi/v3` and
//! `/openapi/v3/apis/{group}/{version}`), generated from the registry.
//! kubectl reads them twice: `kubectl explain` renders the schemas, and
//! `kubectl create/apply/patch` look for the `fieldValidation` and `dryRun`
//! parameters on each kind's PATCH operation to decide that the server
//! validates (so kubectl needs no client-side schema). OpenAPI v2 (served by
//! kube only as protobuf) is not served: kubectl falls back gracefully.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::registry::{RegistrySnapshot, ResourceInfo};
use crate::request::Route;

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// The document for a route, or None when the group/version is not served.
pub fn document(registry: &RegistrySnapshot, route: &Route) -> Option<Value> {
    match route {
        Route::OpenApiV3Index => Some(index(registry)),
        Route::OpenApiV3 { group, version } => group_version(registry, group, version),
        _ => None,
    }
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

fn served_group_versions(registry: &RegistrySnapshot) -> Vec<(String, String)> {
    let mut gvs: Vec<(String, String)> = Vec::new();
    for r in registry.resources() {
        let gv = (r.group.clone(), r.version.clone());
        if !gvs.contains(&gv) {
            gvs.push(gv);
        }
    }
    gvs
}

/// `/openapi/v3`: one entry per group/version with a content hash, so
/// clients can cache documents until the hash changes.
fn index(registry: &RegistrySnapshot) -> Value {
    let mut paths = Map::new();
    for (group, version) in served_group_versions(registry) {
        if let Some(doc) = group_version(registry, &group, &version) {
            let hash = hex::encode(Sha256::digest(serde_json::to_vec(&doc).unwrap_or_default()));
            let path = gv_path(&group, &version);
            paths.insert(
                path.clone(),
                json!({ "serverRelativeURL": format!("/openapi/v3/{path}?hash={}", hash.to_uppercase()) }),
            );
        }
    }
    json!({ "paths": paths })
}

fn gvk(info: &ResourceInfo) -> Value {
    json!([{ "group": info.group, "version": info.version, "kind": info.kind }])
}

fn query_parameter(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "query", "description": description, "schema": { "type": "string", "uniqueItems": true } })
}

fn write_parameters(include_force: bool) -> Vec<Value> {
    let mut params = vec![
        query_parameter(
            "dryRun",
            "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed",
        ),
        query_parameter(
            "fieldManager",
            "fieldManager is a name associated with the actor or entity that is making these changes.",
        ),
        query_parameter(
            "fieldValidation",
            "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict",
        ),
    ];
    if include_force {
        params.push(json!({ "name": "force", "in": "query", "description": "Force is going to \"force\" Apply requests.", "schema": { "type": "boolean", "uniqueItems": true } }));
    }
    params
}

fn operation(info: &ResourceInfo, action: &str, id: &str, parameters: Vec<Value>, with_body: bool) -> Value {
    let schema_ref = json!({ "$ref": format!("#/components/schemas/{}", info.schema_name) });
    let mut op = json!({
        "tags": [info.api_version().replace(['/', '.'], "_")],
        "description": format!("{action} the specified {}", info.kind),
        "operationId": id,
        "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": schema_ref.clone() } } } },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(info).as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null),
    });
    if !parameters.is_empty() {
        op["parameters"] = json!(parameters);
    }
    if with_body {
        let content = if action == "patch" {
            // kubectl's client-side apply picks strategic merge patch only
            // when the PATCH operation lists its media type, as kube does
            // for built-ins and never for custom resources.
            let mut types =
                vec!["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"];
            if !info.is_custom() {
                types.push("application/strategic-merge-patch+json");
            }
            let patch_schema = json!({ "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" });
            Value::Object(types.into_iter().map(|t| (t.to_owned(), json!({ "schema": patch_schema }))).collect())
        } else {
            json!({ "*/*": { "schema": schema_ref } })
        };
        op["requestBody"] = json!({ "content": content, "required": true });
    }
    op
}

fn paths_of(info: &ResourceInfo, paths: &mut Map<String, Value>) {
    let base = if info.group.is_empty() {
        format!("/api/{}", info.version)
    } else {
        format!("/apis/{}/{}", info.group, info.version)
    };
    let (collection, item) = if info.namespaced {
        (
            format!("{base}/namespaces/{{namespace}}/{}", info.resource),
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", info.resource),
        )
    } else {
        (format!("{base}/{}", info.resource), format!("{base}/{}/{{name}}", info.resource))
    };
    let kind = &info.kind;
    paths.insert(
        collection,
        json!({
            "get": operation(info, "list", &format!("list{kind}"), vec![], false),
            "post": operation(info, "post", &format!("create{kind}"), write_parameters(false), true),
            "delete": operation(info, "deletecollection", &format!("deletecollection{kind}"), vec![query_parameter("dryRun", "When present, indicates that modifications should not be persisted.")], false),
        }),
    );
    paths.insert(
        item,
        json!({
            "get": operation(info, "get", &format!("read{kind}"), vec![], false),
            "put": operation(info, "put", &format!("replace{kind}"), write_parameters(false), true),
            "patch": operation(info, "patch", &format!("patch{kind}"), write_parameters(true), true),
            "delete": operation(info, "delete", &format!("delete{kind}"), vec![query_parameter("dryRun", "When present, indicates that modifications should not be persisted.")], false),
        }),
    );
}

/// A custom kind's published schema: the CRD schema plus the standard
/// apiVersion, kind and metadata fields kube adds.
fn custom_schema(info: &ResourceInfo) -> Value {
    let mut schema = (*info.schema).clone();
    if !schema.is_object() {
        schema = json!({ "type": "object" });
    }
    let properties = schema.as_object_mut().and_then(|s| {
        s.entry("properties").or_insert_with(|| json!({}));
        s.get_mut("properties").and_then(Value::as_object_mut)
    });
    if let Some(properties) = properties {
        properties.insert("apiVersion".into(), json!({ "type": "string", "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" }));
        properties.insert("kind".into(), json!({ "type": "string", "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" }));
        properties.insert("metadata".into(), json!({ "allOf": [{ "$ref": format!("#/components/schemas/{OBJECT_META}") }], "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" }));
    }
    schema["x-kubernetes-group-version-kind"] = gvk(info);
    schema
}

/// `/openapi/v3/apis/{group}/{version}` (or `/openapi/v3/api/v1`).
fn group_version(registry: &RegistrySnapshot, group: &str, version: &str) -> Option<Value> {
    let resources: Vec<_> = registry.resources().iter().filter(|r| r.group == group && r.version == version).collect();
    if resources.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    // ObjectMeta and what it refers to, for custom kinds.
    if let Some(namespaces) = registry.lookup("", "v1", "namespaces") {
        for (name, schema) in namespaces.schema_definitions.iter() {
            if name.starts_with("io.k8s.apimachinery.pkg.apis.meta.v1.") {
                schemas.insert(name.clone(), schema.clone());
            }
        }
    }
    schemas.insert(
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch".into(),
        json!({ "type": "object", "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." }),
    );
    for info in resources {
        paths_of(info, &mut paths);
        if info.is_custom() {
            schemas.insert(info.schema_name.clone(), custom_schema(info));
        } else {
            schemas.insert(info.schema_name.clone(), (*info.schema).clone());
            schemas.extend(info.schema_definitions.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": "v1.33.0" },
        "paths": paths,
        "components": { "schemas": schemas },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Registry, crd::resources_of};
    use std::sync::Arc;

    fn registry_with_rdd_crds() -> Arc<RegistrySnapshot> {
        let registry = Registry::new();
        let custom = rdd_api::crds::all()
            .into_iter()
            .flat_map(|crd| resources_of(&serde_json::to_value(crd).unwrap()))
            .map(Arc::new)
            .collect();
        registry.set_custom_resources(custom);
        registry.snapshot()
    }

    #[test]
    fn index_lists_every_group_version_with_a_hash() {
        let doc = index(&registry_with_rdd_crds());
        let url = doc["paths"]["apis/app.rancherdesktop.io/v1alpha1"]["serverRelativeURL"].as_str().unwrap();
        assert!(url.starts_with("/openapi/v3/apis/app.rancherdesktop.io/v1alpha1?hash="), "{url}");
        assert!(doc["paths"]["api/v1"].is_object());
    }

    #[test]
    fn patch_operations_advertise_field_validation() {
        let doc = group_version(&registry_with_rdd_crds(), "containers.rancherdesktop.io", "v1alpha1").unwrap();
        let patch = &doc["paths"]["/apis/containers.rancherdesktop.io/v1alpha1/namespaces/{namespace}/containers/{name}"]
            ["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Container");
        let names: Vec<&str> =
            patch["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"fieldValidation") && names.contains(&"dryRun"), "{names:?}");
        let schema = &doc["components"]["schemas"]["io.rancherdesktop.containers.v1alpha1.Container"];
        assert_eq!(schema["x-kubernetes-group-version-kind"][0]["kind"], "Container");
        assert!(doc["components"]["schemas"][OBJECT_META].is_object());
    }

    #[test]
    fn unknown_group_versions_have_no_document() {
        assert!(group_version(&registry_with_rdd_crds(), "nope", "v1").is_none());
    }
}
