//! Building HTTP responses: JSON or YAML bodies, `metav1.Status` errors,
//! warning headers, and streaming bodies for watches.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use super::body::Rendering;
use crate::error::ApiError;

/// The body type of every response (the server shell boxes nothing else).
pub type ResponseBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

pub fn full(bytes: impl Into<Bytes>) -> ResponseBody {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

pub fn bytes_response(status: StatusCode, content_type: &'static str, bytes: impl Into<Bytes>) -> Response<ResponseBody> {
    let mut response = Response::new(full(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn json_response(status: StatusCode, value: &Value) -> Response<ResponseBody> {
    // Serializing a Value cannot fail: keys are strings, numbers finite.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes_response(status, "application/json", bytes)
}

/// A value in the negotiated rendering (JSON unless YAML was asked for).
pub fn rendered(status: StatusCode, value: &Value, rendering: Rendering) -> Response<ResponseBody> {
    if rendering == Rendering::Yaml
        && let Ok(yaml) = serde_saphyr::to_string(value)
    {
        return bytes_response(status, "application/yaml", yaml);
    }
    json_response(status, value)
}

pub fn error_response(err: &ApiError) -> Response<ResponseBody> {
    let status = StatusCode::from_u16(err.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &err.to_status())
}

/// Adds kube's `Warning: 299 - "..."` headers.
pub fn with_warnings(mut response: Response<ResponseBody>, warnings: &[String]) -> Response<ResponseBody> {
    for warning in warnings {
        let escaped = warning.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(value) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            response.headers_mut().append(header::WARNING, value);
        }
    }
    response
}
