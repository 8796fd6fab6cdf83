//! Aggregated discovery (`apidiscovery.k8s.io/v2` and `v2beta1`) of a real
//! `rdd svc serve`: the Accept headers client-go sends get one
//! `APIGroupDiscoveryList` per `/api` and `/apis` with the negotiated
//! Content-Type, a CRD posted at runtime shows up in it, and a plain
//! Accept still gets the legacy documents.

mod support;

use std::time::{Duration, Instant};

use http::header::{ACCEPT, CONTENT_TYPE};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use support::Service;

/// What client-go 1.30+ sends for discovery.
const CLIENT_GO_V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
/// What client-go 1.27-1.29 sends.
const CLIENT_GO_V2BETA1: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// GETs `path` with `accept`, returning the Content-Type and the JSON body.
async fn get(client: &kube::Client, path: &str, accept: &str) -> (String, Value) {
    let request = http::Request::get(path).header(ACCEPT, accept).body(kube::client::Body::empty()).unwrap();
    let response = client.send(request).await.expect("discovery request");
    assert_eq!(response.status(), 200, "GET {path}");
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = response.into_body().collect_bytes().await.expect("discovery body");
    (content_type, serde_json::from_slice(&bytes).expect("JSON body"))
}

fn group<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["items"].as_array().unwrap().iter().find(|g| g["metadata"]["name"] == name)
}

fn resource<'a>(version: &'a Value, name: &str) -> &'a Value {
    version["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == name)
        .unwrap_or_else(|| panic!("no resource {name} in {version}"))
}

#[tokio::test]
async fn aggregated_discovery() {
    let service = Service::start().await;
    let client = service.client().await;

    // The core group under /api.
    let (content_type, core) = get(&client, "/api", CLIENT_GO_V2).await;
    assert_eq!(content_type, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    assert_eq!(core["kind"], "APIGroupDiscoveryList");
    assert_eq!(core["apiVersion"], "apidiscovery.k8s.io/v2");
    let items = core["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let v1 = &items[0]["versions"][0];
    assert_eq!((v1["version"].as_str(), v1["freshness"].as_str()), (Some("v1"), Some("Current")));
    let namespaces = resource(v1, "namespaces");
    assert_eq!(namespaces["scope"], "Cluster");
    assert_eq!(namespaces["singularResource"], "namespace");
    assert_eq!(namespaces["responseKind"], json!({"group": "", "version": "", "kind": "Namespace"}));
    let subresources: Vec<&str> =
        namespaces["subresources"].as_array().unwrap().iter().map(|s| s["subresource"].as_str().unwrap()).collect();
    assert_eq!(subresources, ["finalize", "status"]);
    let config_maps = resource(v1, "configmaps");
    assert_eq!(config_maps["scope"], "Namespaced");
    assert_eq!(config_maps["shortNames"], json!(["cm"]));

    // Every other group under /apis, rdd's own CRDs included.
    let (_, groups) = get(&client, "/apis", CLIENT_GO_V2).await;
    assert!(group(&groups, "").is_none(), "the core group is only under /api");
    let crds = &group(&groups, "apiextensions.k8s.io").expect("apiextensions group")["versions"][0];
    assert_eq!(resource(crds, "customresourcedefinitions")["subresources"][0]["subresource"], "status");
    let rdd_groups = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["metadata"]["name"].as_str().is_some_and(|n| n.ends_with("rancherdesktop.io")));
    for g in rdd_groups {
        for version in g["versions"].as_array().unwrap() {
            for r in version["resources"].as_array().unwrap() {
                assert_eq!(r["responseKind"]["group"], g["metadata"]["name"], "{r}");
                assert_eq!(r["responseKind"]["version"], version["version"], "{r}");
            }
        }
    }

    // kubectl 1.27-1.29 ask for v2beta1.
    let (content_type, beta) = get(&client, "/apis", CLIENT_GO_V2BETA1).await;
    assert_eq!(content_type, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
    assert_eq!(beta["apiVersion"], "apidiscovery.k8s.io/v2beta1");
    assert_eq!(beta["items"], groups["items"]);

    // A plain Accept keeps legacy discovery.
    let (content_type, legacy) = get(&client, "/api", "application/json, */*").await;
    assert_eq!(content_type, "application/json");
    assert_eq!(legacy["kind"], "APIVersions");
    let (_, legacy) = get(&client, "/apis", "application/json").await;
    assert_eq!(legacy["kind"], "APIGroupList");

    // A CRD posted at runtime shows up, with its versions in kube's order.
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gizmos.disco.example.com"},
        "spec": {
            "group": "disco.example.com",
            "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo", "listKind": "GizmoList",
                      "shortNames": ["gz"], "categories": ["all"]},
            "scope": "Cluster",
            "versions": [
                {"name": "v1beta1", "served": true, "storage": false,
                 "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
                {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                 "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
            ]
        }
    }))
    .unwrap();
    Api::<CustomResourceDefinition>::all(client.clone()).create(&PostParams::default(), &crd).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let gizmos = loop {
        let (_, groups) = get(&client, "/apis", CLIENT_GO_V2).await;
        if let Some(g) = group(&groups, "disco.example.com") {
            break g.clone();
        }
        assert!(Instant::now() < deadline, "the posted CRD never showed up in aggregated discovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let versions: Vec<&str> =
        gizmos["versions"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["v1", "v1beta1"]);
    assert_eq!(
        gizmos["versions"][0]["resources"][0],
        json!({
            "resource": "gizmos",
            "responseKind": {"group": "disco.example.com", "version": "v1", "kind": "Gizmo"},
            "scope": "Cluster",
            "singularResource": "gizmo",
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            "shortNames": ["gz"],
            "categories": ["all"],
            "subresources": [{
                "subresource": "status",
                "responseKind": {"group": "disco.example.com", "version": "v1", "kind": "Gizmo"},
                "verbs": ["get", "patch", "update"],
            }],
        })
    );
    assert!(gizmos["versions"][1]["resources"][0].get("subresources").is_none());
}
