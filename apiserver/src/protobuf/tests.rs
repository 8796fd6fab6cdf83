//! Decoding tests: bodies captured from real kubectl 1.32 and 1.33 typed
//! creates (testdata/*.pb, recorded through a logging proxy) must decode to
//! exactly the JSON the same kubectl prints for the object with
//! `--dry-run=client -o json` (testdata/*.json); the kinds kubectl never
//! sends as protobuf are checked with hand-encoded messages.

use serde_json::{Value, json};

use super::*;

fn vector(name: &str) -> (Vec<u8>, Value) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/protobuf/testdata");
    let pb = std::fs::read(format!("{dir}/{name}.pb")).unwrap();
    let expected = serde_json::from_slice(&std::fs::read(format!("{dir}/{name}.json")).unwrap()).unwrap();
    (pb, expected)
}

#[test]
fn kubectl_typed_creates_decode_to_their_json() {
    for version in ["1.32", "1.33"] {
        for kind in ["ns", "cm", "sec", "reg", "hashed"] {
            let name = format!("kubectl-{version}-{kind}");
            let (pb, expected) = vector(&name);
            assert_eq!(decode_object(&pb).unwrap(), expected, "{name}");
        }
    }
}

/// A minimal encoder for hand-built messages.
#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn varint(mut self, number: u32, mut v: u64) -> Self {
        self.key(number, 0);
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
        self
    }
    fn bytes(mut self, number: u32, b: &[u8]) -> Self {
        self.key(number, 2);
        let mut len = Enc::default();
        let mut v = b.len() as u64;
        while v >= 0x80 {
            len.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        len.0.push(v as u8);
        self.0.extend(len.0);
        self.0.extend_from_slice(b);
        self
    }
    fn str(self, number: u32, s: &str) -> Self {
        self.bytes(number, s.as_bytes())
    }
    fn msg(self, number: u32, m: Enc) -> Self {
        self.bytes(number, &m.0)
    }
    fn double(mut self, number: u32, v: f64) -> Self {
        self.key(number, 1);
        self.0.extend(v.to_bits().to_le_bytes());
        self
    }
    fn key(&mut self, number: u32, wire: u8) {
        let mut key = (u64::from(number) << 3) | u64::from(wire);
        while key >= 0x80 {
            self.0.push((key as u8) | 0x80);
            key >>= 7;
        }
        self.0.push(key as u8);
    }
    fn entry(self, number: u32, key: &str, value: Enc) -> Self {
        self.msg(number, Enc::default().str(1, key).msg(2, value))
    }
}

fn envelope(api_version: &str, kind: &str, raw: Enc) -> Vec<u8> {
    let unknown = Enc::default().msg(1, Enc::default().str(1, api_version).str(2, kind)).msg(2, raw);
    [MAGIC.as_slice(), &unknown.0].concat()
}

fn meta(name: &str) -> Enc {
    Enc::default().str(1, name).msg(8, Enc::default())
}

#[test]
fn lease_with_micro_times_and_pointers() {
    let spec = Enc::default()
        .str(1, "holder")
        .varint(2, 15)
        .msg(3, Enc::default().varint(1, 1_700_000_000).varint(2, 5_000))
        .varint(5, 0);
    let body = envelope("coordination.k8s.io/v1", "Lease", Enc::default().msg(1, meta("l")).msg(2, spec));
    assert_eq!(
        decode_object(&body).unwrap(),
        json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "l", "creationTimestamp": null},
            "spec": {
                "holderIdentity": "holder",
                "leaseDurationSeconds": 15,
                "acquireTime": "2023-11-14T22:13:20.000005Z",
                "leaseTransitions": 0
            }
        })
    );
}

#[test]
fn object_meta_in_full() {
    let owner = Enc::default().str(1, "App").str(3, "a").str(4, "u-1").str(5, "app.example/v1").varint(6, 1);
    let managed = Enc::default()
        .str(1, "kubectl")
        .str(2, "Update")
        .str(3, "v1")
        .msg(4, Enc::default().varint(1, 1_700_000_000))
        .str(6, "FieldsV1")
        .msg(7, Enc::default().str(1, r#"{"f:data":{}}"#));
    let meta = Enc::default()
        .str(1, "n")
        .str(3, "ns")
        .str(2, "")
        .varint(7, 3)
        .msg(8, Enc::default().varint(1, 1_700_000_000).varint(2, 999))
        .msg(9, Enc::default().varint(1, 1_700_000_001))
        .varint(10, 30)
        .entry(11, "b", Enc(b"2".to_vec()))
        .msg(11, Enc::default().str(1, "a").str(2, "1"))
        .msg(12, Enc::default().str(1, "note").str(2, ""))
        .msg(13, owner)
        .str(14, "example.com/x")
        .msg(17, managed)
        .str(99, "unknown fields are skipped");
    // `entry` wraps a message; a string value goes in as raw bytes, which
    // is the same on the wire.
    let body = envelope("v1", "ConfigMap", Enc::default().msg(1, meta).varint(4, 0));
    assert_eq!(
        decode_object(&body).unwrap(),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "immutable": false,
            "metadata": {
                "name": "n",
                "namespace": "ns",
                "generation": 3,
                "creationTimestamp": "2023-11-14T22:13:20Z",
                "deletionTimestamp": "2023-11-14T22:13:21Z",
                "deletionGracePeriodSeconds": 30,
                "labels": {"a": "1", "b": "2"},
                "annotations": {"note": ""},
                "ownerReferences": [{"apiVersion": "app.example/v1", "kind": "App", "name": "a", "uid": "u-1", "controller": true}],
                "finalizers": ["example.com/x"],
                "managedFields": [{
                    "manager": "kubectl",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2023-11-14T22:13:20Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {}}
                }]
            }
        })
    );
}

#[test]
fn events_of_both_groups() {
    let reference = Enc::default().str(1, "ConfigMap").str(2, "default").str(3, "cm");
    let core = Enc::default()
        .msg(1, meta("e1"))
        .msg(2, reference)
        .str(3, "Created")
        .varint(8, 2)
        .msg(6, Enc::default().varint(1, 1_700_000_000))
        .msg(10, Enc::default())
        .msg(5, Enc::default());
    assert_eq!(
        decode_object(&envelope("v1", "Event", core)).unwrap(),
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "e1", "creationTimestamp": null},
            "involvedObject": {"kind": "ConfigMap", "namespace": "default", "name": "cm"},
            "reason": "Created",
            "source": {},
            "firstTimestamp": "2023-11-14T22:13:20Z",
            "lastTimestamp": null,
            "count": 2,
            "eventTime": null,
            "reportingComponent": "",
            "reportingInstance": ""
        })
    );
    let v1 = Enc::default()
        .msg(1, meta("e2"))
        .msg(2, Enc::default().varint(1, 1_700_000_000))
        .msg(3, Enc::default().varint(1, 0))
        .str(4, "rdd")
        .str(10, "note")
        .str(11, "Normal");
    assert_eq!(
        decode_object(&envelope("events.k8s.io/v1", "Event", v1)).unwrap(),
        json!({
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": "e2", "creationTimestamp": null},
            "eventTime": "2023-11-14T22:13:20.000000Z",
            "series": {"count": 0, "lastObservedTime": null},
            "reportingController": "rdd",
            "regarding": {},
            "note": "note",
            "type": "Normal",
            "deprecatedSource": {},
            "deprecatedFirstTimestamp": null,
            "deprecatedLastTimestamp": null
        })
    );
}

#[test]
fn custom_resource_definition_with_a_schema() {
    let string_prop = Enc::default().str(5, "string").str(15, "^a").varint(13, 10);
    let replicas = Enc::default().str(5, "integer").double(11, 1.0).double(9, 2.5).msg(8, Enc::default().str(1, "1"));
    let spec_schema = Enc::default()
        .str(5, "object")
        .entry(29, "name", string_prop)
        .entry(29, "replicas", replicas)
        .msg(30, Enc::default().varint(1, 0))
        .msg(20, Enc::default().str(1, r#""x""#))
        .msg(44, Enc::default().str(1, "self.replicas >= 0").str(2, "no"));
    let root = Enc::default()
        .str(5, "object")
        .entry(29, "spec", spec_schema)
        .entry(29, "status", Enc::default().str(5, "object").varint(38, 1))
        .msg(24, Enc::default().msg(1, Enc::default().str(5, "string")))
        .msg(30, Enc::default().msg(2, Enc::default().str(5, "string")))
        .str(23, "spec");
    let version = Enc::default()
        .str(1, "v1")
        .varint(2, 1)
        .varint(3, 1)
        .msg(4, Enc::default().msg(1, root))
        .msg(5, Enc::default().msg(1, Enc::default()))
        .msg(6, Enc::default().str(1, "Name").str(2, "string").str(6, ".spec.name"))
        .msg(9, Enc::default().str(1, ".spec.name"));
    let names = Enc::default().str(1, "widgets").str(2, "widget").str(4, "Widget").str(3, "wd");
    let spec = Enc::default().str(1, "example.com").msg(3, names).str(4, "Namespaced").msg(7, version);
    let crd = Enc::default().msg(1, meta("widgets.example.com")).msg(2, spec).msg(3, Enc::default());
    let body = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd);
    assert_eq!(
        decode_object(&body).unwrap(),
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com", "creationTimestamp": null},
            "spec": {
                "group": "example.com",
                "names": {"plural": "widgets", "singular": "widget", "shortNames": ["wd"], "kind": "Widget"},
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1",
                    "served": true,
                    "storage": true,
                    "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "required": ["spec"],
                        "items": {"type": "string"},
                        "additionalProperties": {"type": "string"},
                        "properties": {
                            "spec": {
                                "type": "object",
                                "additionalProperties": false,
                                "enum": ["x"],
                                "x-kubernetes-validations": [{"rule": "self.replicas >= 0", "message": "no"}],
                                "properties": {
                                    "name": {"type": "string", "pattern": "^a", "maxLength": 10},
                                    "replicas": {"type": "integer", "minimum": 1, "maximum": 2.5, "default": 1}
                                }
                            },
                            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                        }
                    }},
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [{"name": "Name", "type": "string", "jsonPath": ".spec.name"}],
                    "selectableFields": [{"jsonPath": ".spec.name"}]
                }]
            },
            "status": {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": null}
        })
    );
}

#[test]
fn delete_options_under_any_group_version() {
    let options = Enc::default().varint(1, 0).msg(2, Enc::default().str(1, "u-1")).str(4, "Foreground").str(5, "All");
    assert_eq!(
        decode_object(&envelope("coordination.k8s.io/v1", "DeleteOptions", options)).unwrap(),
        json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "DeleteOptions",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "u-1"},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"]
        })
    );
}

#[test]
fn refusals() {
    assert!(matches!(decode_object(b"{}"), Err(DecodeError::NoMagic)));
    let widget = envelope("example.com/v1", "Widget", Enc::default());
    let err = decode_object(&widget).unwrap_err();
    assert!(err.is_unsupported());
    assert_eq!(
        err.to_string(),
        "rdd decodes protobuf bodies of its built-in kinds only, not \"Widget\" of \"example.com/v1\"; send it as application/json"
    );
    let gzip = [MAGIC.as_slice(), &Enc::default().str(3, "gzip").0].concat();
    assert!(decode_object(&gzip).unwrap_err().is_unsupported());
    // A string field sent as a varint.
    let bad = envelope("v1", "ConfigMap", Enc::default().msg(1, Enc::default().varint(1, 5)));
    let err = decode_object(&bad).unwrap_err();
    assert!(!err.is_unsupported());
    assert_eq!(err.to_string(), "malformed protobuf: field \"name\" of ObjectMeta has the wrong wire type");
    // Invalid embedded JSON in managedFields.
    let meta = Enc::default().msg(17, Enc::default().msg(7, Enc::default().str(1, "{")));
    assert!(decode_object(&envelope("v1", "ConfigMap", Enc::default().msg(1, meta))).is_err());
    // Recursion without end is cut off.
    let mut deep = Enc::default();
    for _ in 0..200 {
        deep = Enc::default().msg(28, deep);
    }
    let crd = Enc::default().msg(2, Enc::default().msg(7, Enc::default().msg(4, Enc::default().msg(1, deep))));
    let body = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd);
    assert_eq!(decode_object(&body).unwrap_err().to_string(), "malformed protobuf: messages nested too deeply");
}
