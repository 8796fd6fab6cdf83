//! The built-in kinds the control plane serves without a CRD (SPEC §3.3):
//! core/v1 Namespace, ConfigMap, Secret and Event, events.k8s.io/v1 Event,
//! coordination.k8s.io/v1 Lease and apiextensions.k8s.io/v1
//! CustomResourceDefinition. Their schemas are generated from k8s-openapi's
//! types, so validation and OpenAPI documents describe exactly the
//! Kubernetes 1.33 objects.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Secret};
use k8s_openapi::api::events::v1::Event as EventsV1Event;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Behaviour, KindRules, ResourceInfo};
use crate::validation::config_data::{validate_config_map, validate_secret};

const ALL_VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/// A kind's schema in OpenAPI v3 components form and the components it
/// refers to.
fn openapi_schema<T: JsonSchema>() -> (Value, BTreeMap<String, Value>) {
    let mut settings = schemars::generate::SchemaSettings::openapi3();
    settings.definitions_path = "#/components/schemas/".into();
    let root = settings.into_generator().into_root_schema_for::<T>();
    let mut root = root.to_value();
    let mut definitions = BTreeMap::new();
    if let Some(object) = root.as_object_mut() {
        object.remove("$schema");
        if let Some(Value::Object(mut components)) = object.remove("components")
            && let Some(Value::Object(schemas)) = components.remove("schemas")
        {
            definitions.extend(schemas);
        }
    }
    (root, definitions)
}

struct Builtin {
    group: &'static str,
    resource: &'static str,
    singular: &'static str,
    kind: &'static str,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    namespaced: bool,
    status_subresource: bool,
    extra_subresources: &'static [&'static str],
    verbs: &'static [&'static str],
    storage_prefix: &'static str,
    behaviour: Behaviour,
    schema_name: &'static str,
    kind_rules: Option<KindRules>,
}

/// Whether `object` decodes into `T`, k8s-openapi's form of the kind.
fn decodes_as<T: DeserializeOwned>(object: &Value) -> Result<(), String> {
    T::deserialize(object).map(drop).map_err(|err| err.to_string())
}

impl Builtin {
    fn into_info<T: JsonSchema + DeserializeOwned>(self) -> ResourceInfo {
        let (mut schema, definitions) = openapi_schema::<T>();
        schema["x-kubernetes-group-version-kind"] =
            serde_json::json!([{ "group": self.group, "kind": self.kind, "version": "v1" }]);
        ResourceInfo {
            group: self.group.to_owned(),
            version: "v1".to_owned(),
            resource: self.resource.to_owned(),
            singular: self.singular.to_owned(),
            kind: self.kind.to_owned(),
            list_kind: format!("{}List", self.kind),
            short_names: self.short_names.iter().map(|s| (*s).to_owned()).collect(),
            categories: self.categories.iter().map(|s| (*s).to_owned()).collect(),
            namespaced: self.namespaced,
            status_subresource: self.status_subresource,
            extra_subresources: self.extra_subresources.to_vec(),
            verbs: self.verbs.to_vec(),
            storage_prefix: self.storage_prefix.to_owned(),
            behaviour: self.behaviour,
            schema: Arc::new(schema),
            schema_name: self.schema_name.to_owned(),
            schema_definitions: Arc::new(definitions),
            printer_columns: Vec::new(),
            selectable_fields: builtin_selectable_fields(self.resource),
            compiled: Default::default(),
            compiled_rules: Default::default(),
            typed_check: Some(decodes_as::<T>),
            kind_rules: self.kind_rules,
            crd_name: None,
        }
    }
}

/// Field selectors kube supports on built-ins besides metadata.name and
/// metadata.namespace (its `*FieldsSet` functions). Events of both groups
/// are stored in core form, so they share core's field names.
fn builtin_selectable_fields(resource: &str) -> Vec<String> {
    let fields: &[&str] = match resource {
        "namespaces" => &["status.phase"],
        "secrets" => &["type"],
        "events" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        _ => &[],
    };
    fields.iter().map(|f| (*f).to_owned()).collect()
}

/// ObjectMeta's schema and the definitions it refers to.
pub fn object_meta_schema() -> (Value, BTreeMap<String, Value>) {
    openapi_schema::<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>()
}

/// Every built-in resource.
pub fn builtin_resources() -> Vec<ResourceInfo> {
    vec![
        Builtin {
            group: "",
            resource: "namespaces",
            singular: "namespace",
            kind: "Namespace",
            short_names: &["ns"],
            categories: &[],
            namespaced: false,
            status_subresource: true,
            extra_subresources: &["finalize"],
            verbs: &["create", "delete", "get", "list", "patch", "update", "watch"],
            storage_prefix: "/core/namespaces/",
            behaviour: Behaviour::Namespace,
            schema_name: "io.k8s.api.core.v1.Namespace",
            kind_rules: None,
        }
        .into_info::<Namespace>(),
        Builtin {
            group: "",
            resource: "configmaps",
            singular: "configmap",
            kind: "ConfigMap",
            short_names: &["cm"],
            categories: &[],
            namespaced: true,
            status_subresource: false,
            extra_subresources: &[],
            verbs: &ALL_VERBS,
            storage_prefix: "/core/configmaps/",
            behaviour: Behaviour::Plain,
            schema_name: "io.k8s.api.core.v1.ConfigMap",
            kind_rules: Some(validate_config_map),
        }
        .into_info::<ConfigMap>(),
        Builtin {
            group: "",
            resource: "secrets",
            singular: "secret",
            kind: "Secret",
            short_names: &[],
            categories: &[],
            namespaced: true,
            status_subresource: false,
            extra_subresources: &[],
            verbs: &ALL_VERBS,
            storage_prefix: "/core/secrets/",
            behaviour: Behaviour::Plain,
            schema_name: "io.k8s.api.core.v1.Secret",
            kind_rules: Some(validate_secret),
        }
        .into_info::<Secret>(),
        Builtin {
            group: "",
            resource: "events",
            singular: "event",
            kind: "Event",
            short_names: &["ev"],
            categories: &[],
            namespaced: true,
            status_subresource: false,
            extra_subresources: &[],
            verbs: &ALL_VERBS,
            storage_prefix: "/core/events/",
            behaviour: Behaviour::CoreEvent,
            schema_name: "io.k8s.api.core.v1.Event",
            kind_rules: None,
        }
        .into_info::<Event>(),
        Builtin {
            group: "events.k8s.io",
            resource: "events",
            singular: "event",
            kind: "Event",
            short_names: &["ev"],
            categories: &[],
            namespaced: true,
            status_subresource: false,
            extra_subresources: &[],
            verbs: &ALL_VERBS,
            storage_prefix: "/core/events/",
            behaviour: Behaviour::EventsV1Event,
            schema_name: "io.k8s.api.events.v1.Event",
            kind_rules: None,
        }
        .into_info::<EventsV1Event>(),
        Builtin {
            group: "coordination.k8s.io",
            resource: "leases",
            singular: "lease",
            kind: "Lease",
            short_names: &[],
            categories: &[],
            namespaced: true,
            status_subresource: false,
            extra_subresources: &[],
            verbs: &ALL_VERBS,
            storage_prefix: "/coordination.k8s.io/leases/",
            behaviour: Behaviour::Plain,
            schema_name: "io.k8s.api.coordination.v1.Lease",
            kind_rules: None,
        }
        .into_info::<Lease>(),
        Builtin {
            group: "apiextensions.k8s.io",
            resource: "customresourcedefinitions",
            singular: "customresourcedefinition",
            kind: "CustomResourceDefinition",
            short_names: &["crd", "crds"],
            categories: &["api-extensions"],
            namespaced: false,
            status_subresource: true,
            extra_subresources: &[],
            verbs: &ALL_VERBS,
            storage_prefix: "/apiextensions.k8s.io/customresourcedefinitions/",
            behaviour: Behaviour::CustomResourceDefinition,
            schema_name: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
            kind_rules: None,
        }
        .into_info::<CustomResourceDefinition>(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_carry_their_group_version_kind_and_definitions() {
        let resources = builtin_resources();
        let cm = resources.iter().find(|r| r.resource == "configmaps").unwrap();
        assert_eq!(cm.schema["x-kubernetes-group-version-kind"][0]["kind"], "ConfigMap");
        assert_eq!(cm.schema["properties"]["data"]["type"], "object");
        assert!(cm.schema_definitions.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
        let crd = resources.iter().find(|r| r.resource == "customresourcedefinitions").unwrap();
        assert_eq!(crd.short_names, ["crd", "crds"]);
    }

    #[test]
    fn go_decoding_errors_follow_the_real_schemas() {
        let resources = builtin_resources();
        let error = |resource: &str, object: serde_json::Value| {
            let info = resources.iter().find(|r| r.resource == resource).unwrap();
            crate::validation::go_decode::unmarshal_error(
                &info.schema,
                &info.schema_name,
                &info.schema_definitions,
                &object,
            )
        };
        let secret = error("secrets", serde_json::json!({"data": {"a": 1}})).unwrap();
        assert!(secret.ends_with("Go struct field Secret.data of type []uint8"), "{secret}");
        let event = error("events", serde_json::json!({"involvedObject": "x"})).unwrap();
        assert!(event.ends_with("Go struct field Event.involvedObject of type v1.ObjectReference"), "{event}");
        let lease = error("leases", serde_json::json!({"spec": {"renewTime": 5}})).unwrap();
        assert_eq!(lease, "json: cannot unmarshal number into Go value of type string");
        let namespace = error("namespaces", serde_json::json!({"spec": {"finalizers": "kubernetes"}})).unwrap();
        assert!(namespace.ends_with("NamespaceSpec.spec.finalizers of type []string"), "{namespace}");
        // JSON, JSONSchemaPropsOrBool and FieldsV1 take any value.
        let crd = serde_json::json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
            "type": "object", "default": 5, "additionalProperties": true, "properties": {
                "a": {"type": "string", "enum": ["x", 1], "items": [{"type": "string"}]}}}}}]},
            "metadata": {"managedFields": [{"fieldsV1": {"f:spec": {}}}]}});
        assert_eq!(error("customresourcedefinitions", crd), None);
        let crd = serde_json::json!({"spec": {"versions": [{"name": "v1", "served": "yes"}]}});
        let crd = error("customresourcedefinitions", crd).unwrap();
        assert!(crd.ends_with("CustomResourceDefinitionVersion.spec.versions.served of type bool"), "{crd}");
    }

    #[test]
    fn typed_checks_refuse_fields_of_the_wrong_type() {
        let resources = builtin_resources();
        let check = |resource: &str| resources.iter().find(|r| r.resource == resource).unwrap().typed_check.unwrap();
        let cm =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": "1"}});
        assert_eq!(check("configmaps")(&cm), Ok(()));
        let err = check("configmaps")(&serde_json::json!({"metadata": {"name": "a"}, "data": {"a": 5}})).unwrap_err();
        assert!(err.contains("invalid type: integer `5`, expected a string"), "{err}");
        assert!(
            check("secrets")(&serde_json::json!({"metadata": {"name": "a"}, "data": {"a": "not base64!"}})).is_err()
        );
        assert!(check("leases")(&serde_json::json!({"spec": {"holderIdentity": ["x"]}})).is_err());
    }
}
