//! Resource resolution for the ctl verbs: one discovery pass per invocation
//! (aggregated `/api` and `/apis`; legacy servers: `/api/v1`, `/apis`, then
//! each group's preferred version), and the
//! lookup kubectl's RESTMapper does from what the user typed — plural,
//! singular, kind or short name, each optionally `.group`-qualified —
//! to the resource's path. Nothing is cached across invocations.

use http::Request;
use kube::Client;
use serde_json::{Value, json};

use super::api_resources::{ApiResource, resources_from_discovery};
use super::client::{CtlError, get_json, get_typed};

/// What client-go asks `/api` and `/apis` for: aggregated discovery, else
/// the legacy documents.
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

fn is_aggregated(document: &Value) -> bool {
    document.get("kind").and_then(Value::as_str) == Some("APIGroupDiscoveryList")
}

/// The served resources, as discovery listed them.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub resources: Vec<ApiResource>,
    /// Singular names by `(group, plural)`; discovery reports them per resource.
    singulars: Vec<(String, String, String)>,
}

impl Discovery {
    /// Reads discovery: aggregated discovery (`/api` and `/apis`, two
    /// requests on one connection), else the legacy documents with every
    /// group's preferred version fetched concurrently.
    pub async fn load(client: &Client) -> Result<Discovery, CtlError> {
        let core = get_typed::<Value>(client, "/api", AGGREGATED).await?;
        if is_aggregated(&core) {
            let groups = get_typed::<Value>(client, "/apis", AGGREGATED).await?;
            if is_aggregated(&groups) {
                let mut discovery = Discovery::default();
                discovery.add_aggregated(&core);
                discovery.add_aggregated(&groups);
                return Ok(discovery);
            }
        }
        Self::load_legacy(client).await
    }

    async fn load_legacy(client: &Client) -> Result<Discovery, CtlError> {
        let core = get_json(client, "/api/v1").await?;
        let groups = get_json(client, "/apis").await?;
        let versions: Vec<String> = groups
            .get("groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.pointer("/preferredVersion/groupVersion").and_then(Value::as_str))
            .map(|gv| format!("/apis/{gv}"))
            .collect();
        let lists = futures::future::try_join_all(versions.iter().map(|path| get_json(client, path))).await?;
        let mut discovery = Discovery::default();
        for list in std::iter::once(&core).chain(lists.iter()) {
            discovery.add(list);
        }
        Ok(discovery)
    }

    /// Adds the preferred (first) version of every group of one
    /// `APIGroupDiscoveryList`, as the `APIResourceList` it stands for.
    pub fn add_aggregated(&mut self, list: &Value) {
        for group in list.get("items").and_then(Value::as_array).into_iter().flatten() {
            let name = group.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            let Some(preferred) = group.pointer("/versions/0") else { continue };
            let version = preferred.get("version").and_then(Value::as_str).unwrap_or_default();
            let group_version = if name.is_empty() { version.to_owned() } else { format!("{name}/{version}") };
            let resources: Vec<Value> = preferred
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|r| {
                    json!({
                        "name": r.get("resource"),
                        "singularName": r.get("singularResource"),
                        "namespaced": r.get("scope").and_then(Value::as_str) == Some("Namespaced"),
                        "kind": r.pointer("/responseKind/kind"),
                        "verbs": r.get("verbs"),
                        "shortNames": r.get("shortNames"),
                        "categories": r.get("categories"),
                    })
                })
                .collect();
            self.add(&json!({ "groupVersion": group_version, "resources": resources }));
        }
    }

    /// Adds one `APIResourceList`.
    pub fn add(&mut self, list: &Value) {
        let group_version = list.get("groupVersion").and_then(Value::as_str).unwrap_or_default();
        let group = group_version.rsplit_once('/').map_or("", |(group, _)| group);
        for r in list.get("resources").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(name), Some(singular)) =
                (r.get("name").and_then(Value::as_str), r.get("singularName").and_then(Value::as_str))
            {
                self.singulars.push((group.to_owned(), name.to_owned(), singular.to_owned()));
            }
        }
        self.resources.extend(resources_from_discovery(list));
    }

    fn singular(&self, r: &ApiResource) -> String {
        self.singulars
            .iter()
            .find(|(g, n, _)| *g == r.group && *n == r.name)
            .map(|(_, _, s)| s.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| r.kind.to_lowercase())
    }

    /// The first resource (in discovery's priority order) with this short
    /// name; like kubectl, a warning on stderr names every other resource
    /// it could also mean (`ev`: core events and events.k8s.io events).
    fn by_short_name(&self, short: &str, group: Option<&str>) -> Option<&ApiResource> {
        let mut matches = self
            .resources
            .iter()
            .filter(|r| group.is_none_or(|g| r.group == g) && r.short_names.iter().any(|s| s == short));
        let chosen = matches.next()?;
        let mut warned: Vec<(&str, &str)> = Vec::new();
        for other in matches {
            let long_form = (other.group.as_str(), other.name.as_str());
            // Another version of the same resource is no ambiguity.
            if long_form == (chosen.group.as_str(), chosen.name.as_str()) || warned.contains(&long_form) {
                continue;
            }
            warned.push(long_form);
            let resource =
                if other.group.is_empty() { other.name.clone() } else { format!("{}.{}", other.name, other.group) };
            eprintln!("Warning: short name {short:?} could also match lower priority resource {resource}");
        }
        Some(chosen)
    }

    /// The resource `typed` names (`containers`, `container`, `Container`,
    /// `cns`, `configmaps.`, `images.containers.rancherdesktop.io`, ...).
    pub fn resolve(&self, typed: &str) -> Result<&ApiResource, CtlError> {
        let candidates = |resource: &str, group: Option<&str>| -> Option<&ApiResource> {
            let lower = resource.to_lowercase();
            let in_group = |r: &&ApiResource| group.is_none_or(|g| r.group == g);
            // kubectl prefers exact plural, then singular, then short names, then kind.
            self.resources
                .iter()
                .filter(in_group)
                .find(|r| r.name == lower)
                .or_else(|| self.resources.iter().filter(in_group).find(|r| self.singular(r) == lower))
                .or_else(|| self.by_short_name(&lower, group))
                .or_else(|| self.resources.iter().filter(in_group).find(|r| r.kind.to_lowercase() == lower))
        };
        let found = match typed.split_once('.') {
            Some((resource, group)) => candidates(resource, Some(group)).or_else(|| {
                // `resource.version.group` also works in kubectl.
                group.split_once('.').and_then(|(_, group)| candidates(resource, Some(group)))
            }),
            None => candidates(typed, None),
        };
        found.ok_or_else(|| CtlError::message(format!("the server doesn't have a resource type \"{typed}\"")))
    }
}

/// The URL path of a resource (a collection, or one object when `name` is given).
pub fn resource_path(r: &ApiResource, namespace: Option<&str>, name: Option<&str>) -> String {
    let mut path = if r.group.is_empty() { "/api/v1".to_owned() } else { format!("/apis/{}", r.group_version) };
    if r.namespaced
        && let Some(namespace) = namespace
    {
        path.push_str("/namespaces/");
        path.push_str(namespace);
    }
    path.push('/');
    path.push_str(&r.name);
    if let Some(name) = name {
        path.push('/');
        path.push_str(name);
    }
    path
}

/// `plural.group` (or `plural` for the core group), as kubectl names a
/// resource in its messages.
pub fn qualified_name(r: &ApiResource) -> String {
    if r.group.is_empty() { r.name.clone() } else { format!("{}.{}", r.name, r.group) }
}

/// An empty GET request for `path` (and `accept`).
pub fn get_request(path: &str, accept: &str) -> Result<Request<Vec<u8>>, CtlError> {
    Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(Vec::new())
        .map_err(|err| CtlError::message(format!("building the request for {path}: {err}")))
}

/// ConfigMaps and Namespaces in core/v1 and rdd's container kinds, for
/// the unit tests of the modules that resolve types.
#[cfg(test)]
pub(super) fn test_discovery() -> Discovery {
    let mut d = Discovery::default();
    d.add(&serde_json::json!({"groupVersion": "v1", "resources": [
        {"name": "configmaps", "singularName": "configmap", "namespaced": true, "kind": "ConfigMap",
         "verbs": ["get"], "shortNames": ["cm"]},
        {"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
         "verbs": ["get"], "shortNames": ["ns"]},
    ]}));
    d.add(&serde_json::json!({"groupVersion": "containers.rancherdesktop.io/v1alpha1", "resources": [
        {"name": "containernamespaces", "singularName": "containernamespace", "namespaced": true,
         "kind": "ContainerNamespace", "verbs": ["get"], "shortNames": ["cns"]},
        {"name": "containers", "singularName": "container", "namespaced": true, "kind": "Container",
         "verbs": ["get"]},
    ]}));
    d
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    use super::test_discovery as discovery;

    #[test]
    fn resolves_every_spelling() {
        let d = discovery();
        for typed in [
            "containers",
            "container",
            "Container",
            "containers.containers.rancherdesktop.io",
            "containers.v1alpha1.containers.rancherdesktop.io",
        ] {
            assert_eq!(d.resolve(typed).unwrap().name, "containers", "{typed}");
        }
        assert_eq!(d.resolve("cns").unwrap().name, "containernamespaces");
        assert_eq!(d.resolve("cm").unwrap().name, "configmaps");
        assert_eq!(d.resolve("configmaps.").unwrap().name, "configmaps");
        let err = d.resolve("pods").unwrap_err();
        assert_eq!(err.to_string(), "error: the server doesn't have a resource type \"pods\"");
    }

    #[test]
    fn aggregated_discovery_reads_as_the_preferred_versions_lists() {
        let mut d = Discovery::default();
        d.add_aggregated(&json!({"kind": "APIGroupDiscoveryList", "items": [
            {"metadata": {}, "versions": [{"version": "v1", "resources": [
                {"resource": "configmaps", "singularResource": "configmap", "scope": "Namespaced",
                 "responseKind": {"group": "", "version": "", "kind": "ConfigMap"}, "verbs": ["get"],
                 "shortNames": ["cm"]},
                {"resource": "namespaces", "singularResource": "namespace", "scope": "Cluster",
                 "responseKind": {"group": "", "version": "", "kind": "Namespace"}, "verbs": ["get"],
                 "shortNames": ["ns"]},
            ]}]},
        ]}));
        d.add_aggregated(&json!({"kind": "APIGroupDiscoveryList", "items": [
            {"metadata": {"name": "containers.rancherdesktop.io"}, "versions": [
                {"version": "v1alpha1", "resources": [
                    {"resource": "containernamespaces", "singularResource": "containernamespace",
                     "scope": "Namespaced", "verbs": ["get"], "shortNames": ["cns"],
                     "responseKind": {"group": "containers.rancherdesktop.io", "version": "v1alpha1",
                                      "kind": "ContainerNamespace"}},
                    {"resource": "containers", "singularResource": "container", "scope": "Namespaced",
                     "verbs": ["get"], "categories": ["all"],
                     "responseKind": {"group": "containers.rancherdesktop.io", "version": "v1alpha1",
                                      "kind": "Container"}},
                ]},
                {"version": "v0", "resources": [
                    {"resource": "old", "singularResource": "old", "scope": "Cluster", "verbs": ["get"],
                     "responseKind": {"group": "containers.rancherdesktop.io", "version": "v0", "kind": "Old"}},
                ]},
            ]},
        ]}));
        let mut legacy = discovery();
        legacy.resources[3].categories = vec!["all".into()];
        assert_eq!(d.resources, legacy.resources);
        assert_eq!(d.singulars, legacy.singulars);
        assert!(d.resolve("old").is_err(), "only the preferred (first) version is used");
        let c = d.resolve("container").unwrap();
        assert_eq!(c.group_version, "containers.rancherdesktop.io/v1alpha1");
        assert!(c.namespaced);
        assert!(!d.resolve("ns").unwrap().namespaced);
    }

    #[test]
    fn paths_follow_scope() {
        let d = discovery();
        let cm = d.resolve("cm").unwrap();
        assert_eq!(resource_path(cm, Some("x"), Some("a")), "/api/v1/namespaces/x/configmaps/a");
        assert_eq!(resource_path(cm, None, None), "/api/v1/configmaps");
        let ns = d.resolve("ns").unwrap();
        assert_eq!(resource_path(ns, Some("x"), None), "/api/v1/namespaces");
        let c = d.resolve("containers").unwrap();
        assert_eq!(
            resource_path(c, Some("d"), None),
            "/apis/containers.rancherdesktop.io/v1alpha1/namespaces/d/containers"
        );
    }
}
