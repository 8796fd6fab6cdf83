//! Reading one named object the way kubectl's resource builder does for
//! `get`, `describe` and `wait`: a NotFound in a namespace that does not exist
//! is reported as the namespace's NotFound (`namespaces "x" not found`),
//! and names cannot be combined with `--all-namespaces`.

use kube::Client;
use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::{CtlError, get_json};
use super::discovery::resource_path;

/// kubectl's refusal of `-A` with names.
pub fn names_across_namespaces() -> CtlError {
    CtlError::message("a resource cannot be retrieved by name across all namespaces")
}

/// GET of `name` in `namespace`, with kubectl's namespace check on NotFound.
pub async fn get_named(client: &Client, r: &ApiResource, namespace: &str, name: &str) -> Result<Value, CtlError> {
    match get_json(client, &resource_path(r, Some(namespace), Some(name))).await {
        Err(err) => Err(explain_not_found(client, r, Some(namespace), err).await),
        ok => ok,
    }
}

/// kubectl's namespace check: a NotFound of a namespaced object in a
/// namespace that does not exist becomes the namespace's NotFound; any
/// other error is kept as it is.
pub async fn explain_not_found(client: &Client, r: &ApiResource, namespace: Option<&str>, err: CtlError) -> CtlError {
    let Some(namespace) = namespace.filter(|_| err.is_not_found() && r.namespaced) else { return err };
    match get_json(client, &format!("/api/v1/namespaces/{namespace}")).await {
        Err(namespace_err) if namespace_err.is_not_found() => namespace_err,
        _ => err,
    }
}
