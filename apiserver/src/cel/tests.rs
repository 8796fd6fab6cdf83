use serde_json::{Value, json};

use super::*;

fn validator(schema: Value) -> Validator {
    Validator::compile(&schema).expect("compiles").expect("has rules")
}

fn messages(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

fn schema_with(spec_rules: Value, extra: Value) -> Value {
    let mut spec = json!({
        "type": "object",
        "properties": {
            "replicas": {"type": "integer"},
            "maxReplicas": {"type": "integer"},
            "mode": {"type": "string"},
            "name": {"type": "string"},
            "tags": {"type": "array", "maxItems": 10, "items": {"type": "string"}},
            "ports": {"type": "array", "maxItems": 10, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer",
                        "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "port is immutable"}]}}}},
            "labels": {"type": "object", "maxProperties": 10, "additionalProperties": {"type": "string",
                        "x-kubernetes-validations": [{"rule": "size(self) < 5"}]}}
        },
        "x-kubernetes-validations": spec_rules
    });
    if let (Some(obj), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    json!({"type": "object", "properties": {"spec": spec},
           "x-kubernetes-validations": [{"rule": "self.metadata.name.startsWith('ok')", "message": "name must start with ok"}]})
}

fn object(spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Foo", "metadata": {"name": "ok-1", "labels": {"a": "b"}}, "spec": spec})
}

#[test]
fn rules_run_at_every_level_with_kube_messages() {
    let v = validator(schema_with(
        json!([{"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"}]),
        json!({}),
    ));
    assert!(v.validate(&object(json!({"replicas": 1, "maxReplicas": 2})), None).is_empty());
    let errs = v.validate(&object(json!({"replicas": 3, "maxReplicas": 2, "labels": {"k": "toolong"}})), None);
    assert_eq!(
        messages(&errs),
        [
            r#"spec: Invalid value: "object": replicas must not exceed maxReplicas"#,
            r#"spec.labels[k]: Invalid value: "string": failed rule: size(self) < 5"#,
        ]
    );
    assert_eq!(errs[0].reason(), "FieldValueInvalid");
    let mut bad_name = object(json!({"replicas": 1, "maxReplicas": 2}));
    bad_name["metadata"]["name"] = json!("bad");
    assert_eq!(messages(&v.validate(&bad_name, None)), [r#"<nil>: Invalid value: "object": name must start with ok"#]);
}

#[test]
fn transition_rules_run_only_with_an_old_value_correlated_by_list_map_keys() {
    let v = validator(schema_with(
        json!([{"rule": "self.mode == oldSelf.mode", "message": "mode is immutable"}]),
        json!({}),
    ));
    let new = object(json!({"mode": "b", "ports": [{"name": "http", "port": 81}, {"name": "new", "port": 1}]}));
    assert!(v.validate(&new, None).is_empty(), "no transition rule on create");
    let old = object(json!({"mode": "a", "ports": [{"name": "http", "port": 80}]}));
    assert_eq!(
        messages(&v.validate(&new, Some(&old))),
        [
            r#"spec: Invalid value: "object": mode is immutable"#,
            r#"spec.ports[0].port: Invalid value: "integer": port is immutable"#,
        ]
    );
}

#[test]
fn message_expression_reason_and_field_path() {
    let v = validator(schema_with(
        json!([
            {"rule": "self.replicas <= self.maxReplicas", "messageExpression": "'replicas ' + string(self.replicas) + ' > ' + string(self.maxReplicas)",
             "fieldPath": ".replicas", "reason": "FieldValueForbidden"},
            {"rule": "self.mode != 'x'", "messageExpression": "''", "message": "fallback used", "reason": "FieldValueRequired"},
            {"rule": "has(self.name)", "reason": "FieldValueDuplicate"}
        ]),
        json!({}),
    ));
    let errs = v.validate(&object(json!({"replicas": 5, "maxReplicas": 2, "mode": "x"})), None);
    assert_eq!(
        messages(&errs),
        [
            "spec.replicas: Forbidden: replicas 5 > 2",
            "spec: Required value: fallback used",
            r#"spec: Duplicate value: "object""#,
        ]
    );
    assert_eq!(errs[0].reason(), "FieldValueForbidden");
}

#[test]
fn optional_old_self_runs_on_create_too() {
    let v = validator(schema_with(
        json!([{"rule": "!oldSelf.hasValue() || oldSelf.value().mode == self.mode", "optionalOldSelf": true, "message": "mode is immutable"},
               {"rule": "oldSelf.hasValue() || self.mode == 'initial'", "optionalOldSelf": true, "message": "mode starts as initial"}]),
        json!({}),
    ));
    assert_eq!(
        messages(&v.validate(&object(json!({"mode": "b"})), None)),
        [r#"spec: Invalid value: "object": mode starts as initial"#]
    );
    let old = object(json!({"mode": "initial"}));
    assert_eq!(
        messages(&v.validate(&object(json!({"mode": "b"})), Some(&old))),
        [r#"spec: Invalid value: "object": mode is immutable"#]
    );
}

#[test]
fn evaluation_errors_are_reported_like_kube() {
    let v = validator(schema_with(json!([{"rule": "self.name == 'x'"}]), json!({})));
    assert_eq!(
        messages(&v.validate(&object(json!({})), None)),
        [r#"spec: Invalid value: "object": no such key: name evaluating rule: self.name == 'x'"#]
    );
}

#[test]
fn the_string_extension_and_macros_work() {
    let v = validator(schema_with(
        json!([{"rule": "self.tags.all(t, t.lowerAscii() == t) && self.tags.exists(t, t.startsWith('a')) && size(self.tags) == 2 && 'x,y'.split(',').size() == 2"}]),
        json!({}),
    ));
    assert!(v.validate(&object(json!({"tags": ["ab", "c"]})), None).is_empty());
    assert_eq!(v.validate(&object(json!({"tags": ["Ab", "c"]})), None).len(), 1);
}

fn crd(rules_at_spec: Value) -> Value {
    json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": schema_with(rules_at_spec, json!({}))}}]}})
}

#[test]
fn invalid_rules_reject_the_crd_with_kube_paths() {
    assert!(crd_rule_errors(&crd(json!([{"rule": "self.replicas > 0"}]))).is_empty());
    let errs = messages(&crd_rule_errors(&crd(json!([
        {"rule": "self.replicas >"},
        {"rule": "self.nope == 1"},
        {"rule": "unknown == 1"},
        {"rule": "true", "reason": "Bogus"},
        {"rule": "true", "fieldPath": ".missing"},
    ]))));
    let prefix = "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations";
    assert_eq!(errs.len(), 5, "{errs:#?}");
    assert!(
        errs[0].starts_with(&format!(
            "{prefix}[0].rule: Invalid value: apiextensions.ValidationRule{{Rule:\"self.replicas >\""
        )),
        "{}",
        errs[0]
    );
    assert!(errs[0].contains("compilation failed: ERROR: <input>:1:"), "{}", errs[0]);
    assert!(errs[1].contains("compilation failed: ERROR: <input>:1:5: undefined field 'nope'"), "{}", errs[1]);
    assert!(errs[2].contains("undeclared reference to 'unknown' (in container '')"), "{}", errs[2]);
    assert_eq!(
        errs[3],
        format!(
            r#"{prefix}[3].reason: Unsupported value: "Bogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired""#
        )
    );
    assert_eq!(
        errs[4],
        format!(
            r#"{prefix}[4].fieldPath: Invalid value: ".missing": fieldPath must be a valid path: does not refer to a valid field"#
        )
    );
}

#[test]
fn old_self_on_uncorrelatable_items_and_unbounded_costs_are_rejected() {
    let schema = json!({"type": "object", "properties": {
        "list": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf"}]}},
        "big": {"type": "array", "items": {"type": "array", "items": {"type": "string"}},
                "x-kubernetes-validations": [{"rule": "self.all(a, a.all(b, b != ''))"}]}}});
    let errs = messages(&Validator::compile_at(&schema, "s").err().unwrap());
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(
        errs[0].starts_with(
            "s.properties[big].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of "
        ),
        "{}",
        errs[0]
    );
    assert!(errs[0].ends_with("x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"));
    assert_eq!(
        errs[1],
        r#"s.properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within s.properties[list].items"#
    );
}

#[test]
fn rdd_app_rules_compile_and_hold() {
    let app = serde_json::to_value(rdd_api::crds::all().remove(0)).unwrap();
    assert!(crd_rule_errors(&app).is_empty());
    let schema = app.pointer("/spec/versions/0/schema/openAPIV3Schema").unwrap();
    let v = validator(schema.clone());
    let ok = json!({"metadata": {"name": "app"}, "spec": {"running": true, "namespace": "a",
                     "containerEngine": {"name": "moby", "provider": "managed"}}});
    assert!(v.validate(&ok, Some(&ok)).is_empty());
    let external = json!({"metadata": {"name": "app"}, "spec": {"running": true, "namespace": "a",
                     "containerEngine": {"name": "moby", "provider": "external"}}});
    assert_eq!(
        messages(&v.validate(&external, None)),
        [
            r#"spec.containerEngine: Invalid value: "object": spec.containerEngine.endpoint is required when provider is external"#
        ]
    );
}
