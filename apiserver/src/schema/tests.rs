//! Tests of schema compilation, defaulting, pruning and validation,
//! including rdd's own CRDs and the built-in kinds' schemas.

use super::*;
use serde_json::json;

fn messages(schema: &Schema, object: &Value) -> Vec<String> {
    schema.validate(object).iter().map(ToString::to_string).collect()
}

fn spec_schema(spec: Value) -> Schema {
    Schema::compile(&json!({"type": "object", "properties": {"spec": spec}})).unwrap()
}

#[test]
fn validation_messages_match_kube_openapi() {
    let cases: Vec<(Value, Value, Vec<&str>)> = vec![
        (
            json!({"type": "boolean"}),
            json!("yes"),
            vec![r#"spec: Invalid value: "string": spec in body must be of type boolean: "string""#],
        ),
        (
            json!({"type": "integer"}),
            json!(1.5),
            vec![r#"spec: Invalid value: "number": spec in body must be of type integer: "number""#],
        ),
        (json!({"type": "integer"}), json!(2.0), vec![]),
        (json!({"type": "number"}), json!(2), vec![]),
        (
            json!({"type": "string"}),
            json!(null),
            vec![r#"spec: Invalid value: "null": spec in body must be of type string: "null""#],
        ),
        (json!({"type": "string", "nullable": true}), json!(null), vec![]),
        (json!({"x-kubernetes-int-or-string": true}), json!(8080), vec![]),
        (json!({"x-kubernetes-int-or-string": true}), json!("80%"), vec![]),
        (
            json!({"x-kubernetes-int-or-string": true}),
            json!(true),
            vec![r#"spec: Invalid value: "boolean": spec in body must be of type integer,string: "boolean""#],
        ),
        (
            json!({"type": "object", "required": ["running"], "properties": {"running": {"type": "boolean"}}}),
            json!({}),
            vec!["spec.running: Required value"],
        ),
        (
            json!({"type": "string", "enum": ["moby", "containerd"]}),
            json!("x"),
            vec![r#"spec: Unsupported value: "x": supported values: "moby", "containerd""#],
        ),
        (
            json!({"type": "integer", "enum": [1, 2]}),
            json!(3),
            vec![r#"spec: Unsupported value: 3: supported values: "1", "2""#],
        ),
        (
            json!({"type": "string", "pattern": "^a+$"}),
            json!("b"),
            vec![r#"spec: Invalid value: "b": spec in body should match '^a+$'"#],
        ),
        (
            json!({"type": "string", "maxLength": 3}),
            json!("abcd"),
            vec!["spec: Too long: may not be more than 3 bytes"],
        ),
        (
            json!({"type": "string", "minLength": 3}),
            json!("ab"),
            vec![r#"spec: Invalid value: "ab": spec in body should be at least 3 chars long"#],
        ),
        (
            json!({"type": "string", "format": "date-time"}),
            json!("yesterday"),
            vec![r#"spec: Invalid value: "yesterday": spec in body must be of type date-time: "yesterday""#],
        ),
        (json!({"type": "string", "format": "date-time"}), json!("2024-01-02T03:04:05Z"), vec![]),
        (json!({"type": "integer", "format": "int32"}), json!(1_i64 << 40), vec![]),
        (
            json!({"type": "integer", "maximum": 10}),
            json!(11),
            vec!["spec: Invalid value: 11: spec in body should be less than or equal to 10"],
        ),
        (
            json!({"type": "integer", "maximum": 10, "exclusiveMaximum": true}),
            json!(10),
            vec!["spec: Invalid value: 10: spec in body should be less than 10"],
        ),
        (
            json!({"type": "number", "minimum": 0.5}),
            json!(0.25),
            vec!["spec: Invalid value: 0.25: spec in body should be greater than or equal to 0.5"],
        ),
        (
            json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true}),
            json!(1),
            vec!["spec: Invalid value: 1: spec in body should be greater than 1"],
        ),
        (
            json!({"type": "integer", "multipleOf": 5}),
            json!(7),
            vec!["spec: Invalid value: 7: spec in body should be a multiple of 5"],
        ),
        (
            json!({"type": "array", "items": {"type": "string"}, "maxItems": 1}),
            json!(["a", "b"]),
            vec!["spec: Too many: 2: must have at most 1 items"],
        ),
        (
            json!({"type": "array", "items": {"type": "string"}, "minItems": 2}),
            json!(["a"]),
            vec!["spec: Invalid value: 1: spec in body should have at least 2 items"],
        ),
        (
            json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true}),
            json!(["a", "a"]),
            vec![r#"spec: Invalid value: "": spec in body shouldn't contain duplicates"#],
        ),
        (
            json!({"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}),
            json!([{"name": 1}]),
            vec![r#"spec[0].name: Invalid value: "integer": spec[0].name in body must be of type string: "integer""#],
        ),
        (
            json!({"type": "object", "maxProperties": 1}),
            json!({"a": 1, "b": 2}),
            vec!["spec: Too many: 2: must have at most 1 items"],
        ),
        (
            json!({"type": "object", "minProperties": 2}),
            json!({"a": 1}),
            vec!["spec: Invalid value: 1: spec in body should have at least 2 properties"],
        ),
        (
            json!({"type": "object", "additionalProperties": {"type": "string"}}),
            json!({"k": 1}),
            vec![r#"spec.k: Invalid value: "integer": spec.k in body must be of type string: "integer""#],
        ),
        (
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}),
            json!({"b": "x"}),
            vec![r#"spec: Invalid value: "b": spec.b in body is a forbidden property"#],
        ),
        (
            json!({"type": "string", "anyOf": [{"pattern": "^a"}, {"pattern": "^b"}]}),
            json!("c"),
            vec![
                r#"<nil>: Invalid value: "": "spec" must validate at least one schema (anyOf)"#,
                r#"spec: Invalid value: "c": spec in body should match '^a'"#,
            ],
        ),
        (
            json!({"type": "string", "not": {"pattern": "^a"}}),
            json!("abc"),
            vec![r#"<nil>: Invalid value: "": "spec" must not validate the schema (not)"#],
        ),
    ];
    for (spec, value, expected) in cases {
        let schema = spec_schema(spec.clone());
        assert_eq!(messages(&schema, &json!({"spec": value})), expected, "schema {spec}, value {value}");
    }
}

#[test]
fn reasons_are_kubes_cause_types() {
    let schema = spec_schema(json!({"type": "object", "required": ["a"], "properties": {
        "b": {"type": "string", "enum": ["x"]}, "c": {"type": "boolean"}, "d": {"type": "string", "maxLength": 1}}}));
    let errs = schema.validate(&json!({"spec": {"b": "y", "c": "no", "d": "long"}}));
    let reasons: Vec<(&str, &str)> = errs.iter().map(|e| (e.path.as_str(), e.reason())).collect();
    assert_eq!(
        reasons,
        vec![
            ("spec.b", "FieldValueNotSupported"),
            ("spec.c", "FieldValueTypeInvalid"),
            ("spec.d", "FieldValueTooLong"),
            ("spec.a", "FieldValueRequired")
        ]
    );
}

#[test]
fn list_type_map_and_set_report_duplicates() {
    let schema = spec_schema(json!({"type": "object", "properties": {
        "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
        "pairs": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["a", "b"],
            "items": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}},
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "byName": {"type": "object", "additionalProperties": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "integer"}}},
    }}));
    let object = json!({"spec": {
        "ports": [{"name": "80/tcp"}, {"name": "443/tcp"}, {"name": "80/tcp"}, {"name": "80/tcp"}],
        "pairs": [{"a": "x", "b": 1}, {"a": "x", "b": 2}, {"b": 1, "a": "x"}],
        "tags": ["a", "b", "a"],
        "byName": {"k": [1, 1]},
    }});
    let mut got = messages(&schema, &object);
    got.sort();
    assert_eq!(
        got,
        vec![
            r#"spec.byName[k][1]: Duplicate value: 1"#,
            r#"spec.pairs[2]: Duplicate value: map[string]interface {}{"a":"x", "b":1}"#,
            r#"spec.ports[2]: Duplicate value: map[string]interface {}{"name":"80/tcp"}"#,
            r#"spec.tags[2]: Duplicate value: "a""#,
        ]
    );
    let not_objects = json!({"spec": {"ports": [{"name": "a"}, "b"]}});
    assert_eq!(
        messages(&schema, &not_objects),
        vec![
            r#"spec.ports[1]: Invalid value: "string": spec.ports[1] in body must be of type object: "string""#,
            r#"spec.ports[1]: Invalid value: "b": must be an object for an array of list-type map"#
        ]
    );
}

#[test]
fn embedded_resources_need_type_meta_and_valid_metadata() {
    let schema = spec_schema(json!({"type": "object", "properties": {"template": {
        "type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}}}));
    assert!(
        schema.validate(&json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {}}}})).is_empty()
    );
    assert_eq!(
        messages(&schema, &json!({"spec": {"template": {"kind": "9x", "metadata": {"name": "a/b"}}}})),
        vec![
            "spec.template.apiVersion: Required value".to_owned(),
            format!(
                r#"spec.template.kind: Invalid value: "9x": may have mixed case, but should otherwise match: {}"#,
                crate::validation::names::is_dns1035_label("9x")[0]
            ),
            r#"spec.template.metadata.name: Invalid value: "a/b": may not contain '/'"#.to_owned(),
        ]
    );
}

#[test]
fn defaults_apply_recursively_with_kubes_null_handling() {
    let schema = spec_schema(json!({"type": "object", "default": {}, "properties": {
        "engine": {"type": "object", "default": {"name": "moby"}, "properties": {
            "name": {"type": "string", "default": "moby"},
            "provider": {"type": "string", "default": "managed"}}},
        "ports": {"type": "array", "items": {"type": "object", "properties": {
            "protocol": {"type": "string", "default": "tcp"}}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string", "default": "x"}},
        "keep": {"type": "string", "nullable": true},
        "drop": {"type": "string"},
        "filled": {"type": "string", "default": "f"},
    }}));
    let mut object = json!({"spec": {"ports": [{}, {"protocol": "udp"}], "labels": {"a": null, "b": "y"},
        "keep": null, "drop": null, "filled": null}});
    schema.apply_defaults(&mut object);
    assert_eq!(
        object,
        json!({"spec": {
            "engine": {"name": "moby", "provider": "managed"},
            "ports": [{"protocol": "tcp"}, {"protocol": "udp"}],
            "labels": {"a": "x", "b": "y"},
            "keep": null,
            "filled": "f",
        }})
    );
    let mut empty = json!({});
    schema.apply_defaults(&mut empty);
    assert_eq!(empty, json!({"spec": {"engine": {"name": "moby", "provider": "managed"}, "filled": "f"}}));
}

#[test]
fn pruning_removes_unknown_fields_and_reports_their_paths() {
    let schema = Schema::compile(&json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "ports": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "labels": {"type": "object", "additionalProperties": {"type": "object", "properties": {"v": {"type": "string"}}}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                "known": {"type": "object", "properties": {"a": {"type": "string"}}}}},
            "template": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {"spec": {"type": "object"}}},
        }},
    }}))
    .unwrap();
    let mut object = json!({
        "apiVersion": "x.io/v1", "kind": "X",
        "metadata": {"name": "a", "labels": {"k": "v"}, "bogus": 1},
        "spec": {
            "foo": 1,
            "ports": [{"name": "a", "extra": true}],
            "labels": {"k": {"v": "1", "w": "2"}},
            "free": {"anything": {"goes": 1}, "known": {"a": "x", "b": "y"}},
            "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "junk": 1}, "spec": {}, "status": {}},
        },
        "status": {"x": 1},
    });
    let removed = schema.prune(&mut object);
    assert_eq!(
        removed,
        vec![
            "metadata.bogus",
            "spec.foo",
            "spec.free.known.b",
            "spec.labels.k.w",
            "spec.ports[0].extra",
            "spec.template.metadata.junk",
            "spec.template.status",
            "status",
        ]
    );
    assert_eq!(
        object,
        json!({
            "apiVersion": "x.io/v1", "kind": "X",
            "metadata": {"name": "a", "labels": {"k": "v"}},
            "spec": {
                "ports": [{"name": "a"}],
                "labels": {"k": {"v": "1"}},
                "free": {"anything": {"goes": 1}, "known": {"a": "x"}},
                "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
            },
        })
    );
}

fn rdd_crd(kind: &str) -> Value {
    rdd_api::crds::all()
        .into_iter()
        .map(|crd| serde_json::to_value(crd).unwrap())
        .find(|crd| crd["spec"]["names"]["kind"] == kind)
        .unwrap()
}

fn rdd_schema(kind: &str) -> Schema {
    Schema::compile(&rdd_crd(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]).unwrap()
}

#[test]
fn rdd_crds_compile_and_are_valid_crds() {
    for crd in rdd_api::crds::all() {
        let crd = serde_json::to_value(crd).unwrap();
        for version in crd["spec"]["versions"].as_array().unwrap() {
            Schema::compile(&version["schema"]["openAPIV3Schema"]).unwrap();
        }
        let errs: Vec<String> = crate::validation::validate_crd(&crd).iter().map(ToString::to_string).collect();
        assert!(errs.is_empty(), "{}: {errs:?}", crd["metadata"]["name"]);
    }
}

#[test]
fn rdd_app_is_defaulted_pruned_and_validated() {
    let schema = rdd_schema("App");
    let mut app = json!({"apiVersion": "app.rancherdesktop.io/v1alpha1", "kind": "App", "metadata": {"name": "app"},
        "spec": {"running": true, "foo": 1}});
    assert_eq!(schema.prune(&mut app), vec!["spec.foo"]);
    schema.apply_defaults(&mut app);
    assert_eq!(
        app["spec"],
        json!({"running": true, "namespace": "rancher-desktop", "containerEngine": {"name": "moby", "provider": "managed"}})
    );
    assert!(schema.validate(&app).is_empty(), "{:?}", messages(&schema, &app));

    let wrong_enum = json!({"spec": {"running": true, "containerEngine": {"name": "x"}}});
    assert_eq!(
        messages(&schema, &wrong_enum),
        vec![r#"spec.containerEngine.name: Unsupported value: "x": supported values: "moby", "containerd""#]
    );
    assert_eq!(messages(&schema, &json!({"spec": {}})), vec!["spec.running: Required value"]);
    assert_eq!(messages(&schema, &json!({})), vec!["spec: Required value"]);
    let bad_condition = json!({"spec": {"running": false}, "status": {"conditions": [
        {"type": "Running", "status": "True", "reason": "Started", "message": "", "lastTransitionTime": "2024-01-02T03:04:05Z"},
        {"type": "Running", "status": "True", "reason": "Started", "message": "", "lastTransitionTime": "not a time"},
    ]}});
    assert_eq!(
        messages(&schema, &bad_condition),
        vec![
            r#"status.conditions[1].lastTransitionTime: Invalid value: "not a time": status.conditions[1].lastTransitionTime in body must be of type date-time: "not a time""#,
            r#"status.conditions[1]: Duplicate value: map[string]interface {}{"type":"Running"}"#,
        ]
    );
}

#[test]
fn rdd_container_is_defaulted_and_validated() {
    let schema = rdd_schema("Container");
    let mut container = json!({"metadata": {"name": "c", "namespace": "rancher-desktop"}, "spec": {}});
    schema.apply_defaults(&mut container);
    assert_eq!(container["spec"], json!({"state": "unknown"}));
    assert!(schema.validate(&container).is_empty());
    assert_eq!(
        messages(&schema, &json!({"spec": {"state": "paused"}})),
        vec![r#"spec.state: Unsupported value: "paused": supported values: "unknown", "running", "created""#]
    );
    let mut with_unknown = json!({"spec": {"state": "running", "bogus": true}, "status": {"name": "web", "nope": 1}});
    let unknown = schema.prune(&mut with_unknown);
    assert_eq!(unknown, vec!["spec.bogus", "status.nope"]);
    assert_eq!(
        strict_decoding_error(&unknown).unwrap(),
        r#"strict decoding error: unknown field "spec.bogus", unknown field "status.nope""#
    );
    assert_eq!(unknown_field_warnings(&unknown[..1]), vec![r#"unknown field "spec.bogus""#]);
    assert_eq!(strict_decoding_error(&[]), None);
}

#[test]
fn builtin_kind_schemas_compile_and_validate() {
    for info in crate::registry::builtin_resources() {
        let schema = Schema::compile_with_definitions(&info.schema, &info.schema_definitions)
            .unwrap_or_else(|e| panic!("{}: {e}", info.kind));
        let mut empty = json!({"apiVersion": "v1", "kind": info.kind, "metadata": {"name": "x"}});
        schema.prune(&mut empty);
        schema.apply_defaults(&mut empty);
        let _ = schema.validate(&empty);
    }
    let configmaps = crate::registry::builtin_resources().into_iter().find(|i| i.kind == "ConfigMap").unwrap();
    let schema = Schema::compile_with_definitions(&configmaps.schema, &configmaps.schema_definitions).unwrap();
    let good = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}, "data": {"k": "v"}});
    assert!(schema.validate(&good).is_empty(), "{:?}", messages(&schema, &good));
    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": 1}});
    assert_eq!(
        messages(&schema, &bad),
        vec![r#"data.k: Invalid value: "integer": data.k in body must be of type string: "integer""#]
    );
    let mut unknown = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "foo": 1}, "dta": {}});
    assert_eq!(schema.prune(&mut unknown), vec!["dta", "metadata.foo"]);
}

#[test]
fn compile_errors_say_what_is_wrong() {
    let err = Schema::compile(&json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(r#"schema at "/properties/a": pattern "(" is not a valid regular expression"#),
        "{err}"
    );
    let err = Schema::compile(&json!({"$ref": "#/components/schemas/Missing"})).unwrap_err();
    assert!(err.to_string().contains("cannot resolve $ref \"#/components/schemas/Missing\""), "{err}");
    let err = Schema::compile(&json!({"type": "string", "maxLength": -1})).unwrap_err();
    assert_eq!(err.to_string(), r#"schema at "": maxLength must be a non-negative integer"#);
}

#[test]
fn recursive_definitions_resolve() {
    let mut definitions = std::collections::BTreeMap::new();
    definitions.insert(
        "Tree".to_owned(),
        json!({"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}),
    );
    let schema = Schema::compile_with_definitions(
        &json!({"type": "object", "properties": {"tree": {"allOf": [{"$ref": "#/components/schemas/Tree"}], "nullable": true}}}),
        &definitions,
    )
    .unwrap();
    assert!(schema.validate(&json!({"tree": null})).is_empty());
    assert_eq!(
        messages(&schema, &json!({"tree": {"children": [{"children": [{"name": 5}]}]}})),
        vec![
            r#"tree.children[0].children[0].name: Invalid value: "integer": tree.children[0].children[0].name in body must be of type string: "integer""#
        ]
    );
    let mut extra = json!({"tree": {"children": [{"x": 1}]}});
    assert_eq!(schema.prune(&mut extra), vec!["tree.children[0].x"]);
}

fn builtin_schema(kind: &str) -> Schema {
    let info = crate::registry::builtin_resources().into_iter().find(|i| i.kind == kind).unwrap();
    Schema::compile_with_definitions(&info.schema, &info.schema_definitions).unwrap()
}

#[test]
fn builtin_crd_schema_keeps_rdd_crds_intact() {
    let schema = builtin_schema("CustomResourceDefinition");
    for crd in rdd_api::crds::all() {
        let original = serde_json::to_value(crd).unwrap();
        let mut crd = original.clone();
        assert_eq!(schema.prune(&mut crd), Vec::<String>::new());
        schema.apply_defaults(&mut crd);
        assert_eq!(crd, original);
        assert_eq!(messages(&schema, &crd), Vec::<String>::new());
    }
}

#[test]
fn builtin_kinds_accept_realistic_objects_unchanged() {
    let samples = [
        (
            "Namespace",
            json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "rancher-desktop", "uid": "u", "resourceVersion": "5", "creationTimestamp": "2024-01-02T03:04:05Z",
                "labels": {"kubernetes.io/metadata.name": "rancher-desktop"}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        ),
        (
            "ConfigMap",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default",
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u", "controller": true}],
            "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1", "time": "2024-01-02T03:04:05Z",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:k": {}}}}]},
            "data": {"k": "v"}, "binaryData": {"b": "aGVsbG8="}, "immutable": false}),
        ),
        (
            "Secret",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
            "type": "Opaque", "data": {"k": "aGVsbG8="}, "stringData": {"x": "y"}}),
        ),
        (
            "Lease",
            json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l", "namespace": "default"},
            "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15, "acquireTime": "2024-01-02T03:04:05.123456Z",
                "renewTime": "2024-01-02T03:04:05.123456Z", "leaseTransitions": 1}}),
        ),
        (
            "Event",
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e.1", "namespace": "default"},
            "involvedObject": {"kind": "App", "name": "app", "apiVersion": "app.rancherdesktop.io/v1alpha1"},
            "reason": "Started", "message": "m", "type": "Normal", "count": 2,
            "firstTimestamp": "2024-01-02T03:04:05Z", "lastTimestamp": "2024-01-02T03:04:06Z",
            "source": {"component": "rdd"}, "reportingComponent": "rdd", "reportingInstance": "host"}),
        ),
    ];
    for (kind, sample) in samples {
        let schema = builtin_schema(kind);
        let mut object = sample.clone();
        assert_eq!(schema.prune(&mut object), Vec::<String>::new(), "{kind}");
        schema.apply_defaults(&mut object);
        assert_eq!(object, sample, "{kind}");
        assert_eq!(messages(&schema, &object), Vec::<String>::new(), "{kind}");
    }
    let events = crate::registry::builtin_resources()
        .into_iter()
        .find(|i| i.kind == "Event" && i.group == "events.k8s.io")
        .unwrap();
    let schema = Schema::compile_with_definitions(&events.schema, &events.schema_definitions).unwrap();
    let mut event = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e", "namespace": "default"},
        "eventTime": "2024-01-02T03:04:05.000000Z", "reportingController": "rdd", "reportingInstance": "host",
        "action": "Start", "reason": "Started", "regarding": {"kind": "App", "name": "app"}, "type": "Normal",
        "series": {"count": 2, "lastObservedTime": "2024-01-02T03:04:05.000000Z"}});
    assert_eq!(schema.prune(&mut event), Vec::<String>::new());
    assert_eq!(messages(&schema, &event), Vec::<String>::new());
}

#[test]
fn reference_cycles_terminate() {
    let mut definitions = std::collections::BTreeMap::new();
    definitions.insert("A".to_owned(), json!({"$ref": "#/components/schemas/B"}));
    definitions.insert("B".to_owned(), json!({"$ref": "#/components/schemas/A"}));
    let schema = Schema::compile_with_definitions(&json!({"$ref": "#/components/schemas/A"}), &definitions).unwrap();
    let mut value = json!({"x": 1});
    schema.apply_defaults(&mut value);
    let _ = schema.prune(&mut value);
    let _ = schema.validate(&value);
}
