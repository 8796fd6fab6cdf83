//! Validation of `apiextensions.k8s.io/v1` CustomResourceDefinitions as
//! kube's apiextensions-apiserver does it on create: the name is
//! `<plural>.<group>`, the group a dotted DNS subdomain, names follow the
//! DNS-1035 rules, exactly one storage version, every version has a
//! structural schema (see [`crate::schema::structural`]), printer columns,
//! selectable fields, scale subresource and conversion are well formed.
//! `singular` and `listKind` are defaulted first (lowercase kind,
//! `<Kind>List`), as the v1 API does before validating.

use serde_json::Value;

use super::crd_version::validate_version;
use super::field::{BadValue, FieldError, child, index};
use super::names::{NameRule, is_dns1035_label, is_dns1123_subdomain};
use super::object_meta::validate_object_meta_with;

pub(super) fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// Validates a CustomResourceDefinition being created.
pub fn validate_crd(crd: &Value) -> Vec<FieldError> {
    let spec = crd.get("spec").unwrap_or(&Value::Null);
    let group = str_at(spec, "/group");
    let plural = str_at(spec, "/names/plural");
    let kind = str_at(spec, "/names/kind");

    let required_name = format!("{plural}.{group}");
    let name_fn = |name: &str, _prefix: bool| {
        let mut msgs = NameRule::Dns1123Subdomain.check(name, false);
        if name != required_name {
            msgs.push(r#"must be spec.names.plural+"."+spec.group"#.to_owned());
        }
        msgs
    };
    let mut errs = validate_object_meta_with(crd.get("metadata").unwrap_or(&Value::Null), false, &name_fn, true);

    if group.is_empty() {
        errs.push(FieldError::required("spec.group", ""));
    } else {
        let problems = is_dns1123_subdomain(group);
        if !problems.is_empty() {
            errs.push(FieldError::invalid_str("spec.group", group, problems.join(",")));
        } else if !group.contains('.') {
            errs.push(FieldError::invalid_str("spec.group", group, "should be a domain with at least one dot"));
        }
    }
    match str_at(spec, "/scope") {
        "" => errs.push(FieldError::required("spec.scope", "")),
        "Cluster" | "Namespaced" => {}
        other => errs.push(FieldError::not_supported(
            "spec.scope",
            BadValue::Json(Value::String(other.to_owned())),
            &["Cluster", "Namespaced"],
        )),
    }

    let versions: &[Value] = spec.get("versions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for (i, version) in versions.iter().enumerate() {
        if version.pointer("/schema/openAPIV3Schema").is_none_or(Value::is_null) {
            errs.push(FieldError::required(
                format!("spec.versions[{i}].schema.openAPIV3Schema"),
                "schemas are required",
            ));
        }
    }
    let mut names_seen: Vec<&str> = Vec::new();
    let mut unique = true;
    let mut storage = 0;
    for (i, version) in versions.iter().enumerate() {
        let path = index("spec.versions", i);
        let name = str_at(version, "/name");
        if version.get("storage").and_then(Value::as_bool) == Some(true) {
            storage += 1;
        }
        if names_seen.contains(&name) {
            unique = false;
        }
        names_seen.push(name);
        let problems = is_dns1035_label(name);
        if !problems.is_empty() {
            errs.push(FieldError::invalid_str(child(&path, "name"), name, problems.join(",")));
        }
        validate_version(version, &path, &mut errs);
    }
    let versions_value = || match versions {
        [] => BadValue::Raw("[]apiextensions.CustomResourceDefinitionVersion(nil)".to_owned()),
        _ => BadValue::Raw(Value::Array(versions.to_vec()).to_string()),
    };
    if !unique {
        errs.push(FieldError::invalid("spec.versions", versions_value(), "must contain unique version names"));
    }
    if storage != 1 {
        errs.push(FieldError::invalid(
            "spec.versions",
            versions_value(),
            "must have exactly one version marked as storage version",
        ));
    }

    if plural.is_empty() {
        errs.push(FieldError::required("spec.names.plural", ""));
    }
    if kind.is_empty() {
        errs.push(FieldError::required("spec.names.kind", ""));
    }
    let mut names = spec.get("names").cloned().unwrap_or(Value::Null);
    if let Value::Object(map) = &mut names {
        if str_at(spec, "/names/singular").is_empty() {
            map.insert("singular".to_owned(), Value::String(kind.to_lowercase()));
        }
        if str_at(spec, "/names/listKind").is_empty() && !kind.is_empty() {
            map.insert("listKind".to_owned(), Value::String(format!("{kind}List")));
        }
    }
    validate_names(&names, "spec.names", &mut errs);
    validate_conversion(spec.get("conversion"), &mut errs);
    if let Some(accepted) = crd.pointer("/status/acceptedNames") {
        validate_names(accepted, "status.acceptedNames", &mut errs);
    }
    validate_api_approval(crd, group, &mut errs);
    if spec.get("preserveUnknownFields").and_then(Value::as_bool) == Some(true) {
        errs.push(FieldError::invalid(
            "spec.preserveUnknownFields",
            BadValue::Json(Value::Bool(true)),
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
        ));
    }
    errs
}

/// Validates an update of a CustomResourceDefinition: the create rules on
/// the new object, plus what may not change — `spec.group` and
/// `spec.names.plural` always, `spec.scope` and `spec.names.kind` once the
/// old CRD is Established.
pub fn validate_crd_update(old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errs = validate_crd(new);
    let established = old.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().any(|c| {
        c.get("type").and_then(Value::as_str) == Some("Established")
            && c.get("status").and_then(Value::as_str) == Some("True")
    });
    let mut immutable = |pointer: &str, path: &str| {
        let (before, after) = (str_at(old, pointer), str_at(new, pointer));
        if before != after {
            errs.push(FieldError::invalid_str(path, after, "field is immutable"));
        }
    };
    if established {
        immutable("/spec/scope", "spec.scope");
        immutable("/spec/names/kind", "spec.names.kind");
    }
    immutable("/spec/group", "spec.group");
    immutable("/spec/names/plural", "spec.names.plural");
    errs
}

const API_APPROVED_ANNOTATION: &str = "api-approved.kubernetes.io";

/// Groups under k8s.io and kubernetes.io need kube's API approval
/// annotation: a URL, or a reason starting with `unapproved`.
fn validate_api_approval(crd: &Value, group: &str, errs: &mut Vec<FieldError>) {
    let protected = group == "k8s.io"
        || group.ends_with(".k8s.io")
        || group == "kubernetes.io"
        || group.ends_with(".kubernetes.io");
    if !protected {
        return;
    }
    let path = format!("metadata.annotations[{API_APPROVED_ANNOTATION}]");
    let see = "see https://github.com/kubernetes/enhancements/pull/1111";
    match crd.pointer("/metadata/annotations").and_then(|a| a.get(API_APPROVED_ANNOTATION)).and_then(Value::as_str) {
        None => errs.push(FieldError::required(
            path,
            format!("protected groups must have approval annotation \"{API_APPROVED_ANNOTATION}\", {see}"),
        )),
        Some(value) if value.starts_with("unapproved") => {}
        Some(value) => {
            let has_host = value
                .split_once("://")
                .is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty() && !rest.starts_with('/'));
            if !has_host {
                errs.push(FieldError::invalid_str(
                    path,
                    value,
                    format!(
                        "protected groups must have approval annotation \"{API_APPROVED_ANNOTATION}\" with either a URL or a reason starting with \"unapproved\", {see}"
                    ),
                ));
            }
        }
    }
}

fn validate_names(names: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let get = |k: &str| str_at(names, &format!("/{k}"));
    for field in ["plural", "singular"] {
        let value = get(field);
        let problems = is_dns1035_label(value);
        if !value.is_empty() && !problems.is_empty() {
            errs.push(FieldError::invalid_str(child(path, field), value, problems.join(",")));
        }
    }
    for field in ["kind", "listKind"] {
        let value = get(field);
        let problems = is_dns1035_label(&value.to_lowercase());
        if !value.is_empty() && !problems.is_empty() {
            errs.push(FieldError::invalid_str(
                child(path, field),
                value,
                format!("may have mixed case, but should otherwise match: {}", problems.join(",")),
            ));
        }
    }
    for list in ["shortNames", "categories"] {
        for (i, item) in names.get(list).and_then(Value::as_array).into_iter().flatten().enumerate() {
            let item = item.as_str().unwrap_or_default();
            let problems = is_dns1035_label(item);
            if !problems.is_empty() {
                errs.push(FieldError::invalid_str(index(&child(path, list), i), item, problems.join(",")));
            }
        }
    }
    if !get("kind").is_empty() && get("kind") == get("listKind") {
        errs.push(FieldError::invalid_str(
            child(path, "listKind"),
            get("listKind"),
            "kind and listKind may not be the same",
        ));
    }
}

fn validate_conversion(conversion: Option<&Value>, errs: &mut Vec<FieldError>) {
    let Some(conversion) = conversion.filter(|c| !c.is_null()) else { return };
    let strategy = str_at(conversion, "/strategy");
    match strategy {
        "" => errs.push(FieldError::required("spec.conversion.strategy", "")),
        "None" | "Webhook" => {}
        other => errs.push(FieldError::not_supported(
            "spec.conversion.strategy",
            BadValue::Json(Value::String(other.to_owned())),
            &["None", "Webhook"],
        )),
    }
    let webhook = conversion.get("webhook").filter(|w| !w.is_null());
    if strategy == "Webhook" {
        match webhook.and_then(|w| w.get("clientConfig")).filter(|c| !c.is_null()) {
            None => errs.push(FieldError::required(
                "spec.conversion.webhookClientConfig",
                "required when strategy is set to Webhook",
            )),
            Some(config) => {
                if config.get("url").is_some() == config.get("service").is_some() {
                    errs.push(FieldError::required(
                        "spec.conversion.webhookClientConfig",
                        "exactly one of url or service is required",
                    ));
                }
            }
        }
        let versions = webhook.and_then(|w| w.get("conversionReviewVersions")).and_then(Value::as_array);
        if versions.is_none_or(Vec::is_empty) {
            errs.push(FieldError::required("spec.conversion.conversionReviewVersions", ""));
        }
    } else if let Some(webhook) = webhook {
        if webhook.get("clientConfig").is_some_and(|c| !c.is_null()) {
            errs.push(FieldError::forbidden(
                "spec.conversion.webhookClientConfig",
                "should not be set when strategy is not set to Webhook",
            ));
        }
        if webhook.get("conversionReviewVersions").and_then(Value::as_array).is_some_and(|v| !v.is_empty()) {
            errs.push(FieldError::forbidden(
                "spec.conversion.conversionReviewVersions",
                "should not be set when strategy is not set to Webhook",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn widget(mutate: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [{
                    "name": "v1",
                    "served": true,
                    "storage": true,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                    "selectableFields": [{"jsonPath": ".spec.color"}],
                    "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "properties": {
                                "size": {"type": "integer", "default": 1},
                                "color": {"type": "string", "enum": ["red", "blue"]},
                                "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                                    "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
                            }},
                            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        },
                    }},
                }],
            },
        });
        mutate(&mut crd);
        validate_crd(&crd).iter().map(ToString::to_string).collect()
    }

    const SCHEMA: &str = "spec.versions[0].schema.openAPIV3Schema";

    /// A change to the valid CRD and the errors it must produce.
    type Case = (Box<dyn FnOnce(&mut Value)>, Vec<String>);

    #[test]
    fn a_valid_crd_passes() {
        assert_eq!(widget(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn crd_rules_and_messages() {
        let cases: Vec<Case> = vec![
            (
                Box::new(|c| c["metadata"]["name"] = json!("gadgets.example.com")),
                vec![r#"metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group"#.into()],
            ),
            (
                Box::new(|c| {
                    c["metadata"]["name"] = json!("widgets.example");
                    c["spec"]["group"] = json!("example");
                }),
                vec![r#"spec.group: Invalid value: "example": should be a domain with at least one dot"#.into()],
            ),
            (
                Box::new(|c| c["spec"]["scope"] = json!("Global")),
                vec![r#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#.into()],
            ),
            (Box::new(|c| c["spec"]["scope"] = json!("")), vec!["spec.scope: Required value".into()]),
            (
                Box::new(|c| {
                    c["metadata"]["name"] = json!("widgets.x.k8s.io");
                    c["spec"]["group"] = json!("x.k8s.io");
                }),
                vec![r#"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#.into()],
            ),
            (
                Box::new(|c| {
                    c["metadata"] = json!({"name": "widgets.x.k8s.io", "annotations": {"api-approved.kubernetes.io": "https://github.com/kubernetes/kubernetes/pull/1"}});
                    c["spec"]["group"] = json!("x.k8s.io");
                }),
                vec![],
            ),
            (
                Box::new(|c| c["spec"]["preserveUnknownFields"] = json!(true)),
                vec!["spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead".into()],
            ),
            (
                Box::new(|c| c["spec"]["versions"] = json!([])),
                vec!["spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version".into()],
            ),
            (
                Box::new(|c| c["spec"]["names"] = json!({"plural": "widgets", "singular": "widget", "kind": "Wid get", "listKind": "WidgetList"})),
                vec![format!(
                    r#"spec.names.kind: Invalid value: "Wid get": may have mixed case, but should otherwise match: {}"#,
                    is_dns1035_label("wid get")[0]
                )],
            ),
            (
                Box::new(|c| c["spec"]["names"]["listKind"] = json!("Widget")),
                vec![r#"spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same"#.into()],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"] = Value::Null),
                vec![
                    "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required".into(),
                    "spec.versions[0].selectableFields: Invalid value: \"\": selectableFields may only be set when version.schema.openAPIV3Schema is not included".into(),
                ],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"] = json!({"default": 1})),
                vec![format!("{SCHEMA}.properties[spec].properties[size].type: Required value: must not be empty for specified object fields")],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"]["default"] = json!("big")),
                vec![format!(r#"{SCHEMA}.properties[spec].properties[size].default: Invalid value: "string":  in body must be of type integer: "string""#)],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["default"] = json!({"bogus": 1})),
                vec![format!(r#"{SCHEMA}.properties[spec].default: Invalid value: {{"bogus":1}}: must not have fields that would be pruned"#)],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"] = json!({"type": "object", "properties": {"labels": {"type": "object"}}})),
                vec![format!("{SCHEMA}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified")],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["allOf"] = json!([{"type": "object", "properties": {"extra": {"maxLength": 2}}}])),
                vec![format!("{SCHEMA}.properties[spec].allOf[0].type: Forbidden: must be empty to be structural")],
            ),
            (
                Box::new(|c| {
                    c["spec"]["versions"][0]["subresources"] = Value::Null;
                    c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["anyOf"] = json!([{"properties": {"extra": {"maxLength": 2}}}]);
                }),
                vec![format!("{SCHEMA}.properties[extra]: Required value: because it is defined in {SCHEMA}.anyOf[0].properties[extra]")],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["color"]["pattern"] = json!("(")),
                vec![format!(r#"{SCHEMA}.properties[spec].properties[color].pattern: Invalid value: "(": must be a valid regular expression, but isn't: error parsing regexp: unclosed group: `(`"#)],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["color"]["uniqueItems"] = json!(true)),
                vec![format!("{SCHEMA}.properties[spec].properties[color].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic")],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["ports"]["x-kubernetes-list-map-keys"] = json!([])),
                vec![format!("{SCHEMA}.properties[spec].properties[ports].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map")],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["additionalProperties"] = json!({"type": "string"})),
                vec![
                    format!(r#"{SCHEMA}: Invalid value: {}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled"#, "{}"),
                    format!("{SCHEMA}.additionalProperties: Forbidden: must not be used at the root"),
                    format!("{SCHEMA}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"),
                ],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["nullable"] = json!(true)),
                vec![
                    format!(r#"{SCHEMA}: Invalid value: {}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled"#, "{}"),
                    format!("{SCHEMA}.nullable: Forbidden: nullable cannot be true at the root"),
                ],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["additionalPrinterColumns"] = json!([{"name": "X", "type": "color"}])),
                vec![
                    r#"spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "color": must be one of boolean,date,integer,number,string"#.into(),
                    "spec.versions[0].additionalPrinterColumns[0].JSONPath: Required value".into(),
                ],
            ),
            (
                Box::new(|c| c["spec"]["versions"][0]["selectableFields"] = json!([{"jsonPath": ".spec.nope"}, {"jsonPath": ".spec.size"}, {"jsonPath": ".spec.size"}, {"jsonPath": ".spec.ports"}])),
                vec![
                    r#"spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field (.spec.nope)"#.into(),
                    r#"spec.versions[0].selectableFields[2].jsonPath: Duplicate value: ".spec.size""#.into(),
                    r#"spec.versions[0].selectableFields[3].jsonPath: Invalid value: ".spec.ports": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."#.into(),
                ],
            ),
        ];
        for (mutate, expected) in cases {
            let got = widget(mutate);
            // The root-schema error prints the schema; compare its shape only.
            let got: Vec<String> = got
                .into_iter()
                .map(|e| match e.split_once(": Invalid value: {") {
                    Some((head, rest)) if rest.contains("fields are allowed at the root") => {
                        format!("{head}: Invalid value: {{}}: {}", rest.split_once("}: ").map_or("", |(_, t)| t))
                    }
                    _ => e,
                })
                .collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn updates_keep_group_plural_and_established_names() {
        let old = serde_json::to_value(rdd_api::crds::all().remove(1)).unwrap();
        let mut new = old.clone();
        new["spec"]["scope"] = json!("Cluster");
        assert!(validate_crd_update(&old, &new).is_empty());
        let mut established = old.clone();
        established["status"] = json!({"conditions": [{"type": "Established", "status": "True"}]});
        assert_eq!(
            validate_crd_update(&established, &new).iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![r#"spec.scope: Invalid value: "Cluster": field is immutable"#]
        );
        new["spec"]["names"]["plural"] = json!("boxes");
        let errs: Vec<String> = validate_crd_update(&old, &new).iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            vec![
                r#"metadata.name: Invalid value: "containers.containers.rancherdesktop.io": must be spec.names.plural+"."+spec.group"#,
                r#"spec.names.plural: Invalid value: "boxes": field is immutable"#,
            ]
        );
    }

    #[test]
    fn storage_and_version_names() {
        let errs = widget(|c| {
            let v = c["spec"]["versions"][0].clone();
            let mut v2 = v.clone();
            v2["name"] = json!("V2");
            c["spec"]["versions"] = json!([v, v2]);
        });
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with(r#"spec.versions[1].name: Invalid value: "V2": a DNS-1035 label must consist of"#),
            "{}",
            errs[0]
        );
        assert!(
            errs[1].starts_with("spec.versions: Invalid value: [")
                && errs[1].ends_with(": must have exactly one version marked as storage version")
        );
    }
}
