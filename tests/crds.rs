//! `rdd crds` prints five CRDs that a CRD parser accepts, and their
//! schemas carry what SPEC §4 asks of them: enums with defaults, list-map
//! keys, printer columns, selectable fields, short names, categories and
//! the CEL rules.

use std::process::Command;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionVersion, JSONSchemaProps,
};

fn rdd_crds() -> Vec<CustomResourceDefinition> {
    let out = Command::new(env!("CARGO_BIN_EXE_rdd")).arg("crds").output().expect("run rdd crds");
    assert!(out.status.success(), "rdd crds failed: {}", String::from_utf8_lossy(&out.stderr));
    let yaml = String::from_utf8(out.stdout).expect("utf-8 output");
    serde_saphyr::from_multiple(&yaml).expect("rdd crds output parses as CustomResourceDefinitions")
}

fn crd<'a>(crds: &'a [CustomResourceDefinition], name: &str) -> &'a CustomResourceDefinition {
    crds.iter().find(|c| c.metadata.name.as_deref() == Some(name)).unwrap_or_else(|| panic!("no CRD {name}"))
}

fn version(crd: &CustomResourceDefinition) -> &CustomResourceDefinitionVersion {
    assert_eq!(crd.spec.versions.len(), 1);
    &crd.spec.versions[0]
}

fn schema(crd: &CustomResourceDefinition) -> &JSONSchemaProps {
    version(crd).schema.as_ref().and_then(|s| s.open_api_v3_schema.as_ref()).expect("openAPIV3Schema")
}

fn prop<'a>(schema: &'a JSONSchemaProps, path: &[&str]) -> &'a JSONSchemaProps {
    path.iter().fold(schema, |s, key| {
        s.properties.as_ref().and_then(|p| p.get(*key)).unwrap_or_else(|| panic!("no property {key} in {path:?}"))
    })
}

fn enum_values(schema: &JSONSchemaProps) -> Vec<String> {
    schema.enum_.as_ref().expect("enum").iter().map(|v| v.0.as_str().expect("string enum").to_owned()).collect()
}

fn default(schema: &JSONSchemaProps) -> serde_json::Value {
    schema.default.as_ref().expect("default").0.clone()
}

fn columns(crd: &CustomResourceDefinition) -> Vec<(String, String)> {
    version(crd)
        .additional_printer_columns
        .as_ref()
        .map(|cols| cols.iter().map(|c| (c.name.clone(), c.json_path.clone())).collect())
        .unwrap_or_default()
}

fn selectable(crd: &CustomResourceDefinition) -> Vec<String> {
    version(crd).selectable_fields.as_ref().map(|f| f.iter().map(|s| s.json_path.clone()).collect()).unwrap_or_default()
}

fn rules(schema: &JSONSchemaProps) -> Vec<(String, Option<String>)> {
    schema
        .x_kubernetes_validations
        .as_ref()
        .map(|v| v.iter().map(|r| (r.rule.clone(), r.message.clone())).collect())
        .unwrap_or_default()
}

fn assert_list_map(schema: &JSONSchemaProps, key: &str) {
    assert_eq!(schema.x_kubernetes_list_type.as_deref(), Some("map"));
    assert_eq!(schema.x_kubernetes_list_map_keys.as_deref(), Some(&[key.to_owned()][..]));
}

#[test]
fn five_crds_in_order() {
    let names: Vec<_> = rdd_crds().into_iter().map(|c| c.metadata.name.unwrap_or_default()).collect();
    assert_eq!(
        names,
        [
            "apps.app.rancherdesktop.io",
            "containers.containers.rancherdesktop.io",
            "images.containers.rancherdesktop.io",
            "volumes.containers.rancherdesktop.io",
            "containernamespaces.containers.rancherdesktop.io",
        ]
    );
}

#[test]
fn every_crd_has_status_and_the_mirrors_are_in_category_all() {
    let crds = rdd_crds();
    for c in &crds {
        let name = c.metadata.name.as_deref().unwrap_or_default();
        let has_status = version(c).subresources.as_ref().and_then(|s| s.status.as_ref()).is_some();
        assert_eq!(has_status, !name.starts_with("containernamespaces."), "status subresource of {name}");
        if name.ends_with(".containers.rancherdesktop.io") {
            assert_eq!(c.spec.scope, "Namespaced", "{name}");
            assert_eq!(c.spec.names.categories.as_deref(), Some(&["all".to_owned()][..]), "{name}");
        }
    }
    assert_eq!(crd(&crds, "apps.app.rancherdesktop.io").spec.scope, "Cluster");
    let cns = crd(&crds, "containernamespaces.containers.rancherdesktop.io");
    assert_eq!(cns.spec.names.short_names.as_deref(), Some(&["cns".to_owned()][..]));
}

#[test]
fn app_schema_has_enums_defaults_and_cel_rules() {
    let crds = rdd_crds();
    let app = schema(crd(&crds, "apps.app.rancherdesktop.io"));
    assert_eq!(
        rules(app),
        [("self.metadata.name == 'app'".to_owned(), Some("App resource must be named 'app'".to_owned()))]
    );
    let spec = prop(app, &["spec"]);
    assert_eq!(spec.required.as_deref(), Some(&["running".to_owned()][..]));
    let namespace = prop(spec, &["namespace"]);
    assert_eq!(default(namespace), "rancher-desktop");
    assert_eq!(rules(namespace), [("self == oldSelf".to_owned(), Some("spec.namespace is immutable".to_owned()))]);
    let engine = prop(spec, &["containerEngine"]);
    assert_eq!(enum_values(prop(engine, &["name"])), ["moby", "containerd"]);
    assert_eq!(default(prop(engine, &["name"])), "moby");
    assert_eq!(enum_values(prop(engine, &["provider"])), ["managed", "external"]);
    assert_eq!(default(prop(engine, &["provider"])), "managed");
    let engine_rules = rules(engine);
    assert_eq!(engine_rules.len(), 1);
    assert!(engine_rules[0].0.contains("self.provider != 'external'"), "{engine_rules:?}");
    assert_eq!(
        engine_rules[0].1.as_deref(),
        Some("spec.containerEngine.endpoint is required when provider is external")
    );
    assert_list_map(prop(app, &["status", "conditions"]), "type");
}

#[test]
fn container_schema_columns_and_selectable_fields() {
    let crds = rdd_crds();
    let c = crd(&crds, "containers.containers.rancherdesktop.io");
    let s = schema(c);
    assert_eq!(enum_values(prop(s, &["spec", "state"])), ["unknown", "running", "created"]);
    assert_eq!(default(prop(s, &["spec", "state"])), "unknown");
    assert_eq!(
        enum_values(prop(s, &["status", "status"])),
        ["created", "running", "paused", "restarting", "removing", "exited", "dead", "unknown"]
    );
    assert_list_map(prop(s, &["status", "ports"]), "name");
    assert_list_map(prop(s, &["status", "conditions"]), "type");
    let cols = columns(c);
    let expected = [
        ("Name", ".status.name"),
        ("Status", ".status.status"),
        ("Image", ".status.image"),
        ("Age", ".metadata.creationTimestamp"),
    ];
    assert_eq!(cols, expected.map(|(n, p)| (n.to_owned(), p.to_owned())));
    assert_eq!(selectable(c), [".status.name", ".status.namespace", ".status.status"]);
}

#[test]
fn image_and_volume_columns_and_selectable_fields() {
    let crds = rdd_crds();
    let image = crd(&crds, "images.containers.rancherdesktop.io");
    let expected = [("Tag", ".status.repoTag"), ("Size", ".status.size"), ("Age", ".metadata.creationTimestamp")];
    assert_eq!(columns(image), expected.map(|(n, p)| (n.to_owned(), p.to_owned())));
    assert_eq!(selectable(image), [".status.repoTag", ".status.id", ".status.namespace"]);
    assert!(schema(image).properties.as_ref().unwrap().get("spec").is_none(), "Image mirrors have no spec");

    let volume = crd(&crds, "volumes.containers.rancherdesktop.io");
    let expected = [("Volume", ".status.name"), ("Driver", ".status.driver"), ("Age", ".metadata.creationTimestamp")];
    assert_eq!(columns(volume), expected.map(|(n, p)| (n.to_owned(), p.to_owned())));
    assert_eq!(selectable(volume), [".status.name", ".status.namespace"]);
}
