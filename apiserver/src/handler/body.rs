//! Request bodies in, response bodies out: the 3 MiB cap, JSON, YAML and
//! (for built-in kinds) Kubernetes protobuf decoding, with kube's error
//! messages, and content negotiation of the response (plain JSON, a Table,
//! or PartialObjectMetadata).

use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::Value;

use crate::error::ApiError;

/// Largest request body accepted, as kube-apiserver's default.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`] (413)
/// without buffering the excess.
pub async fn read_body<B>(body: B) -> Result<Bytes, ApiError>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(ApiError::too_large(MAX_BODY_BYTES))
        }
        Err(err) => Err(ApiError::bad_request(format!("reading the request body: {err}"))),
    }
}

/// The media type of a Content-Type header, lowercase, without parameters.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type.unwrap_or("application/json").split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// Decodes a JSON, YAML or (when `builtin`, as kube serves protobuf for
/// its own kinds only) Kubernetes protobuf object body.
pub fn decode_object(body: &[u8], content_type: Option<&str>, builtin: bool) -> Result<Value, ApiError> {
    let media = media_type(content_type);
    let value: Value = match media.as_str() {
        "application/json" | "" | "*/*" => serde_json::from_slice(body).map_err(|err| {
            ApiError::bad_request(format!("the body of the request could not be decoded as JSON: {err}"))
        })?,
        "application/yaml" | "application/x-yaml" | "text/yaml" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request("the YAML body of the request is not UTF-8"))?;
            rdd_api::yaml::from_str(text).map_err(|err| {
                ApiError::bad_request(format!("the body of the request could not be decoded as YAML: {err}"))
            })?
        }
        crate::protobuf::MEDIA_TYPE if builtin => crate::protobuf::decode_object(body).map_err(|err| {
            let message = format!("the body of the request could not be decoded as protobuf: {err}");
            if err.is_unsupported() {
                ApiError::unsupported_media_type(message)
            } else {
                ApiError::bad_request(message)
            }
        })?,
        _ => {
            let accepted = if builtin {
                "application/json, application/yaml, application/vnd.kubernetes.protobuf"
            } else {
                "application/json, application/yaml"
            };
            return Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: {accepted}"
            )));
        }
    };
    if !value.is_object() {
        return Err(ApiError::bad_request("the body of the request must be a JSON or YAML object"));
    }
    Ok(value)
}

/// What the client asked to get back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendering {
    /// The object or list itself.
    Object,
    /// `meta.k8s.io` Table (v1 or v1beta1).
    Table { v1beta1: bool },
    /// `meta.k8s.io/v1` PartialObjectMetadata(List).
    Metadata,
    /// YAML instead of JSON.
    Yaml,
}

/// Picks the first acceptable rendering from an Accept header; None when
/// nothing acceptable can be produced (406).
pub fn negotiate(accept: Option<&str>) -> Option<Rendering> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return Some(Rendering::Object) };
    for entry in accept.split(',') {
        let mut parts = entry.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut as_ = None;
        let mut group = None;
        let mut version = None;
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                match k.trim() {
                    "as" => as_ = Some(v.trim().to_owned()),
                    "g" => group = Some(v.trim().to_owned()),
                    "v" => version = Some(v.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let json_like = matches!(media.as_str(), "application/json" | "*/*" | "application/*");
        match (as_.as_deref(), group.as_deref(), version.as_deref()) {
            (Some("Table"), Some("meta.k8s.io"), Some(v @ ("v1" | "v1beta1"))) if json_like => {
                return Some(Rendering::Table { v1beta1: v == "v1beta1" });
            }
            (
                Some("PartialObjectMetadata" | "PartialObjectMetadataList"),
                Some("meta.k8s.io"),
                Some("v1" | "v1beta1"),
            ) if json_like => {
                return Some(Rendering::Metadata);
            }
            (Some(_), _, _) => continue,
            (None, _, _) if json_like => return Some(Rendering::Object),
            (None, _, _) if matches!(media.as_str(), "application/yaml" | "application/x-yaml") => {
                return Some(Rendering::Yaml);
            }
            _ => continue,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_accept_header_picks_table() {
        let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(accept)), Some(Rendering::Table { v1beta1: false }));
    }

    #[test]
    fn plain_and_fallbacks() {
        assert_eq!(negotiate(None), Some(Rendering::Object));
        assert_eq!(negotiate(Some("application/json")), Some(Rendering::Object));
        assert_eq!(negotiate(Some("application/vnd.kubernetes.protobuf, application/json")), Some(Rendering::Object));
        assert_eq!(negotiate(Some("application/vnd.kubernetes.protobuf")), None);
        assert_eq!(negotiate(Some("application/yaml")), Some(Rendering::Yaml));
        assert_eq!(
            negotiate(Some("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")),
            Some(Rendering::Metadata)
        );
        // An unknown `as=` falls through to the next entry.
        assert_eq!(negotiate(Some("application/json;as=Foo;g=x;v=v1,application/json")), Some(Rendering::Object));
    }

    #[test]
    fn decode_rejects_non_objects_and_unknown_types() {
        assert_eq!(decode_object(b"[1]", None, true).unwrap_err().code, 400);
        assert_eq!(decode_object(b"{", None, true).unwrap_err().code, 400);
        assert_eq!(decode_object(b"a: 1\n", Some("application/yaml"), true).unwrap()["a"], 1);
        let err = decode_object(b"{}", Some("text/plain"), true).unwrap_err();
        assert_eq!(err.code, 415);
        assert!(err.message.ends_with("application/json, application/yaml, application/vnd.kubernetes.protobuf"));
    }

    #[test]
    fn protobuf_is_for_builtins_only() {
        let body = b"k8s\0\x0a\x0f\x0a\x02v1\x12\x09ConfigMap\x12\x07\x0a\x05\x0a\x03abc";
        let object = decode_object(body, Some("application/vnd.kubernetes.protobuf"), true).unwrap();
        assert_eq!(object["kind"], "ConfigMap");
        assert_eq!(object["metadata"]["name"], "abc");
        let err = decode_object(body, Some("application/vnd.kubernetes.protobuf"), false).unwrap_err();
        assert_eq!(err.code, 415);
        assert_eq!(
            err.message,
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"
        );
        // Bad bytes are a bad request, an unknown kind an unsupported type.
        let err = decode_object(b"k8s\0\x12\x05", Some("application/vnd.kubernetes.protobuf"), true).unwrap_err();
        assert_eq!(err.code, 400);
        let other = b"k8s\0\x0a\x0c\x0a\x02v1\x12\x06Widget";
        assert_eq!(decode_object(other, Some("application/vnd.kubernetes.protobuf"), true).unwrap_err().code, 415);
    }
}
