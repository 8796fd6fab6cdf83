//! `get` and `list`: served from the store's in-memory state, never from
//! SQLite. A plain JSON list is streamed from the stored bytes without
//! parsing them (SPEC §11 P4, `list_body`); Tables, metadata-only lists,
//! selectors and version conversion parse what they need.

use std::sync::Arc;
use std::time::Duration;

use http::{Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::body::Rendering;
use super::list_body::ListBody;
use super::response::{ResponseBody, body_response, bytes_response, rendered};
use super::{ControlPlane, RequestContext};
use crate::error::ApiError;
use crate::registry::{Behaviour, ResourceInfo};
use crate::selector::{FieldSelector, LabelSelector};
use crate::storage::StoredObject;
use crate::table::partial_metadata;

/// The object as the requested group/version presents it.
pub fn present(plane: &ControlPlane, info: &ResourceInfo, stored: &StoredObject) -> Result<Value, ApiError> {
    let mut value: Value = serde_json::from_slice(&stored.json)
        .map_err(|err| ApiError::internal(format!("stored object {} is not JSON: {err}", stored.key)))?;
    if info.behaviour == Behaviour::EventsV1Event {
        value = crate::events::from_core(&value);
    } else if needs_version_rewrite(plane, info) {
        value["apiVersion"] = json!(info.api_version());
    }
    Ok(value)
}

/// Whether stored objects may carry another apiVersion than the request's:
/// a CRD serving several versions (conversion strategy None).
fn needs_version_rewrite(plane: &ControlPlane, info: &ResourceInfo) -> bool {
    info.is_custom()
        && plane
            .registry
            .snapshot()
            .resources()
            .iter()
            .filter(|r| r.group == info.group && r.resource == info.resource)
            .count()
            > 1
}

/// Whether the stored bytes can be sent as they are.
pub(super) fn bytes_are_presentable(plane: &ControlPlane, info: &ResourceInfo) -> bool {
    info.behaviour != Behaviour::EventsV1Event && !needs_version_rewrite(plane, info)
}

pub fn get(plane: &Arc<ControlPlane>, ctx: &RequestContext) -> Result<Response<ResponseBody>, ApiError> {
    let stored =
        plane.store.get(&ctx.key()).ok_or_else(|| ApiError::not_found(&ctx.info.group_resource(), ctx.name()))?;
    if ctx.rendering == Rendering::Object && bytes_are_presentable(plane, &ctx.info) {
        return Ok(bytes_response(StatusCode::OK, "application/json", stored.json.clone()));
    }
    let value = present(plane, &ctx.info, &stored)?;
    Ok(render_one(ctx, value, &stored.revision.to_string()))
}

/// One object in the negotiated rendering.
pub fn render_one(ctx: &RequestContext, value: Value, resource_version: &str) -> Response<ResponseBody> {
    match ctx.rendering {
        Rendering::Table { v1beta1 } => {
            let mut table = crate::table::table(
                &ctx.info,
                vec![value],
                ctx.options.include_object,
                true,
                resource_version,
                None,
                jiff::Timestamp::now(),
            );
            if v1beta1 {
                table["apiVersion"] = json!("meta.k8s.io/v1beta1");
            }
            rendered(StatusCode::OK, &table, Rendering::Object)
        }
        Rendering::Metadata => rendered(StatusCode::OK, &partial_metadata(value), Rendering::Object),
        rendering => rendered(StatusCode::OK, &value, rendering),
    }
}

/// Parsed label and field selectors of a list, watch or deletecollection.
pub struct Selectors {
    pub labels: Option<LabelSelector>,
    pub fields: Option<FieldSelector>,
}

impl Selectors {
    pub fn parse(ctx: &RequestContext) -> Result<Self, ApiError> {
        let labels = match ctx.options.label_selector.as_deref() {
            Some(text) => Some(LabelSelector::parse(text).map_err(|err| ApiError::bad_request(err.to_string()))?),
            None => None,
        };
        let fields = match ctx.options.field_selector.as_deref() {
            Some(text) => {
                let selector = FieldSelector::parse(text).map_err(|err| ApiError::bad_request(err.to_string()))?;
                for field in selector.fields() {
                    let supported = matches!(field, "metadata.name" | "metadata.namespace")
                        || ctx.info.selectable_fields.iter().any(|f| f == field);
                    if !supported {
                        return Err(ApiError::bad_request(format!("field label not supported: {field}")));
                    }
                }
                Some(selector)
            }
            None => None,
        };
        Ok(Selectors { labels, fields })
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_none() && self.fields.is_none()
    }

    /// Whether a stored object (in its stored, core form) matches.
    pub fn matches(&self, stored: &StoredObject) -> bool {
        if let Some(labels) = &self.labels
            && !labels.matches(&stored.labels)
        {
            return false;
        }
        if let Some(fields) = &self.fields {
            let Ok(value) = serde_json::from_slice::<Value>(&stored.json) else { return false };
            return fields.matches(|path| Some(field_value(&value, path)));
        }
        true
    }
}

/// The value of a selectable field: strings as they are, numbers and
/// booleans printed, absent fields empty (as kube's field sets do).
pub fn field_value(object: &Value, path: &str) -> String {
    // kube's EventFieldsSet maps `source` to the event's source component.
    let path = if path == "source" { "source.component" } else { path };
    let mut current = object;
    for segment in path.split('.') {
        match current.get(segment) {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Position of a paginated list: the revision of its first page and the
/// last key returned.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    rv: u64,
    start: String,
}

fn encode_continue(rv: u64, start: &str) -> String {
    let json = serde_json::to_vec(&ContinueToken { rv, start: start.to_owned() }).unwrap_or_default();
    hex::encode(json)
}

fn decode_continue(token: &str, prefix: &str) -> Result<ContinueToken, ApiError> {
    let invalid = |why: &str| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let bytes = hex::decode(token).map_err(|_| invalid("not a continue token of this server"))?;
    let decoded: ContinueToken =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a continue token of this server"))?;
    if !decoded.start.starts_with(prefix) {
        return Err(invalid("the token belongs to another list"));
    }
    Ok(decoded)
}

/// Applies the resourceVersion semantics of a list: "" and "0" are served
/// from the latest state; `N` waits briefly until the store reached N
/// (NotOlderThan); Exact can only be served for the current revision.
async fn check_list_resource_version(plane: &ControlPlane, ctx: &RequestContext) -> Result<(), ApiError> {
    let options = &ctx.options;
    let rv = options.resource_version.as_deref();
    let exact = match options.resource_version_match.as_deref() {
        None => false,
        Some("NotOlderThan") => false,
        Some("Exact") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "resourceVersionMatch {other:?} is invalid: use NotOlderThan or Exact"
            )));
        }
    };
    if options.resource_version_match.is_some() && rv.is_none() {
        return Err(ApiError::bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided"));
    }
    if options.continue_token.is_some() && rv.is_some_and(|v| v != "0") {
        return Err(ApiError::bad_request("specifying resource version is not allowed when using continue"));
    }
    let Some(rv) = rv.filter(|v| *v != "0") else {
        if exact {
            return Err(ApiError::bad_request("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\""));
        }
        return Ok(());
    };
    let wanted: u64 = rv
        .parse()
        .map_err(|_| ApiError::bad_request(format!("invalid resource version {rv:?}: use a revision number")))?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while plane.store.revision() < wanted && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let current = plane.store.revision();
    if current < wanted {
        let mut err = ApiError::expired(format!("Too large resource version: {wanted}, current: {current}"));
        err.code = 504;
        err.reason = "Timeout";
        err.details = Some(
            json!({ "causes": [{ "reason": "ResourceVersionTooLarge", "message": "Too large resource version" }], "retryAfterSeconds": 1 }),
        );
        return Err(err);
    }
    if exact && wanted != current {
        return Err(ApiError::expired(format!("too old resource version: {wanted} ({current})")));
    }
    Ok(())
}

pub async fn list(plane: &Arc<ControlPlane>, ctx: &RequestContext) -> Result<Response<ResponseBody>, ApiError> {
    check_list_resource_version(plane, ctx).await?;
    let selectors = Selectors::parse(ctx)?;
    let prefix = ctx.info.list_prefix(ctx.namespace());
    let token = ctx.options.continue_token.as_deref().map(|t| decode_continue(t, &prefix)).transpose()?;
    let start_after = token.as_ref().map(|t| t.start.as_str());
    let limit = ctx.options.limit;

    let (revision, items, more, remaining) = if selectors.is_empty() {
        let snapshot = plane.store.list(&prefix, start_after, limit);
        let more = snapshot.remaining > 0;
        (snapshot.revision, snapshot.items, more, Some(snapshot.remaining))
    } else {
        let snapshot = plane.store.list(&prefix, start_after, None);
        let mut matching = Vec::new();
        let mut more = false;
        for item in snapshot.items {
            if !selectors.matches(&item) {
                continue;
            }
            if limit.is_some_and(|l| matching.len() >= l) {
                more = true;
                break;
            }
            matching.push(item);
        }
        (snapshot.revision, matching, more, None)
    };
    let list_revision = token.as_ref().map_or(revision, |t| t.rv);
    let continue_token = if more { items.last().map(|last| encode_continue(list_revision, &last.key)) } else { None };
    let mut metadata = json!({ "resourceVersion": list_revision.to_string() });
    if let Some(token) = &continue_token {
        metadata["continue"] = json!(token);
        if let Some(remaining) = remaining {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }

    match ctx.rendering {
        Rendering::Object if bytes_are_presentable(plane, &ctx.info) => {
            let head = format!(
                "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{},\"items\":[",
                json!(ctx.info.list_kind),
                json!(ctx.info.api_version()),
                metadata
            );
            Ok(body_response(StatusCode::OK, "application/json", ListBody::new(head, items).boxed()))
        }
        rendering => {
            let values = items.iter().map(|i| present(plane, &ctx.info, i)).collect::<Result<Vec<_>, _>>()?;
            let body = match rendering {
                Rendering::Table { v1beta1 } => {
                    let mut table = crate::table::table(
                        &ctx.info,
                        values,
                        ctx.options.include_object,
                        true,
                        &list_revision.to_string(),
                        continue_token.as_deref(),
                        jiff::Timestamp::now(),
                    );
                    if v1beta1 {
                        table["apiVersion"] = json!("meta.k8s.io/v1beta1");
                    }
                    table
                }
                Rendering::Metadata => json!({
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": metadata,
                    "items": values.into_iter().map(partial_metadata).collect::<Vec<_>>(),
                }),
                _ => json!({
                    "kind": ctx.info.list_kind,
                    "apiVersion": ctx.info.api_version(),
                    "metadata": metadata,
                    "items": values,
                }),
            };
            let rendering = if rendering == Rendering::Yaml { Rendering::Yaml } else { Rendering::Object };
            Ok(rendered(StatusCode::OK, &body, rendering))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_values_render_like_kube() {
        let object = json!({"metadata": {"name": "a"}, "status": {"size": 5, "ok": true, "tag": "x:1"}});
        assert_eq!(field_value(&object, "metadata.name"), "a");
        assert_eq!(field_value(&object, "status.size"), "5");
        assert_eq!(field_value(&object, "status.ok"), "true");
        assert_eq!(field_value(&object, "status.tag"), "x:1");
        assert_eq!(field_value(&object, "status.missing"), "");
    }

    #[test]
    fn continue_tokens_round_trip_and_stay_in_their_list() {
        let token = encode_continue(7, "/core/configmaps/default/b");
        let decoded = decode_continue(&token, "/core/configmaps/default/").unwrap();
        assert_eq!((decoded.rv, decoded.start.as_str()), (7, "/core/configmaps/default/b"));
        assert_eq!(decode_continue(&token, "/core/secrets/").unwrap_err().code, 400);
        assert_eq!(decode_continue("zz", "/").unwrap_err().code, 400);
    }
}
