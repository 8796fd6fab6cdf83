//! Strategic merge patch cases: what kubectl label/annotate/patch/apply
//! send for built-in kinds, every directive, and kube's error texts.

use serde_json::{Value, json};

use super::apply;
use crate::patch::{BuiltinPatchMeta, PatchError};

fn smp(doc: &Value, patch: Value) -> Result<Value, PatchError> {
    apply(doc, patch.to_string().as_bytes(), &BuiltinPatchMeta)
}

fn namespace() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "ns",
            "labels": {"a": "1", "b": "2"},
            "annotations": {"note": "x"},
            "finalizers": ["f1", "f2"],
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "one", "uid": "u1"},
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "two", "uid": "u2"}
            ]
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active", "conditions": [
            {"type": "A", "status": "True"},
            {"type": "B", "status": "False"}
        ]}
    })
}

#[test]
fn kubectl_label_and_annotate() {
    // kubectl label ns ns c=3 b-   /   kubectl annotate ns ns note-
    let got = smp(&namespace(), json!({"metadata": {"labels": {"c": "3", "b": null}}})).unwrap();
    assert_eq!(got["metadata"]["labels"], json!({"a": "1", "c": "3"}));
    let got = smp(&namespace(), json!({"metadata": {"annotations": {"note": null}}})).unwrap();
    assert_eq!(got["metadata"]["annotations"], json!({}));
    // Deleting what is not there is fine; the rest is untouched.
    let got = smp(&namespace(), json!({"metadata": {"labels": {"zz": null}}})).unwrap();
    assert_eq!(got, namespace());
}

#[test]
fn finalizers_merge_as_a_set() {
    // A plain list patch adds; kube puts the patch items first.
    let got = smp(&namespace(), json!({"metadata": {"finalizers": ["f3", "f1"]}})).unwrap();
    assert_eq!(got["metadata"]["finalizers"], json!(["f3", "f1", "f2"]));
    // kubectl apply removing f2: order list plus deletion list.
    let patch = json!({"metadata": {
        "$setElementOrder/finalizers": ["f1"],
        "$deleteFromPrimitiveList/finalizers": ["f2"]
    }});
    assert_eq!(smp(&namespace(), patch).unwrap()["metadata"]["finalizers"], json!(["f1"]));
    // kubectl apply adding f0 in front.
    let patch = json!({"metadata": {"$setElementOrder/finalizers": ["f0", "f1", "f2"], "finalizers": ["f0"]}});
    assert_eq!(smp(&namespace(), patch).unwrap()["metadata"]["finalizers"], json!(["f0", "f1", "f2"]));
    // A deletion list for a missing list creates nothing.
    let mut doc = namespace();
    doc["metadata"].as_object_mut().unwrap().remove("finalizers");
    let got = smp(&doc, json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["f1"]}})).unwrap();
    assert!(got["metadata"].get("finalizers").is_none());
    // null removes the whole list.
    let got = smp(&namespace(), json!({"metadata": {"finalizers": null}})).unwrap();
    assert!(got["metadata"].get("finalizers").is_none());
}

#[test]
fn owner_references_merge_by_uid() {
    let patch = json!({"metadata": {"ownerReferences": [
        {"uid": "u2", "name": "renamed"},
        {"apiVersion": "v1", "kind": "Secret", "name": "three", "uid": "u3"}
    ]}});
    let got = smp(&namespace(), patch).unwrap();
    let names: Vec<&str> =
        got["metadata"]["ownerReferences"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["one", "renamed", "three"]);
    assert_eq!(got["metadata"]["ownerReferences"][1]["kind"], "ConfigMap");

    let got = smp(&namespace(), json!({"metadata": {"ownerReferences": [{"$patch": "delete", "uid": "u1"}]}})).unwrap();
    assert_eq!(got["metadata"]["ownerReferences"].as_array().unwrap().len(), 1);
    assert_eq!(got["metadata"]["ownerReferences"][0]["uid"], "u2");

    let patch = json!({"metadata": {"ownerReferences": [{"$patch": "replace"}, {"uid": "u9", "name": "nine"}]}});
    assert_eq!(
        smp(&namespace(), patch).unwrap()["metadata"]["ownerReferences"],
        json!([{"uid": "u9", "name": "nine"}])
    );

    let patch = json!({"metadata": {"$setElementOrder/ownerReferences": [{"uid": "u2"}, {"uid": "u1"}]}});
    let got = smp(&namespace(), patch).unwrap();
    assert_eq!(got["metadata"]["ownerReferences"][0]["uid"], "u2");
    assert_eq!(got["metadata"]["ownerReferences"][1]["uid"], "u1");
}

#[test]
fn namespace_conditions_merge_by_type_and_other_lists_are_atomic() {
    let got = smp(&namespace(), json!({"status": {"conditions": [{"type": "B", "status": "True"}]}})).unwrap();
    assert_eq!(got["status"]["conditions"], json!([{"type": "A", "status": "True"}, {"type": "B", "status": "True"}]));
    let got = smp(&namespace(), json!({"spec": {"finalizers": ["other"]}})).unwrap();
    assert_eq!(got["spec"]["finalizers"], json!(["other"]));

    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {"group": "example.com", "versions": [
            {"name": "v1", "served": true, "storage": true},
            {"name": "v2", "served": true, "storage": false}
        ]}
    });
    let got = smp(&crd, json!({"spec": {"versions": [{"name": "v1", "served": false}]}})).unwrap();
    assert_eq!(got["spec"]["versions"], json!([{"name": "v1", "served": false}]));
}

#[test]
fn map_directives() {
    let doc = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}});
    let got = smp(&doc, json!({"data": {"$patch": "replace", "z": "9"}})).unwrap();
    assert_eq!(got["data"], json!({"z": "9"}));
    let got = smp(&doc, json!({"data": {"$patch": "delete"}})).unwrap();
    assert_eq!(got["data"], json!({}));
    let got = smp(&doc, json!({"data": {"$retainKeys": ["a", "c"], "c": "3"}})).unwrap();
    assert_eq!(got["data"], json!({"a": "1", "c": "3"}));
    // New subtrees lose nulls and directive-carrying maps.
    let got =
        smp(&doc, json!({"extra": {"x": null, "y": {"$patch": "delete"}, "z": [{"$patch": "delete"}, 1]}})).unwrap();
    assert_eq!(got["extra"], json!({"z": [1]}));
    // A kubectl apply three-way patch of a ConfigMap.
    let patch = json!({"data": {"b": null, "c": "3"}, "metadata": {"annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "{}"
    }}});
    let got = smp(&doc, patch).unwrap();
    assert_eq!(got["data"], json!({"a": "1", "c": "3"}));
    assert_eq!(got["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"], "{}");
    // null and {} patches change nothing.
    assert_eq!(apply(&doc, b"null", &BuiltinPatchMeta).unwrap(), doc);
    assert_eq!(apply(&doc, b"{}", &BuiltinPatchMeta).unwrap(), doc);
}

#[test]
fn error_texts() {
    let doc = namespace();
    let invalid = [
        (json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}}), "invalid patch format of primitive list"),
        (json!({"metadata": {"$setElementOrderfinalizers": ["a"]}}), "invalid patch format of setElementOrder list"),
        (json!({"metadata": {"$retainKeys": ["name"], "labels": {}}}), "invalid patch format of retainKeys"),
        (json!({"metadata": {"$retainKeys": "name"}}), "invalid patch format of retainKeys"),
    ];
    for (patch, want) in invalid {
        assert_eq!(smp(&doc, patch.clone()).unwrap_err(), PatchError::InvalidDocument(want.to_owned()), "{patch}");
    }
    assert_eq!(
        apply(&doc, b"[1]", &BuiltinPatchMeta).unwrap_err(),
        PatchError::InvalidDocument(
            "json: cannot unmarshal array into Go value of type map[string]interface {}".to_owned()
        )
    );
    assert_eq!(
        apply(&doc, b"{\"metadata\":", &BuiltinPatchMeta).unwrap_err(),
        PatchError::InvalidDocument("unexpected end of JSON input".to_owned())
    );
    let unprocessable = [
        (
            json!({"metadata": {"ownerReferences": [{"name": "x"}]}}),
            "map: map[name:x] does not contain declared merge key: uid",
        ),
        (
            json!({"metadata": {"ownerReferences": [{"uid": "u1", "$patch": "merge"}]}}),
            "merging lists cannot yet be specified in the patch",
        ),
        (json!({"metadata": {"labels": {"$patch": "bogus"}}}), "unknown patch type: bogus in map: map[$patch:bogus]"),
        (
            json!({"metadata": {"$setElementOrder/finalizers": "f1"}}),
            "expected a []interface {}, but received a string",
        ),
        (json!({"metadata": {"finalizers": [["x"]]}}), "list element types are not identical: [[f1 f2] [[x]]]"),
        (
            json!({"metadata": {"$setElementOrder/finalizers": ["f2", "f1"], "finalizers": ["f1", "f2"]}}),
            "the order in patch list:\n[f1 f2]\n doesn't match $setElementOrder list:\n[f2 f1]",
        ),
    ];
    for (patch, want) in unprocessable {
        let err = smp(&doc, patch.clone()).unwrap_err();
        assert_eq!(err, PatchError::NotApplicable(want.to_owned()), "{patch}");
        assert!(!err.is_invalid_document());
    }
    let mut doc = namespace();
    doc["metadata"]["finalizers"] = json!([]);
    assert_eq!(
        smp(&doc, json!({"metadata": {"finalizers": [["x"]]}})).unwrap_err(),
        PatchError::NotApplicable("lists of lists are not supported".to_owned())
    );
}

/// Random JSON documents made of directive-heavy pieces must never panic.
#[test]
fn never_panics_on_random_patches() {
    let mut state: u64 = 0xdead_beef_cafe_f00d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    fn random_value(next: &mut dyn FnMut() -> u64, depth: u32) -> Value {
        const KEYS: [&str; 12] = [
            "metadata",
            "finalizers",
            "ownerReferences",
            "uid",
            "$patch",
            "$retainKeys",
            "$setElementOrder/finalizers",
            "$deleteFromPrimitiveList/finalizers",
            "$setElementOrder/ownerReferences",
            "labels",
            "status",
            "conditions",
        ];
        const SCALARS: [&str; 6] = ["delete", "replace", "merge", "f1", "u1", "type"];
        let choice = if depth > 3 { next() % 4 } else { next() % 7 };
        match choice {
            0 => Value::Null,
            1 => json!(next() % 3),
            2 => json!(1.5),
            3 => json!(SCALARS[(next() % SCALARS.len() as u64) as usize]),
            4 | 5 => {
                let mut map = serde_json::Map::new();
                for _ in 0..next() % 4 {
                    map.insert(KEYS[(next() % KEYS.len() as u64) as usize].to_owned(), random_value(next, depth + 1));
                }
                Value::Object(map)
            }
            _ => Value::Array((0..next() % 4).map(|_| random_value(next, depth + 1)).collect()),
        }
    }
    let doc = namespace();
    for _ in 0..20_000 {
        let patch = random_value(&mut next, 0);
        let wrapped = json!({"metadata": patch.clone(), "status": patch.clone()});
        let _ = smp(&doc, patch.clone());
        let _ = smp(&doc, wrapped);
        let body = patch.to_string();
        let _ = crate::patch::apply(crate::patch::PatchType::MergePatch, &doc, body.as_bytes(), &BuiltinPatchMeta);
        let _ = crate::patch::apply(crate::patch::PatchType::JsonPatch, &doc, body.as_bytes(), &BuiltinPatchMeta);
    }
}
