//! Aggregated discovery (`apidiscovery.k8s.io/v2` and `v2beta1`): the
//! whole resource tree of `/api` (the core group) or `/apis` (every other
//! group) in one `APIGroupDiscoveryList`, so that client-go (kubectl 1.26+)
//! needs one request per path instead of one per group version. Owns the
//! content negotiation that picks it from the `Accept` header; any other
//! `Accept` keeps the legacy documents of the parent module.

use http::{HeaderValue, Response, header};
use serde_json::{Value, json};

use crate::registry::{RegistrySnapshot, ResourceInfo};
use crate::server::ResponseBody;

/// The aggregated discovery version a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2,
    V2Beta1,
}

impl Version {
    fn name(self) -> &'static str {
        match self {
            Version::V2 => "v2",
            Version::V2Beta1 => "v2beta1",
        }
    }

    /// The response `Content-Type`: the media type with the same profile
    /// parameters the client asked for, which client-go checks before it
    /// parses the body as aggregated discovery.
    pub fn content_type(self) -> &'static str {
        match self {
            Version::V2 => "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            Version::V2Beta1 => "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        }
    }
}

/// One entry of an `Accept` header, lowercased where HTTP says case does
/// not matter (media type, parameter names).
struct MediaRange<'a> {
    media_type: String,
    params: Vec<(String, &'a str)>,
    quality: f32,
}

impl<'a> MediaRange<'a> {
    fn parse(entry: &'a str) -> MediaRange<'a> {
        let mut parts = entry.split(';');
        let media_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut params = Vec::new();
        let mut quality = 1.0;
        for part in parts {
            let Some((key, value)) = part.split_once('=') else { continue };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim().trim_matches('"');
            if key == "q" {
                // An unparsable q-value makes the entry unacceptable rather
                // than preferred.
                quality = value.parse().unwrap_or(0.0);
            } else {
                params.push((key, value));
            }
        }
        MediaRange { media_type, params, quality }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    /// What this entry selects: Some(Some(version)) for aggregated
    /// discovery, Some(None) for the legacy documents, None when this
    /// server cannot serve it (protobuf, an unknown profile).
    fn selects(&self) -> Option<Option<Version>> {
        let json_like = matches!(self.media_type.as_str(), "application/json" | "application/*" | "*/*");
        if !json_like {
            return None;
        }
        match (self.param("g"), self.param("v"), self.param("as")) {
            (None, None, None) => Some(None),
            (Some("apidiscovery.k8s.io"), Some("v2"), Some("APIGroupDiscoveryList")) => Some(Some(Version::V2)),
            (Some("apidiscovery.k8s.io"), Some("v2beta1"), Some("APIGroupDiscoveryList")) => {
                Some(Some(Version::V2Beta1))
            }
            _ => None,
        }
    }
}

/// Picks aggregated discovery from an `Accept` header: the entries in
/// order of q-value (ties keep the client's order), the first one this
/// server serves wins. None means the legacy document — also when nothing
/// in the header is servable, since legacy discovery never negotiated.
pub fn negotiate(accept: Option<&str>) -> Option<Version> {
    let accept = accept?;
    let mut ranges: Vec<MediaRange<'_>> =
        accept.split(',').filter(|e| !e.trim().is_empty()).map(MediaRange::parse).collect();
    ranges.retain(|r| r.quality > 0.0);
    ranges.sort_by(|a, b| b.quality.total_cmp(&a.quality));
    ranges.iter().find_map(MediaRange::selects).flatten()
}

fn response_kind(info: &ResourceInfo, group: &str, version: &str, kind: &str) -> Value {
    // kube-apiserver leaves group and version empty for its own resources
    // whose kind lives in the resource's own group version; the CRD
    // discovery controller always fills them in.
    if info.is_custom() || group != info.group || version != info.version {
        json!({ "group": group, "version": version, "kind": kind })
    } else {
        json!({ "group": "", "version": "", "kind": kind })
    }
}

fn subresource(info: &ResourceInfo, name: &str) -> Value {
    let verbs = if name == "finalize" { json!(["update"]) } else { json!(["get", "patch", "update"]) };
    json!({
        "subresource": name,
        "responseKind": response_kind(info, &info.group, &info.version, &info.kind),
        "verbs": verbs,
    })
}

fn resource(info: &ResourceInfo) -> Value {
    let mut resource = json!({
        "resource": info.resource,
        "responseKind": response_kind(info, &info.group, &info.version, &info.kind),
        "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": info.singular,
        "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        resource["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        resource["categories"] = json!(info.categories);
    }
    let mut subresources: Vec<Value> = info.extra_subresources.iter().map(|s| subresource(info, s)).collect();
    if info.status_subresource {
        subresources.push(subresource(info, "status"));
    }
    if !subresources.is_empty() {
        resource["subresources"] = json!(subresources);
    }
    resource
}

fn group_discovery(registry: &RegistrySnapshot, group: &str) -> Value {
    let versions: Vec<Value> = registry
        .group_versions(group)
        .into_iter()
        .map(|version| {
            let resources: Vec<Value> = registry
                .resources()
                .iter()
                .filter(|r| r.group == group && r.version == version)
                .map(|r| resource(r))
                .collect();
            json!({ "version": version, "resources": resources, "freshness": "Current" })
        })
        .collect();
    // The core group has no name; kube renders its metadata without one.
    let metadata = if group.is_empty() {
        json!({ "creationTimestamp": null })
    } else {
        json!({ "name": group, "creationTimestamp": null })
    };
    json!({ "metadata": metadata, "versions": versions })
}

fn list(version: Version, items: Vec<Value>) -> Value {
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{}", version.name()),
        "metadata": {},
        "items": items,
    })
}

/// `/api`: the core group alone.
pub fn core(registry: &RegistrySnapshot, version: Version) -> Value {
    list(version, vec![group_discovery(registry, "")])
}

/// `/apis`: every served group but the core one, in legacy discovery order.
pub fn groups(registry: &RegistrySnapshot, version: Version) -> Value {
    list(version, registry.groups().iter().map(|g| group_discovery(registry, g)).collect())
}

/// Marks a rendered document as aggregated discovery: the negotiated
/// `Content-Type`, and `Vary: Accept` since the same path answers both forms.
pub fn respond(mut response: Response<ResponseBody>, version: Version) -> Response<ResponseBody> {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(version.content_type()));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    const CLIENT_GO_V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    #[test]
    fn negotiates_like_client_go() {
        assert_eq!(negotiate(Some(CLIENT_GO_V2)), Some(Version::V2));
        // client-go 1.27-1.29.
        assert_eq!(
            negotiate(Some(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            )),
            Some(Version::V2Beta1)
        );
        // Protobuf first with a fallback, and q-values reordering.
        assert_eq!(
            negotiate(Some(
                "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            )),
            Some(Version::V2)
        );
        assert_eq!(
            negotiate(Some(
                "application/json;q=0.9, application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList"
            )),
            Some(Version::V2)
        );
        assert_eq!(
            negotiate(Some(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json"
            )),
            None
        );
        assert_eq!(negotiate(Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0")), None);
        assert_eq!(negotiate(Some("application/json, */*")), None);
        assert_eq!(negotiate(Some("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList")), None);
        assert_eq!(negotiate(None), None);
    }

    #[test]
    fn core_group_shape() {
        let snapshot = Registry::new().snapshot();
        let doc = core(&snapshot, Version::V2);
        assert_eq!(doc["kind"], "APIGroupDiscoveryList");
        assert_eq!(doc["apiVersion"], "apidiscovery.k8s.io/v2");
        let items = doc["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert!(items[0]["metadata"].get("name").is_none());
        let version = &items[0]["versions"][0];
        assert_eq!(version["version"], "v1");
        assert_eq!(version["freshness"], "Current");
        let namespaces =
            version["resources"].as_array().unwrap().iter().find(|r| r["resource"] == "namespaces").unwrap();
        assert_eq!(namespaces["scope"], "Cluster");
        assert_eq!(namespaces["singularResource"], "namespace");
        assert_eq!(namespaces["responseKind"], json!({ "group": "", "version": "", "kind": "Namespace" }));
        assert_eq!(namespaces["shortNames"], json!(["ns"]));
        assert_eq!(
            namespaces["subresources"],
            json!([
                { "subresource": "finalize", "responseKind": { "group": "", "version": "", "kind": "Namespace" }, "verbs": ["update"] },
                { "subresource": "status", "responseKind": { "group": "", "version": "", "kind": "Namespace" }, "verbs": ["get", "patch", "update"] },
            ])
        );
        let configmaps =
            version["resources"].as_array().unwrap().iter().find(|r| r["resource"] == "configmaps").unwrap();
        assert_eq!(configmaps["scope"], "Namespaced");
        assert!(configmaps.get("subresources").is_none());
        assert!(configmaps["verbs"].as_array().unwrap().contains(&json!("watch")));
        assert_eq!(core(&snapshot, Version::V2Beta1)["apiVersion"], "apidiscovery.k8s.io/v2beta1");
    }

    #[test]
    fn groups_match_legacy_discovery() {
        let snapshot = Registry::new().snapshot();
        let doc = groups(&snapshot, Version::V2);
        let names: Vec<&str> =
            doc["items"].as_array().unwrap().iter().map(|g| g["metadata"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["apiextensions.k8s.io", "coordination.k8s.io", "events.k8s.io"]);
        let crds = &doc["items"][0]["versions"][0]["resources"][0];
        assert_eq!(crds["resource"], "customresourcedefinitions");
        assert_eq!(crds["subresources"][0]["subresource"], "status");
        assert!(doc["items"].as_array().unwrap().iter().all(|g| g["versions"][0]["freshness"] == "Current"));
    }
}
