//! Server-side apply requests (`PATCH` with
//! `application/apply-patch+yaml`) and field ownership on every other
//! write: this is where the request meets `crate::apply`. It checks the
//! patch options as kube does (`fieldManager` required, `force` only for
//! apply), decodes and checks the applied configuration, runs the apply
//! against the stored object (or none: apply creates), and hands the
//! result to the ordinary create/update path, so admission, dryRun and
//! optimistic concurrency are the same as for any write.

use std::sync::Arc;

use http::Response;
use serde_json::{Map, Value, json};

use super::read::present;
use super::response::ResponseBody;
use super::{ControlPlane, RequestContext, object, write};
use crate::apply::{ApplyError, Types, Writer};
use crate::error::{ApiError, Cause};

/// How often an apply is retried against a newer object after losing a race.
const APPLY_ATTEMPTS: usize = 5;
/// The manager of writes that name none and carry no User-Agent: the
/// control plane's own (namespace and CRD finalization, bootstrap).
const SERVER_MANAGER: &str = "rdd-apiserver";

/// How a write sets managedFields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracking {
    /// A create, update or non-apply patch: recorded as an `Update`.
    Update,
    /// A server-side apply: its managedFields, already computed (kept
    /// aside because a `/status` write takes only `status` from the
    /// object it is given).
    Applied(Option<Value>),
}

impl Tracking {
    fn applied(object: &Value) -> Tracking {
        Tracking::Applied(object.pointer("/metadata/managedFields").cloned())
    }
}

/// The writer of a request: `fieldManager`, else the User-Agent up to the
/// first `/` (kube's `prefixFromUserAgent`).
fn writer(ctx: &RequestContext) -> Writer {
    let manager = ctx.options.field_manager.clone().unwrap_or_else(|| match &ctx.options.user_agent {
        Some(agent) => agent.split('/').next().unwrap_or_default().to_owned(),
        None => SERVER_MANAGER.to_owned(),
    });
    Writer {
        manager,
        api_version: ctx.info.api_version(),
        subresource: ctx.req.subresource.clone(),
        time: object::now_rfc3339(),
    }
}

/// Records field ownership of a non-apply write into `new` (kube does so
/// for every create, update and patch).
pub fn track(ctx: &RequestContext, old: Option<&Value>, new: &mut Value, tracking: &Tracking) {
    match tracking {
        Tracking::Update => crate::apply::record_update(&Types::of(&ctx.info), old, new, &writer(ctx)),
        Tracking::Applied(Some(managed)) => {
            object::metadata_mut(new).insert("managedFields".into(), managed.clone());
        }
        Tracking::Applied(None) => {
            object::metadata_mut(new).remove("managedFields");
        }
    }
}

fn patch_options_invalid(field: &str, reason: &str, message: &str) -> ApiError {
    ApiError::invalid(
        "PatchOptions.meta.k8s.io",
        "meta.k8s.io",
        "PatchOptions",
        "",
        vec![(
            format!("{field}: {message}"),
            Cause { reason: reason.into(), message: message.into(), field: field.into() },
        )],
    )
}

/// `force` is for apply only (kube's `ValidatePatchOptions`).
pub fn forbid_force(ctx: &RequestContext) -> Result<(), ApiError> {
    if ctx.options.force {
        return Err(patch_options_invalid(
            "force",
            "FieldValueForbidden",
            "Forbidden: may not be specified for non-apply patch",
        ));
    }
    Ok(())
}

/// kube's 409 for an apply conflict, one `FieldManagerConflict` cause per
/// field.
fn conflict(err: ApplyError) -> ApiError {
    let ApplyError::Conflict { message, conflicts } = err;
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(who, path)| json!({ "reason": "FieldManagerConflict", "message": format!("conflict with {who}"), "field": path }))
        .collect();
    ApiError { code: 409, reason: "Conflict", message, details: Some(json!({ "causes": causes })) }
}

/// Decodes and checks the applied configuration.
fn configuration(ctx: &RequestContext, body: &[u8]) -> Result<Value, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|_| ApiError::bad_request("error decoding YAML: the body is not UTF-8"))?;
    let mut config: Value =
        rdd_api::yaml::from_str(text).map_err(|err| ApiError::bad_request(format!("error decoding YAML: {err}")))?;
    if !config.is_object() {
        return Err(ApiError::bad_request("error decoding YAML: the applied configuration must be an object"));
    }
    let api_version = config.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
    if !api_version.is_empty() && api_version != ctx.info.api_version() {
        return Err(ApiError::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {api_version}, expected: {}",
            ctx.info.api_version()
        )));
    }
    write::check_type_meta(&ctx.info, &mut config)?;
    write::check_namespace(ctx, &mut config)?;
    if config.pointer("/metadata/managedFields").is_some_and(|m| !m.is_null()) {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    let name = object::name(&config).to_owned();
    if name.is_empty() {
        object::metadata_mut(&mut config).insert("name".into(), json!(ctx.name()));
    } else if name != ctx.name() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            ctx.name()
        )));
    }
    Ok(project(ctx, config))
}

/// What part of the configuration a request may apply: `/status` applies
/// only `status`; the main resource of a kind with a status subresource
/// everything else (kube's reset fields).
fn project(ctx: &RequestContext, mut config: Value) -> Value {
    let Some(map) = config.as_object_mut() else { return config };
    match ctx.req.subresource.as_deref() {
        Some("status") => {
            let meta: Map<String, Value> = map
                .get("metadata")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| matches!(k.as_str(), "name" | "namespace" | "uid" | "resourceVersion"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            map.retain(|k, _| matches!(k.as_str(), "apiVersion" | "kind" | "status"));
            map.insert("metadata".into(), Value::Object(meta));
        }
        _ if ctx.info.status_subresource => {
            map.remove("status");
        }
        _ => {}
    }
    config
}

/// `PATCH` with `application/apply-patch+yaml`.
pub async fn apply(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Response<ResponseBody>, ApiError> {
    if ctx.options.field_manager.is_none() {
        return Err(patch_options_invalid(
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch",
        ));
    }
    let config = configuration(ctx, body)?;
    let types = Types::of(&ctx.info);
    let writer = writer(ctx);
    let force = ctx.options.force;
    let mut last_race = None;
    for _ in 0..APPLY_ATTEMPTS {
        let Some(current) = plane.store.get(&ctx.key()) else {
            if ctx.req.subresource.is_some() {
                return Err(ApiError::not_found(&ctx.info.group_resource(), ctx.name()));
            }
            let created = crate::apply::apply(&types, None, &config, &writer, force).map_err(conflict)?;
            let tracking = Tracking::applied(&created);
            match write::create_object(plane, ctx, created, tracking).await {
                Err(err) if err.reason == "AlreadyExists" => last_race = Some(err),
                other => return other,
            }
            continue;
        };
        let current_value = present(plane, &ctx.info, &current)?;
        let pinned = object::resource_version(&config);
        if !pinned.is_empty() && pinned != current.revision.to_string() {
            return Err(ApiError::stale_resource_version(&ctx.info.group_resource(), ctx.name()));
        }
        let applied = crate::apply::apply(&types, Some(&current_value), &config, &writer, force).map_err(conflict)?;
        let tracking = Tracking::applied(&applied);
        match write::apply_update_tracked(plane, ctx, &current_value, current.revision, applied, tracking).await {
            Err(err) if err.reason == "Conflict" && pinned.is_empty() => last_race = Some(err),
            Err(err) if err.reason == "NotFound" => last_race = Some(err),
            other => return other,
        }
    }
    Err(last_race.unwrap_or_else(|| ApiError::internal("apply retries exhausted")))
}
