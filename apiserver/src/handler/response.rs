//! Building HTTP responses: JSON or YAML bodies, `metav1.Status` errors,
//! warning headers, and streaming bodies for watches.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde_json::Value;

use super::body::Rendering;
use crate::error::ApiError;

pub use crate::server::{ResponseBody, full_body as full};

pub fn bytes_response(
    status: StatusCode,
    content_type: &'static str,
    bytes: impl Into<Bytes>,
) -> Response<ResponseBody> {
    body_response(status, content_type, full(bytes))
}

/// A response with any body, whole or streamed.
pub fn body_response(status: StatusCode, content_type: &'static str, body: ResponseBody) -> Response<ResponseBody> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub use crate::server::json_status as json_response;

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
