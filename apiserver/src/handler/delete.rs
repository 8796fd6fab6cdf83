//! `delete` and `deletecollection`. An object with finalizers is only
//! marked (deletionTimestamp set, returned with 200) and disappears when
//! its last finalizer goes; one without is removed at once and a Success
//! Status returned, as kube does for its generic registry.

use std::sync::Arc;

use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::read::{Selectors, present, render_one};
use super::response::{ResponseBody, rendered};
use super::write::{store_error, tracks_generation};
use super::{ControlPlane, RequestContext, lifecycle, object};
use crate::error::{ApiError, success_status};
use crate::registry::{Behaviour, ResourceInfo};
use crate::storage::{Precondition, StoreError, StoredObject, WriteOp};

/// Attempts at a delete that keeps losing races with other writers.
const DELETE_ATTEMPTS: usize = 5;

/// The parts of `DeleteOptions` (body or query) rdd honours.
#[derive(Debug, Default)]
struct DeleteOptions {
    dry_run: bool,
    uid: Option<String>,
    resource_version: Option<String>,
    /// `propagationPolicy`, checked to be Foreground, Background or Orphan.
    policy: Option<String>,
}

fn parse_options(ctx: &RequestContext, body: &[u8]) -> Result<DeleteOptions, ApiError> {
    let mut options = DeleteOptions { dry_run: ctx.options.dry_run, ..DeleteOptions::default() };
    let mut policy = ctx.options.propagation_policy.clone();
    if !body.iter().all(u8::is_ascii_whitespace) {
        // A typed client configured for protobuf sends its DeleteOptions so;
        // the magic prefix tells it apart from JSON without a Content-Type.
        let value: Value = if body.starts_with(crate::protobuf::MAGIC) {
            crate::protobuf::decode_object(body).map_err(|err| {
                ApiError::bad_request(format!("the DeleteOptions in the request body could not be decoded: {err}"))
            })?
        } else {
            serde_json::from_slice(body).map_err(|err| {
                ApiError::bad_request(format!("the DeleteOptions in the request body could not be decoded: {err}"))
            })?
        };
        if let Some(dry_run) = value.get("dryRun").and_then(Value::as_array) {
            for entry in dry_run {
                match entry.as_str() {
                    Some("All") => options.dry_run = true,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "invalid dry run option {other:?}: the only valid value is \"All\""
                        )));
                    }
                }
            }
        }
        options.uid = value.pointer("/preconditions/uid").and_then(Value::as_str).map(str::to_owned);
        options.resource_version =
            value.pointer("/preconditions/resourceVersion").and_then(Value::as_str).map(str::to_owned);
        if let Some(p) = value.get("propagationPolicy").and_then(Value::as_str) {
            policy = Some(p.to_owned());
        }
    }
    if let Some(policy) = &policy
        && !matches!(policy.as_str(), "Foreground" | "Background" | "Orphan")
    {
        return Err(ApiError::bad_request(format!(
            "propagationPolicy: Unsupported value: {policy:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
        )));
    }
    options.policy = policy;
    Ok(options)
}

fn check_preconditions(ctx: &RequestContext, options: &DeleteOptions, value: &Value) -> Result<(), ApiError> {
    let gr = ctx.info.group_resource();
    if let Some(uid) = &options.uid
        && uid != object::uid(value)
    {
        return Err(ApiError::conflict(
            &gr,
            ctx.name(),
            &format!("Precondition failed: UID in precondition: {uid}, UID in object meta: {}", object::uid(value)),
        ));
    }
    if let Some(rv) = &options.resource_version
        && rv != object::resource_version(value)
    {
        return Err(ApiError::conflict(
            &gr,
            ctx.name(),
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in meta: {}",
                object::resource_version(value)
            ),
        ));
    }
    Ok(())
}

/// What deleting one object did.
pub enum Deletion {
    /// Removed from the store; carries its final state.
    Gone(Value),
    /// Marked for deletion; finalizers still hold it.
    Pending(Value),
}

/// Whether something still holds the object after a delete request.
fn held(info: &ResourceInfo, value: &Value) -> bool {
    !object::finalizers(value).is_empty()
        || (info.behaviour == Behaviour::Namespace
            && value.pointer("/spec/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty()))
}

/// Deletes (or marks) one stored object, retrying when a concurrent writer
/// changed it in between. Also used by the namespace and CRD finalizers.
pub async fn delete_object(
    plane: &Arc<ControlPlane>,
    info: &ResourceInfo,
    key: &str,
    mut stored: Arc<StoredObject>,
    dry_run: bool,
) -> Result<Deletion, ApiError> {
    let name = key.rsplit('/').next().unwrap_or_default().to_owned();
    for _ in 0..DELETE_ATTEMPTS {
        let mut value: Value = serde_json::from_slice(&stored.json)
            .map_err(|err| ApiError::internal(format!("stored object {key} is not JSON: {err}")))?;
        let op = if held(info, &value) {
            if object::is_terminating(&value) {
                return Ok(Deletion::Pending(value));
            }
            let meta = object::metadata_mut(&mut value);
            meta.insert("deletionTimestamp".into(), json!(object::now_rfc3339()));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            if tracks_generation(info) {
                let next = object::generation(&value) + 1;
                object::metadata_mut(&mut value).insert("generation".into(), json!(next));
            }
            if info.behaviour == Behaviour::Namespace {
                value["status"]["phase"] = json!("Terminating");
            }
            if dry_run {
                return Ok(Deletion::Pending(value));
            }
            WriteOp::Put { key: key.to_owned(), object: value, precondition: Precondition::Revision(stored.revision) }
        } else {
            if dry_run {
                return Ok(Deletion::Gone(value));
            }
            WriteOp::Delete {
                key: key.to_owned(),
                object: value,
                precondition: Precondition::Revision(stored.revision),
            }
        };
        let gone = matches!(op, WriteOp::Delete { .. });
        match plane.store.write(op).await {
            Ok(outcome) => {
                lifecycle::after_write(plane, info, &outcome.object);
                let value: Value = serde_json::from_slice(&outcome.object.json)
                    .map_err(|err| ApiError::internal(format!("stored object {key} is not JSON: {err}")))?;
                return Ok(if gone { Deletion::Gone(value) } else { Deletion::Pending(value) });
            }
            Err(StoreError::Conflict { current, .. }) => stored = current,
            Err(err) => return Err(store_error(info, &name, err)),
        }
    }
    Err(ApiError::conflict(
        &info.group_resource(),
        &name,
        "the object kept changing while it was being deleted; try again",
    ))
}

pub async fn delete(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Response<ResponseBody>, ApiError> {
    let options = parse_options(ctx, body)?;
    let stored =
        plane.store.get(&ctx.key()).ok_or_else(|| ApiError::not_found(&ctx.info.group_resource(), ctx.name()))?;
    let presented = present(plane, &ctx.info, &stored)?;
    check_preconditions(ctx, &options, &presented)?;
    // ownerReferences propagation (crate::gc): Foreground and Orphan mark the
    // object; the garbage collector removes it once its dependents allow.
    if let Some(finalizer) = crate::gc::policy::finalizer_for(&ctx.info, options.policy.as_deref()) {
        let value = crate::gc::policy::mark(plane, &ctx.info, &ctx.key(), stored, finalizer, options.dry_run).await?;
        let rv = object::resource_version(&value).to_owned();
        return Ok(render_one(ctx, value, &rv));
    }
    match delete_object(plane, &ctx.info, &ctx.key(), stored, options.dry_run).await? {
        Deletion::Pending(value) => {
            let value =
                if ctx.info.behaviour == Behaviour::EventsV1Event { crate::events::from_core(&value) } else { value };
            let rv = object::resource_version(&value).to_owned();
            Ok(render_one(ctx, value, &rv))
        }
        Deletion::Gone(value) => Ok(rendered(
            StatusCode::OK,
            &success_status(&ctx.info.group_resource(), ctx.name(), object::uid(&value)),
            super::body::Rendering::Object,
        )),
    }
}

pub async fn delete_collection(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Response<ResponseBody>, ApiError> {
    let options = parse_options(ctx, body)?;
    let selectors = Selectors::parse(ctx)?;
    let snapshot = plane.store.list(&ctx.info.list_prefix(ctx.namespace()), None, None);
    let mut items = Vec::new();
    for stored in snapshot.items.into_iter().filter(|s| selectors.matches(s)) {
        let key = stored.key.clone();
        // ownerReferences propagation (crate::gc), as for a single delete.
        if let Some(finalizer) = crate::gc::policy::finalizer_for(&ctx.info, options.policy.as_deref()) {
            match crate::gc::policy::mark(plane, &ctx.info, &key, stored, finalizer, options.dry_run).await {
                Ok(value) => items.push(value),
                Err(err) if err.code == 404 => {}
                Err(err) => return Err(err),
            }
            continue;
        }
        match delete_object(plane, &ctx.info, &key, stored, options.dry_run).await {
            Ok(Deletion::Gone(value) | Deletion::Pending(value)) => items.push(value),
            // Deleted by someone else meanwhile: nothing left to do.
            Err(err) if err.code == 404 => {}
            Err(err) => return Err(err),
        }
    }
    let list = json!({
        "kind": ctx.info.list_kind,
        "apiVersion": ctx.info.api_version(),
        "metadata": { "resourceVersion": plane.store.revision().to_string() },
        "items": items,
    });
    Ok(rendered(StatusCode::OK, &list, super::body::Rendering::Object))
}
