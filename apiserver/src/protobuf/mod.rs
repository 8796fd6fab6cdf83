//! Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`),
//! decoded into the JSON objects the handler works with. kubectl 1.32+
//! sends the objects its typed clients create (`create configmap`, `create
//! secret generic`, `create namespace`) this way.
//!
//! The envelope is the 4-byte magic `k8s\0` and a `runtime.Unknown`
//! (typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
//! contentType = 4); `raw` is the kind's own message. Only the built-in
//! kinds rdd serves (and meta/v1 DeleteOptions) have field tables; any
//! other kind is refused as an unsupported media type, as kube-apiserver
//! refuses protobuf for custom resources.

mod core;
mod crd;
mod decode;
mod schema;
mod wire;

use serde_json::{Map, Value};

use schema::Message;
use wire::{Reader, WireValue};

/// The media type of Kubernetes protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix of every Kubernetes protobuf body.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// Why a protobuf body could not be turned into JSON.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the body does not start with the Kubernetes protobuf magic \"k8s\\x00\"")]
    NoMagic,
    #[error("malformed protobuf: {0}")]
    Malformed(&'static str),
    #[error("malformed protobuf: field {field:?} of {message} has the wrong wire type")]
    WrongWireType { message: &'static str, field: &'static str },
    #[error("malformed protobuf: field {field:?} of {message} is not valid UTF-8")]
    InvalidUtf8 { message: &'static str, field: &'static str },
    #[error("malformed protobuf: an embedded JSON value does not parse: {0}")]
    EmbeddedJson(String),
    #[error(
        "rdd decodes protobuf bodies of its built-in kinds only, not {kind:?} of {api_version:?}; send it as application/json"
    )]
    UnsupportedKind { api_version: String, kind: String },
    #[error("protobuf bodies with content encoding {0:?} are not supported; send it as application/json")]
    UnsupportedEncoding(String),
}

impl DecodeError {
    /// True when the body is well-formed but names something rdd cannot
    /// decode (415), false when the bytes themselves are bad (400).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Self::UnsupportedKind { .. } | Self::UnsupportedEncoding(_))
    }
}

/// Decodes a Kubernetes protobuf object body into the JSON object Go's
/// encoding/json would write for the same typed object, apiVersion and kind
/// taken from the envelope.
pub fn decode_object(body: &[u8]) -> Result<Value, DecodeError> {
    let unknown = Unknown::parse(body)?;
    let message = message_for(&unknown.api_version, &unknown.kind).ok_or_else(|| DecodeError::UnsupportedKind {
        api_version: unknown.api_version.clone(),
        kind: unknown.kind.clone(),
    })?;
    let decoded = decode::decode_message(message, unknown.raw)?;
    let mut object = Map::new();
    // TypeMeta's fields are omitempty.
    if !unknown.api_version.is_empty() {
        object.insert("apiVersion".into(), Value::String(unknown.api_version));
    }
    if !unknown.kind.is_empty() {
        object.insert("kind".into(), Value::String(unknown.kind));
    }
    if let Value::Object(fields) = decoded {
        object.extend(fields);
    }
    Ok(Value::Object(object))
}

/// The field table of a kind, by the envelope's apiVersion and kind.
fn message_for(api_version: &str, kind: &str) -> Option<&'static Message> {
    Some(match (api_version, kind) {
        ("v1", "Namespace") => &core::NAMESPACE,
        ("v1", "ConfigMap") => &core::CONFIG_MAP,
        ("v1", "Secret") => &core::SECRET,
        ("v1", "Event") => &core::CORE_EVENT,
        ("events.k8s.io/v1", "Event") => &core::EVENTS_V1_EVENT,
        ("coordination.k8s.io/v1", "Lease") => &core::LEASE,
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition") => &crd::CUSTOM_RESOURCE_DEFINITION,
        // DeleteOptions is registered in every group version, so a typed
        // client of any group may send it under its own apiVersion.
        (_, "DeleteOptions") => &core::DELETE_OPTIONS,
        _ => return None,
    })
}

/// `runtime.Unknown`, the envelope after the magic.
struct Unknown<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
}

impl<'a> Unknown<'a> {
    fn parse(body: &'a [u8]) -> Result<Self, DecodeError> {
        let rest = body.strip_prefix(MAGIC.as_slice()).ok_or(DecodeError::NoMagic)?;
        let mut unknown = Unknown { api_version: String::new(), kind: String::new(), raw: &[] };
        let mut reader = Reader::new(rest);
        while let Some((number, value)) = reader.next_field()? {
            let WireValue::Bytes(bytes) = value else {
                return Err(DecodeError::WrongWireType { message: "Unknown", field: "(any)" });
            };
            match number {
                1 => {
                    let mut type_meta = Reader::new(bytes);
                    while let Some((number, value)) = type_meta.next_field()? {
                        match (number, value) {
                            (1, WireValue::Bytes(b)) => unknown.api_version = utf8("apiVersion", b)?,
                            (2, WireValue::Bytes(b)) => unknown.kind = utf8("kind", b)?,
                            (1 | 2, _) => {
                                return Err(DecodeError::WrongWireType { message: "TypeMeta", field: "(any)" });
                            }
                            _ => {}
                        }
                    }
                }
                2 => unknown.raw = bytes,
                3 if !bytes.is_empty() => {
                    return Err(DecodeError::UnsupportedEncoding(String::from_utf8_lossy(bytes).into_owned()));
                }
                _ => {}
            }
        }
        Ok(unknown)
    }
}

fn utf8(field: &'static str, bytes: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidUtf8 { message: "TypeMeta", field })
}

#[cfg(test)]
mod tests;
