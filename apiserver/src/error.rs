//! API errors as kube-apiserver reports them: a `metav1.Status` body with
//! kube's reason, HTTP code and message shape (e.g.
//! `containers.containers.rancherdesktop.io "abc" not found`), so clients
//! that branch on reasons (kubectl, client-go, kube-rs) behave as on a
//! real cluster.

use serde_json::{Value, json};

/// The group-qualified plural of a resource, printed `resource.group`
/// (`configmaps` for the core group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

impl GroupResource {
    pub fn new(group: &str, resource: &str) -> Self {
        GroupResource { group: group.to_owned(), resource: resource.to_owned() }
    }
}

impl std::fmt::Display for GroupResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() { f.write_str(&self.resource) } else { write!(f, "{}.{}", self.resource, self.group) }
    }
}

/// One field-level cause of an Invalid error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, ...
    pub reason: String,
    /// The message without the field path (kube's `ErrorBody`).
    pub message: String,
    /// The field path, e.g. `spec.running`.
    pub field: String,
}

/// A failed API request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// `details` of the Status: name, group, kind and causes when known.
    pub details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: String, details: Option<Value>) -> Self {
        ApiError { code, reason, message, details }
    }

    fn resource_details(gr: &GroupResource, name: &str) -> Value {
        let mut details = json!({ "name": name, "kind": gr.resource });
        if !gr.group.is_empty() {
            details["group"] = Value::String(gr.group.clone());
        }
        details
    }

    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{gr} {name:?} not found"), Some(Self::resource_details(gr, name)))
    }

    /// A path that names no served resource.
    pub fn no_such_resource() -> Self {
        Self::new(404, "NotFound", "the server could not find the requested resource".to_owned(), Some(json!({})))
    }

    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self::new(409, "AlreadyExists", format!("{gr} {name:?} already exists"), Some(Self::resource_details(gr, name)))
    }

    /// 409 for a write whose resourceVersion precondition failed.
    pub fn conflict(gr: &GroupResource, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {gr} {name:?}: {why}"),
            Some(Self::resource_details(gr, name)),
        )
    }

    /// The message kube gives when a stale resourceVersion loses.
    pub fn stale_resource_version(gr: &GroupResource, name: &str) -> Self {
        Self::conflict(
            gr,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 Invalid. `qualified_kind` is `Kind` or `Kind.group`; `errors`
    /// are full field error strings (`spec.x: Required value`) with their
    /// causes.
    pub fn invalid(qualified_kind: &str, group: &str, kind: &str, name: &str, causes: Vec<(String, Cause)>) -> Self {
        let messages: Vec<&str> = causes.iter().map(|(full, _)| full.as_str()).collect();
        let aggregate = match messages.as_slice() {
            [one] => (*one).to_owned(),
            many => format!("[{}]", many.join(", ")),
        };
        let mut details = json!({ "name": name, "kind": kind });
        if !group.is_empty() {
            details["group"] = Value::String(group.to_owned());
        }
        details["causes"] =
            causes.iter().map(|(_, c)| json!({ "reason": c.reason, "message": c.message, "field": c.field })).collect();
        Self::new(422, "Invalid", format!("{qualified_kind} {name:?} is invalid: {aggregate}"), Some(details))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message.into(), None)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized".to_owned(), None)
    }

    /// 403: `<resource> "<name>" is forbidden: <why>`, without the name
    /// when there is none.
    pub fn forbidden(gr: &GroupResource, name: &str, why: &str) -> Self {
        let message = if name.is_empty() {
            format!("{gr} is forbidden: {why}")
        } else {
            format!("{gr} {name:?} is forbidden: {why}")
        };
        Self::new(403, "Forbidden", message, Some(Self::resource_details(gr, name)))
    }

    pub fn method_not_supported(gr: &GroupResource, action: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("{action} is not supported on resources of kind {:?}", gr.to_string()),
            Some(json!({ "group": gr.group, "kind": gr.resource })),
        )
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message.into(), None)
    }

    /// 410 for a watch or continue token older than what the server keeps.
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message.into(), None)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(413, "RequestEntityTooLarge", format!("Request entity too large: limit is {limit}"), None)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message.into(), None)
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {message}"),
            Some(json!({ "causes": [{ "message": message.to_string() }] })),
        )
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message.into(), None)
    }

    /// The `metav1.Status` body.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

/// The Status a delete returns when the object is gone at once and the
/// kind does not return the deleted object.
pub fn success_status(gr: &GroupResource, name: &str, uid: &str) -> Value {
    let mut details = json!({ "name": name, "kind": gr.resource, "uid": uid });
    if !gr.group.is_empty() {
        details["group"] = Value::String(gr.group.clone());
    }
    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_uses_kubes_message_shape() {
        let err = ApiError::not_found(&GroupResource::new("containers.rancherdesktop.io", "containers"), "abc");
        assert_eq!(err.message, r#"containers.containers.rancherdesktop.io "abc" not found"#);
        let status = err.to_status();
        assert_eq!(status["code"], 404);
        assert_eq!(status["reason"], "NotFound");
        assert_eq!(
            status["details"],
            json!({"name": "abc", "kind": "containers", "group": "containers.rancherdesktop.io"})
        );
        let core = ApiError::not_found(&GroupResource::new("", "configmaps"), "x");
        assert_eq!(core.message, r#"configmaps "x" not found"#);
        assert!(core.to_status()["details"].get("group").is_none());
    }

    #[test]
    fn invalid_aggregates_like_kube() {
        let cause = |f: &str, m: &str| {
            (format!("{f}: {m}"), Cause { reason: "FieldValueRequired".into(), message: m.into(), field: f.into() })
        };
        let one = ApiError::invalid(
            "App.app.rancherdesktop.io",
            "app.rancherdesktop.io",
            "App",
            "app",
            vec![cause("spec.running", "Required value")],
        );
        assert_eq!(one.message, r#"App.app.rancherdesktop.io "app" is invalid: spec.running: Required value"#);
        assert_eq!(one.code, 422);
        let two = ApiError::invalid(
            "ConfigMap",
            "",
            "ConfigMap",
            "x",
            vec![cause("a", "Required value"), cause("b", "Required value")],
        );
        assert_eq!(two.message, r#"ConfigMap "x" is invalid: [a: Required value, b: Required value]"#);
        assert_eq!(two.to_status()["details"]["causes"][1]["field"], "b");
    }

    #[test]
    fn conflict_and_forbidden_messages() {
        let gr = GroupResource::new("", "configmaps");
        assert_eq!(
            ApiError::stale_resource_version(&gr, "x").message,
            r#"Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again"#
        );
        assert_eq!(
            ApiError::forbidden(
                &gr,
                "",
                "User \"user\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\""
            )
            .message,
            r#"configmaps is forbidden: User "user" cannot create resource "configmaps" in API group "" in the namespace "default""#
        );
    }
}
