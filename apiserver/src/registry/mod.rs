//! The registry: one description per served resource (group, version,
//! plural, kind, scope, names, subresources, schema, printer columns,
//! selectable fields). Built-in kinds and CRD-defined kinds are the same
//! data; posting a CRD adds entries and deleting it removes them. Handlers
//! never special-case a kind by name: kinds differ only by their
//! description, and by the few `Behaviour`s kube itself gives built-ins.

mod builtin;
pub mod crd;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use serde_json::Value;

use crate::error::GroupResource;
use crate::schema::Schema;

pub use builtin::{builtin_resources, object_meta_schema};

/// Kind-specific semantics kube-apiserver attaches to some built-ins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Plain storage semantics (ConfigMap, Secret, Lease, custom resources).
    Plain,
    /// Namespace lifecycle: Terminating until empty, cascading delete.
    Namespace,
    /// CustomResourceDefinition: posting one serves a new resource.
    CustomResourceDefinition,
    /// core/v1 Event, stored as is.
    CoreEvent,
    /// events.k8s.io/v1 Event: the same stored objects as core/v1 Events,
    /// converted on the way in and out.
    EventsV1Event,
}

/// A column of a CRD's `additionalPrinterColumns`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterColumn {
    pub name: String,
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub json_path: String,
}

/// Everything the server knows about one served group/version/resource.
#[derive(Clone, Debug)]
pub struct ResourceInfo {
    pub group: String,
    pub version: String,
    /// Plural, lowercase: the path segment.
    pub resource: String,
    pub singular: String,
    pub kind: String,
    pub list_kind: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    pub status_subresource: bool,
    /// Extra subresources besides status (Namespace has `finalize`).
    pub extra_subresources: Vec<&'static str>,
    /// Discovery verbs, alphabetical as kube lists them.
    pub verbs: Vec<&'static str>,
    /// Key prefix in the store, ending in `/`. Versions of one CRD share
    /// it, and so do core/v1 and events.k8s.io/v1 Events.
    pub storage_prefix: String,
    pub behaviour: Behaviour,
    /// The kind's OpenAPI v3 schema (components form, `$ref`s into
    /// `#/components/schemas/`) for validation and OpenAPI documents.
    pub schema: Arc<Value>,
    /// The OpenAPI component name of the kind, e.g.
    /// `io.k8s.api.core.v1.ConfigMap` or `io.rancherdesktop.app.v1alpha1.App`.
    pub schema_name: String,
    /// Component schemas the kind's schema refers to (built-ins only).
    pub schema_definitions: Arc<BTreeMap<String, Value>>,
    pub printer_columns: Vec<PrinterColumn>,
    /// Field paths usable in field selectors besides metadata.name and
    /// metadata.namespace, without the leading dot (`status.repoTag`).
    pub selectable_fields: Vec<String>,
    /// For custom resources, the name of the defining CRD.
    pub crd_name: Option<String>,
    /// `schema` compiled for validation, on first use: compiling is not
    /// free and most kinds are never written.
    pub compiled: Arc<OnceLock<Result<Arc<Schema>, String>>>,
    /// The schema's `x-kubernetes-validations` compiled, on first use, like
    /// `compiled`; `None` inside when the schema has no rules.
    pub compiled_rules: Arc<OnceLock<Result<Option<Arc<crate::cel::Validator>>, String>>>,
    /// For built-in kinds, whether an object decodes into the kind's typed
    /// form, as kube-apiserver decodes every body into its Go struct: a
    /// ConfigMap whose `data` holds a number must be refused, or every
    /// typed client listing ConfigMaps would fail on it.
    pub typed_check: Option<TypedCheck>,
    /// kube's validation of a built-in kind's own fields (ConfigMap and
    /// Secret keys and sizes), run after ObjectMeta's.
    pub kind_rules: Option<KindRules>,
}

/// A built-in kind's field rules: the errors of an object, none when valid.
pub type KindRules = fn(&Value) -> Vec<crate::validation::FieldError>;

/// Decodes an object into a built-in kind's typed form; the error says
/// which field had the wrong type.
pub type TypedCheck = fn(&Value) -> Result<(), String>;

impl ResourceInfo {
    /// The compiled validation schema (CRD schemas strictly, built-in
    /// schemas with their component definitions).
    pub fn compiled_schema(&self) -> Result<Arc<Schema>, String> {
        self.compiled
            .get_or_init(|| {
                let compiled = if self.is_custom() {
                    Schema::compile(&self.schema)
                } else {
                    Schema::compile_with_definitions(&self.schema, &self.schema_definitions)
                };
                compiled.map(Arc::new).map_err(|err| err.to_string())
            })
            .clone()
    }

    /// The compiled CEL rules of a custom resource's schema (`None`: no
    /// rules, or a built-in kind).
    pub fn compiled_rules(&self) -> Result<Option<Arc<crate::cel::Validator>>, String> {
        self.compiled_rules
            .get_or_init(|| {
                if !self.is_custom() {
                    return Ok(None);
                }
                crate::cel::Validator::compile(&self.schema).map(|v| v.map(Arc::new))
            })
            .clone()
    }

    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.resource)
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `Kind` for the core group, `Kind.group` otherwise: the prefix of
    /// Invalid messages.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() { self.kind.clone() } else { format!("{}.{}", self.kind, self.group) }
    }

    /// Store key of an object.
    pub fn key(&self, namespace: Option<&str>, name: &str) -> String {
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{}{}/{}", self.storage_prefix, ns, name),
            None => format!("{}{}", self.storage_prefix, name),
        }
    }

    /// Key prefix of a list: all objects, or one namespace's.
    pub fn list_prefix(&self, namespace: Option<&str>) -> String {
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{}{}/", self.storage_prefix, ns),
            None => self.storage_prefix.clone(),
        }
    }

    pub fn has_subresource(&self, subresource: &str) -> bool {
        (subresource == "status" && self.status_subresource) || self.extra_subresources.contains(&subresource)
    }

    pub fn is_custom(&self) -> bool {
        self.crd_name.is_some()
    }
}

/// All served resources at one moment; replaced as a whole on change.
#[derive(Debug, Default)]
pub struct RegistrySnapshot {
    resources: Vec<Arc<ResourceInfo>>,
}

impl RegistrySnapshot {
    pub fn new(mut resources: Vec<Arc<ResourceInfo>>) -> Self {
        resources.sort_by(|a, b| (&a.group, &a.version, &a.resource).cmp(&(&b.group, &b.version, &b.resource)));
        RegistrySnapshot { resources }
    }

    pub fn resources(&self) -> &[Arc<ResourceInfo>] {
        &self.resources
    }

    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<&Arc<ResourceInfo>> {
        self.resources.iter().find(|r| r.group == group && r.version == version && r.resource == resource)
    }

    /// Whether a group/version is served at all (for 404 vs 405 decisions).
    pub fn serves_group_version(&self, group: &str, version: &str) -> bool {
        self.resources.iter().any(|r| r.group == group && r.version == version)
    }

    /// Served versions of a group, preferred (first) version first.
    pub fn group_versions(&self, group: &str) -> Vec<String> {
        let mut versions: Vec<String> = Vec::new();
        for r in self.resources.iter().filter(|r| r.group == group) {
            if !versions.contains(&r.version) {
                versions.push(r.version.clone());
            }
        }
        versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
        versions
    }

    /// Served groups (without the core group), in discovery order.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for r in &self.resources {
            if !r.group.is_empty() && !groups.contains(&r.group) {
                groups.push(r.group.clone());
            }
        }
        groups
    }
}

/// kube's version ordering: GA > beta > alpha, higher numbers first.
pub fn version_priority(version: &str) -> (u8, u64, u64) {
    let rest = version.strip_prefix('v').unwrap_or(version);
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let Ok(major) = rest[..digits_end].parse::<u64>() else { return (0, 0, 0) };
    let suffix = &rest[digits_end..];
    if suffix.is_empty() {
        return (3, major, 0);
    }
    let (stage, number) = if let Some(n) = suffix.strip_prefix("beta") {
        (2, n)
    } else if let Some(n) = suffix.strip_prefix("alpha") {
        (1, n)
    } else {
        return (0, 0, 0);
    };
    match number.parse::<u64>() {
        Ok(minor) => (stage, major, minor),
        Err(_) => (0, 0, 0),
    }
}

/// The live registry, swapped atomically when CRDs change.
pub struct Registry {
    snapshot: ArcSwap<RegistrySnapshot>,
    builtins: Vec<Arc<ResourceInfo>>,
}

impl Registry {
    pub fn new() -> Self {
        let builtins: Vec<Arc<ResourceInfo>> = builtin_resources().into_iter().map(Arc::new).collect();
        Registry { snapshot: ArcSwap::from_pointee(RegistrySnapshot::new(builtins.clone())), builtins }
    }

    pub fn snapshot(&self) -> Arc<RegistrySnapshot> {
        self.snapshot.load_full()
    }

    /// Serves exactly the built-ins plus the given custom resources.
    pub fn set_custom_resources(&self, custom: Vec<Arc<ResourceInfo>>) {
        let mut all = self.builtins.clone();
        all.extend(custom);
        self.snapshot.store(Arc::new(RegistrySnapshot::new(all)));
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_like_kube() {
        let mut versions = vec!["v1alpha1", "v2", "v1beta2", "v1", "v1beta1", "v10", "foo"];
        versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
        assert_eq!(versions, ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]);
    }

    #[test]
    fn builtins_are_served_and_keyed() {
        let registry = Registry::new();
        let snapshot = registry.snapshot();
        let cm = snapshot.lookup("", "v1", "configmaps").expect("configmaps served");
        assert_eq!(cm.key(Some("default"), "x"), "/core/configmaps/default/x");
        assert_eq!(cm.list_prefix(Some("default")), "/core/configmaps/default/");
        assert_eq!(cm.list_prefix(None), "/core/configmaps/");
        let ns = snapshot.lookup("", "v1", "namespaces").expect("namespaces served");
        assert_eq!(ns.key(Some("ignored"), "default"), "/core/namespaces/default");
        let core_events = snapshot.lookup("", "v1", "events").unwrap();
        let v1_events = snapshot.lookup("events.k8s.io", "v1", "events").unwrap();
        assert_eq!(core_events.storage_prefix, v1_events.storage_prefix);
        assert!(snapshot.serves_group_version("coordination.k8s.io", "v1"));
        assert_eq!(snapshot.group_versions("apiextensions.k8s.io"), ["v1"]);
    }
}
