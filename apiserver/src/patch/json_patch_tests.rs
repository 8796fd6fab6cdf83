//! RFC 6902 Appendix A vectors and kube's error texts for JSON patch.

use serde_json::{Value, json};

use super::apply;
use crate::patch::PatchError;

fn run(doc: Value, patch: Value) -> Result<Value, PatchError> {
    apply(&doc, patch.to_string().as_bytes())
}

#[test]
fn rfc6902_appendix_a() {
    let ok = [
        // A.1 adding an object member
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz", "value": "qux"}]),
            json!({"baz": "qux", "foo": "bar"}),
        ),
        // A.2 adding an array element
        (
            json!({"foo": ["bar", "baz"]}),
            json!([{"op": "add", "path": "/foo/1", "value": "qux"}]),
            json!({"foo": ["bar", "qux", "baz"]}),
        ),
        // A.3 removing an object member
        (json!({"baz": "qux", "foo": "bar"}), json!([{"op": "remove", "path": "/baz"}]), json!({"foo": "bar"})),
        // A.4 removing an array element
        (
            json!({"foo": ["bar", "qux", "baz"]}),
            json!([{"op": "remove", "path": "/foo/1"}]),
            json!({"foo": ["bar", "baz"]}),
        ),
        // A.5 replacing a value
        (
            json!({"baz": "qux", "foo": "bar"}),
            json!([{"op": "replace", "path": "/baz", "value": "boo"}]),
            json!({"baz": "boo", "foo": "bar"}),
        ),
        // A.6 moving a value
        (
            json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
            json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]),
            json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
        ),
        // A.7 moving an array element
        (
            json!({"foo": ["all", "grass", "cows", "eat"]}),
            json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}]),
            json!({"foo": ["all", "cows", "eat", "grass"]}),
        ),
        // A.8 testing a value: success
        (
            json!({"baz": "qux", "foo": ["a", 2, "c"]}),
            json!([{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}]),
            json!({"baz": "qux", "foo": ["a", 2, "c"]}),
        ),
        // A.10 adding a nested member object
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}]),
            json!({"foo": "bar", "child": {"grandchild": {}}}),
        ),
        // A.11 ignoring unrecognized elements
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]),
            json!({"foo": "bar", "baz": "qux"}),
        ),
        // A.14 ~ escape ordering
        (json!({"/": 9, "~1": 10}), json!([{"op": "test", "path": "/~01", "value": 10}]), json!({"/": 9, "~1": 10})),
        // A.16 adding an array value
        (
            json!({"foo": ["bar"]}),
            json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]),
            json!({"foo": ["bar", ["abc", "def"]]}),
        ),
        // copy, and the "/" member reached through ~1
        (
            json!({"a": {"b": 1}, "/": 2}),
            json!([{"op": "copy", "from": "/a", "path": "/c"}, {"op": "replace", "path": "/~1", "value": 3}]),
            json!({"a": {"b": 1}, "c": {"b": 1}, "/": 3}),
        ),
    ];
    for (doc, patch, want) in ok {
        assert_eq!(run(doc.clone(), patch.clone()).unwrap_or_else(|e| panic!("{patch}: {e}")), want, "{patch}");
    }
    let failing = [
        // A.9 testing a value: error
        (
            json!({"baz": "qux"}),
            json!([{"op": "test", "path": "/baz", "value": "bar"}]),
            "testing value /baz failed: test failed",
        ),
        // A.12 adding to a nonexistent target
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz/bat", "value": "qux"}]),
            "add operation does not apply: doc is missing path: \"/baz/bat\": missing value",
        ),
        // A.15 comparing strings and numbers
        (
            json!({"/": 9, "~1": 10}),
            json!([{"op": "test", "path": "/~01", "value": "10"}]),
            "testing value /~01 failed: test failed",
        ),
    ];
    for (doc, patch, want) in failing {
        let err = run(doc, patch.clone()).unwrap_err();
        assert_eq!(err, PatchError::NotApplicable(want.to_owned()), "{patch}");
        assert!(!err.is_invalid_document());
    }
}

#[test]
fn kube_error_texts() {
    let doc = json!({"metadata": {"name": "x", "labels": {"a": "b"}}, "list": [1, 2, 3]});
    let cases = [
        (
            json!([{"op": "remove", "path": "/metadata/labels/zz"}]),
            "error in remove for path: '/metadata/labels/zz': Unable to remove nonexistent key: zz: missing value",
        ),
        (
            json!([{"op": "remove", "path": "/nope/x"}]),
            "remove operation does not apply: doc is missing path: \"/nope/x\": missing value",
        ),
        (
            json!([{"op": "remove", "path": "/list/7"}]),
            "error in remove for path: '/list/7': Unable to access invalid index: 7: invalid index referenced",
        ),
        (
            json!([{"op": "remove", "path": "/list/x"}]),
            "error in remove for path: '/list/x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            json!([{"op": "add", "path": "/list/9", "value": 1}]),
            "error in add for path: '/list/9': Unable to access invalid index: 9: invalid index referenced",
        ),
        (
            json!([{"op": "add", "path": "/list/x", "value": 1}]),
            "error in add for path: '/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            json!([{"op": "replace", "path": "/list/3", "value": 1}]),
            "replace operation does not apply: doc is missing key: /list/3: missing value",
        ),
        (
            json!([{"op": "replace", "path": "/a/b", "value": 1}]),
            "replace operation does not apply: doc is missing path: /a/b: missing value",
        ),
        (
            json!([{"op": "move", "from": "/zz", "path": "/y"}]),
            "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value",
        ),
        (
            json!([{"op": "move", "from": "/metadata", "path": "/metadata/x"}]),
            "move operation does not apply: doc is missing destination path: /metadata/x: missing value",
        ),
        (
            json!([{"op": "copy", "from": "/q/r", "path": "/y"}]),
            "copy operation does not apply: doc is missing from path: /q/r: missing value",
        ),
        (
            json!([{"op": "test", "path": "/q/r", "value": 1}]),
            "test operation does not apply: is missing path: /q/r: missing value",
        ),
        (json!([{"op": "jump", "path": "/a"}]), "Unexpected kind: jump"),
        (json!([{"path": "/a"}]), "Unexpected kind: unknown"),
        (json!([null]), "Unexpected kind: unknown"),
        (json!([{"op": "add", "value": 1}]), "add operation failed to decode path: missing value"),
        (
            json!([{"op": "replace", "path": 5, "value": 1}]),
            "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
        ),
        (
            json!([{"op": "move", "path": "/a"}]),
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
        (
            json!([{"op": "add", "path": "", "value": 1}]),
            "add operation does not apply: doc is missing path: \"\": missing value",
        ),
    ];
    for (patch, want) in cases {
        let err = run(doc.clone(), patch.clone()).unwrap_err();
        assert_eq!(err, PatchError::NotApplicable(want.to_owned()), "{patch}");
    }
}

#[test]
fn kube_leniencies() {
    let doc = json!({"a": 1, "list": ["x", "y"]});
    // replace of a missing member adds it (evanphx v4)
    assert_eq!(run(doc.clone(), json!([{"op": "replace", "path": "/b", "value": 2}])).unwrap()["b"], json!(2));
    // negative indices count from the end
    assert_eq!(run(doc.clone(), json!([{"op": "remove", "path": "/list/-1"}])).unwrap()["list"], json!(["x"]));
    assert_eq!(
        run(doc.clone(), json!([{"op": "add", "path": "/list/-1", "value": "z"}])).unwrap()["list"],
        json!(["x", "y", "z"])
    );
    // null patch is an empty patch; test against null passes for an absent member
    assert_eq!(apply(&doc, b"null").unwrap(), doc);
    assert_eq!(run(doc.clone(), json!([{"op": "test", "path": "/zz", "value": null}])).unwrap(), doc);
    // replacing the root with an object
    assert_eq!(run(doc.clone(), json!([{"op": "replace", "path": "", "value": {"b": 2}}])).unwrap(), json!({"b": 2}));
    // a whole-document test
    assert_eq!(run(doc.clone(), json!([{"op": "test", "path": "", "value": doc.clone()}])).unwrap(), doc);
    // later operations see earlier ones; a failure discards everything
    let got =
        run(doc.clone(), json!([{"op": "add", "path": "/c", "value": 3}, {"op": "test", "path": "/c", "value": 3}]));
    assert_eq!(got.unwrap()["c"], json!(3));
}

#[test]
fn invalid_documents() {
    let doc = json!({"a": 1});
    let cases: [(&[u8], &str); 5] = [
        (b"{\"op\":\"add\"}", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (b"[\"add\"]", "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        (b"[{\"op\": add}]", "invalid character 'a' looking for beginning of value"),
        (b"", "unexpected end of JSON input"),
        (b"- op: add\n  path: /a\n", "invalid character ' ' in numeric literal"),
    ];
    for (body, want) in cases {
        let err = apply(&doc, body).unwrap_err();
        assert_eq!(err, PatchError::InvalidDocument(want.to_owned()), "{}", String::from_utf8_lossy(body));
        assert!(err.is_invalid_document());
    }
    let many: Vec<Value> = (0..10_001).map(|_| json!({"op": "test", "path": "/a", "value": 1})).collect();
    let err = apply(&doc, Value::Array(many).to_string().as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "The allowed maximum operations in a JSON patch is 10000, got 10001");
}
