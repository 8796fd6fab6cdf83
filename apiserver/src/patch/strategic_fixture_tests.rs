//! Cases from kube's own strategic-merge-patch test table
//! (`strategicMergePatchRawTestCases`), restated as JSON: each applies a
//! patch to a live object and expects kube's result, order included. The
//! schema is kube's test type `MergeItem`, keyed by field name.

use serde_json::{Value, json};

use crate::patch::{FieldMeta, PatchMeta, PatchStrategy};

/// The struct tags of kube's `MergeItem` test type.
struct MergeItemMeta;

impl PatchMeta for MergeItemMeta {
    fn field(&self, _api_version: &str, _kind: &str, path: &[&str]) -> FieldMeta {
        let merge = |key: Option<&str>, retain_keys: bool| FieldMeta {
            strategy: PatchStrategy::Merge,
            retain_keys,
            merge_key: key.map(str::to_owned),
        };
        match path.last().copied() {
            Some("mergingList" | "mergeItemPtr") => merge(Some("name"), false),
            Some("mergingIntList") => merge(None, false),
            Some("retainKeysMergingList") => merge(Some("name"), true),
            Some("replacingItem") => FieldMeta { strategy: PatchStrategy::Replace, ..FieldMeta::default() },
            _ => FieldMeta::default(),
        }
    }
}

fn apply(current: Value, patch: Value) -> Value {
    super::apply(&current, patch.to_string().as_bytes(), &MergeItemMeta).unwrap_or_else(|err| panic!("{patch}: {err}"))
}

#[test]
fn kube_raw_fixtures() {
    let cases = [
        (
            "nested patch merge with empty list (three-way)",
            json!({"name": "hi", "mergingList": [{"name": "hello2"}]}),
            json!({"$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}], "mergingList": [{"name": "hello"}]}),
            json!({"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]}),
        ),
        (
            "nested patch merge with empty list (two-way)",
            json!({"name": "hi"}),
            json!({"mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]}),
            json!({"name": "hi", "mergingList": [{"name": "hello"}]}),
        ),
        (
            "delete items in lists of scalars",
            json!({"mergingIntList": [1, 2, 3, 4]}),
            json!({"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"mergingIntList": [1, 2, 4]}),
        ),
        (
            "delete all duplicate items in lists of scalars",
            json!({"mergingIntList": [1, 2, 3, 3, 4]}),
            json!({"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"mergingIntList": [1, 2, 4]}),
        ),
        (
            "add and delete items in lists of scalars (two-way)",
            json!({"mergingIntList": [1, 2, 3]}),
            json!({"$setElementOrder/mergingIntList": [1, 2, 4], "$deleteFromPrimitiveList/mergingIntList": [3], "mergingIntList": [4]}),
            json!({"mergingIntList": [1, 2, 4]}),
        ),
        (
            "merge lists of maps",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]
            }),
            json!({"mergingList": [
                {"name": 4, "value": 4}, {"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}
            ]}),
        ),
        (
            "merge lists of maps with conflict",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 3, "other": "b"}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 2, "value": 2}, {"name": 3, "value": 3}]
            }),
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
        ),
        (
            "add field to map in merging list with conflict",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 2, "other": "b"}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]
            }),
            json!({"mergingList": [
                {"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2}, {"name": 3, "value": 2, "other": "b"}
            ]}),
        ),
        (
            "replace map field value in merging list",
            json!({"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
            json!({"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": "a"}]}),
            json!({"mergingList": [{"name": 1, "value": "a", "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
        ),
        (
            "delete map from merging list",
            json!({"mergingList": [{"name": 1}, {"name": 2, "other": "b"}]}),
            json!({"$setElementOrder/mergingList": [{"name": 2}], "mergingList": [{"name": 1, "$patch": "delete"}]}),
            json!({"mergingList": [{"name": 2, "other": "b"}]}),
        ),
        (
            "delete missing map from merging list with conflict",
            json!({"mergingList": [{"name": 3, "other": "a"}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 2}, {"name": 1, "$patch": "delete"}]
            }),
            json!({"mergingList": [{"name": 2}, {"name": 3, "other": "a"}]}),
        ),
        (
            "add map and delete map from merging list",
            json!({"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}]
            }),
            json!({"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]}),
        ),
        (
            "retainKeys map changes a field in a nested map with conflict",
            json!({"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "new", "key2": "b", "key3": "c"}}}),
            json!({"retainKeysMap": {"$retainKeys": ["name", "simpleMap", "value"], "simpleMap": {"key1": "modified"}}}),
            json!({"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "modified", "key2": "b", "key3": "c"}}}),
        ),
        (
            "retainKeys map nested non-merging list with no change with conflict",
            json!({"retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}),
            json!({"retainKeysMap": {
                "$retainKeys": ["name", "nonMergingList", "value"], "value": "bar",
                "nonMergingList": [{"name": "a"}, {"name": "b"}]
            }}),
            json!({"retainKeysMap": {"name": "foo", "value": "bar", "nonMergingList": [{"name": "a"}, {"name": "b"}]}}),
        ),
        (
            "retainKeys map delete nested non-merging list with conflict",
            json!({"retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}),
            json!({"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar", "nonMergingList": null}}),
            json!({"retainKeysMap": {"name": "foo", "value": "bar"}}),
        ),
        (
            "retainKeys map nested merging int list with no change",
            json!({"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}}),
            json!({"retainKeysMap": {
                "$retainKeys": ["mergingIntList", "name", "value"], "$setElementOrder/mergingIntList": [1, 2], "value": "bar"
            }}),
            json!({"retainKeysMap": {"name": "foo", "value": "bar", "mergingIntList": [1, 2, 3]}}),
        ),
        (
            "retainKeys map adds an item in nested merging int list",
            json!({"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}}),
            json!({"retainKeysMap": {
                "$setElementOrder/mergingIntList": [1, 2, 4], "$retainKeys": ["mergingIntList", "name"], "mergingIntList": [4]
            }}),
            json!({"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 4, 3]}}),
        ),
        (
            "retainKeys map adds an item and deletes an item in nested merging int list",
            json!({"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3, 4]}}),
            json!({"retainKeysMap": {
                "$retainKeys": ["mergingIntList", "name"], "mergingIntList": [5],
                "$deleteFromPrimitiveList/mergingIntList": [2], "$setElementOrder/mergingIntList": [1, 3, 5]
            }}),
            json!({"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 5, 4]}}),
        ),
        (
            "retainKeys map adds an item in nested merging list",
            json!({"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "x"}]}}),
            json!({"retainKeysMap": {
                "$retainKeys": ["mergingList", "name"],
                "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                "mergingList": [{"name": "c"}]
            }}),
            json!({"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "x"}]}}),
        ),
        (
            "retainKeys map deletes an item in nested merging list",
            json!({"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "x"}]}}),
            json!({"retainKeysMap": {
                "$retainKeys": ["mergingList", "name"],
                "$setElementOrder/mergingList": [{"name": "a"}],
                "mergingList": [{"name": "b", "$patch": "delete"}]
            }}),
            json!({"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "x"}]}}),
        ),
    ];
    for (name, current, patch, want) in cases {
        assert_eq!(apply(current, patch), want, "{name}");
    }
}

fn named(names: &[i64]) -> Value {
    Value::Array(names.iter().map(|n| json!({"name": n})).collect())
}

#[test]
fn kube_order_fixtures() {
    let cases = [
        (
            "add field to map in merging list by pointer with conflict",
            json!({"mergeItemPtr": [
                {"name": 1, "other": "a", "mergeItemPtr": [{"name": 1, "value": "a"}, {"name": 2, "value": 2, "other": "b"}]},
                {"name": 2, "other": "b"}
            ]}),
            json!({
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [{
                    "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                    "name": 1,
                    "mergeItemPtr": [{"name": 1, "value": 1}]
                }]
            }),
            json!({"mergeItemPtr": [
                {"name": 1, "other": "a", "mergeItemPtr": [{"name": 1, "value": 1}, {"name": 2, "value": 2, "other": "b"}]},
                {"name": 2, "other": "b"}
            ]}),
        ),
        (
            "merge lists of scalars",
            json!({"mergingIntList": [1, 2, 4]}),
            json!({"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]}),
            json!({"mergingIntList": [1, 2, 3, 4]}),
        ),
        (
            "add an item in a list of primitives and preserve order",
            json!({"mergingIntList": [1, 4, 2]}),
            json!({"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]}),
            json!({"mergingIntList": [3, 1, 4, 2]}),
        ),
        (
            "delete an item in a list of primitives and preserve order",
            json!({"mergingIntList": [1, 2, 3]}),
            json!({"$setElementOrder/mergingIntList": [2, 1], "$deleteFromPrimitiveList/mergingIntList": [3]}),
            json!({"mergingIntList": [2, 1]}),
        ),
        (
            "add multiple items in a int list and preserve order",
            json!({"mergingIntList": [1, 2]}),
            json!({"$setElementOrder/mergingIntList": [1, 4, 2, 3], "mergingIntList": [4, 3]}),
            json!({"mergingIntList": [1, 4, 2, 3]}),
        ),
        (
            "delete an item in a list and preserve order",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
            json!({"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}], "mergingList": [{"name": 3, "$patch": "delete"}]}),
            json!({"mergingList": [{"name": 2, "value": 2, "other": "b"}, {"name": 1, "other": "a"}]}),
        ),
        (
            "change an item in a list and preserve order",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
            json!({"$setElementOrder/mergingList": [{"name": 2}, {"name": 3}, {"name": 1}], "mergingList": [{"name": 3, "value": "x"}]}),
            json!({"mergingList": [{"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": "x"}, {"name": 1, "other": "a"}]}),
        ),
        (
            "add and delete an item in a list and preserve order",
            json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 1}],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "$patch": "delete"}]
            }),
            json!({"mergingList": [{"name": 4, "value": 4}, {"name": 2, "value": 2, "other": "b"}, {"name": 1, "other": "a"}]}),
        ),
        (
            "set elements order in a list with server-only items 2",
            json!({"mergingList": named(&[1, 2, 9, 3, 4])}),
            json!({"$setElementOrder/mergingList": named(&[2, 1, 4, 3])}),
            json!({"mergingList": named(&[2, 1, 9, 4, 3])}),
        ),
        (
            "set elements order in a list with server-only items 3",
            json!({"mergingList": named(&[1, 2, 7, 9, 8, 3, 4])}),
            json!({"$setElementOrder/mergingList": named(&[2, 1, 4, 3])}),
            json!({"mergingList": named(&[2, 1, 7, 9, 8, 4, 3])}),
        ),
    ];
    for (name, current, patch, want) in cases {
        assert_eq!(apply(current, patch), want, "{name}");
    }
}
