//! `create`, `update` and `patch`. All three end in the same place: a
//! candidate object is prepared against the stored one (server-owned
//! metadata, the status subresource split, generation), admitted (schema,
//! metadata and rdd's rules), and written with a precondition so that
//! concurrent writers never lose each other's changes (SPEC §3.4).

use std::sync::Arc;

use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::admission::{self, Operation};
use super::apply::Tracking;
use super::body::decode_object;
use super::read::{present, render_one};
use super::response::{ResponseBody, with_warnings};
use super::{ControlPlane, RequestContext, lifecycle, object};
use crate::error::{ApiError, Cause};
use crate::registry::{Behaviour, ResourceInfo};
use crate::storage::{Precondition, StoreError, WriteOp};

/// How often a patch is retried against a newer object after losing a race.
const PATCH_ATTEMPTS: usize = 5;
/// How many generated names are tried before giving up.
const GENERATE_NAME_ATTEMPTS: usize = 8;

/// Maps a store failure on an object to kube's error.
pub fn store_error(info: &ResourceInfo, name: &str, err: StoreError) -> ApiError {
    match err {
        StoreError::AlreadyExists { .. } => ApiError::already_exists(&info.group_resource(), name),
        StoreError::NotFound { .. } => ApiError::not_found(&info.group_resource(), name),
        StoreError::Conflict { .. } => ApiError::stale_resource_version(&info.group_resource(), name),
        StoreError::Closed => ApiError::service_unavailable("the server is shutting down"),
        other => ApiError::internal(other),
    }
}

/// Objects of these kinds carry `metadata.generation`.
pub fn tracks_generation(info: &ResourceInfo) -> bool {
    info.is_custom() || info.behaviour == Behaviour::CustomResourceDefinition
}

/// Whether an update may omit `metadata.resourceVersion` (kube allows it
/// for its built-in kinds, not for custom resources).
fn allows_unconditional_update(info: &ResourceInfo) -> bool {
    !info.is_custom()
}

/// `apiVersion` and `kind` of a body must name the resource requested.
pub(super) fn check_type_meta(info: &ResourceInfo, object: &mut Value) -> Result<(), ApiError> {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
    if kind.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Object 'Kind' is missing in the request body: set kind: {}",
            info.kind
        )));
    }
    if api_version.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Object 'apiVersion' is missing in the request body: set apiVersion: {}",
            info.api_version()
        )));
    }
    if kind != info.kind || api_version != info.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({}) or the kind ({kind}) does not match {}",
            info.api_version(),
            info.kind
        )));
    }
    Ok(())
}

/// The namespace in the body must be empty or the request's.
pub(super) fn check_namespace(ctx: &RequestContext, object: &mut Value) -> Result<(), ApiError> {
    let meta = object::metadata_mut(object);
    let in_body = meta.get("namespace").and_then(Value::as_str).unwrap_or_default().to_owned();
    match ctx.namespace() {
        Some(ns) if in_body.is_empty() => {
            meta.insert("namespace".into(), json!(ns));
        }
        Some(ns) if in_body != ns => {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        Some(_) => {}
        None => {
            meta.remove("namespace");
        }
    }
    Ok(())
}

fn invalid(info: &ResourceInfo, name: &str, field: &str, reason: &str, body: &str) -> ApiError {
    ApiError::invalid(
        &info.qualified_kind(),
        &info.group,
        &info.kind,
        name,
        vec![(format!("{field}: {body}"), Cause { reason: reason.into(), message: body.into(), field: field.into() })],
    )
}

/// Converts a request-form object to the form stored (events.k8s.io
/// Events are stored as core/v1 Events).
fn to_storage_form(info: &ResourceInfo, object: Value) -> Value {
    if info.behaviour == Behaviour::EventsV1Event { crate::events::to_core(&object) } else { object }
}

/// Server-owned metadata of a new object.
fn prepare_create(info: &ResourceInfo, object: &mut Value) {
    let meta = object::metadata_mut(object);
    meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    meta.insert("creationTimestamp".into(), json!(object::now_rfc3339()));
    meta.remove("deletionTimestamp");
    meta.remove("deletionGracePeriodSeconds");
    meta.remove("resourceVersion");
    if tracks_generation(info) {
        meta.insert("generation".into(), json!(1));
    } else {
        meta.remove("generation");
    }
    // kube clears status on create when the kind has a status subresource.
    if info.status_subresource
        && info.is_custom()
        && let Some(map) = object.as_object_mut()
    {
        map.remove("status");
    }
    match info.behaviour {
        Behaviour::Namespace => {
            object["status"] = json!({ "phase": "Active" });
            let mut finalizers: Vec<Value> =
                object.pointer("/spec/finalizers").and_then(Value::as_array).cloned().unwrap_or_default();
            if !finalizers.iter().any(|f| f == "kubernetes") {
                finalizers.push(json!("kubernetes"));
            }
            if !object.get("spec").is_some_and(Value::is_object) {
                object["spec"] = json!({});
            }
            object["spec"]["finalizers"] = json!(finalizers);
        }
        Behaviour::CustomResourceDefinition => {
            let mut finalizers = object::finalizers(object);
            if !finalizers.iter().any(|f| f == lifecycle::CRD_CLEANUP_FINALIZER) {
                finalizers.push(lifecycle::CRD_CLEANUP_FINALIZER.to_owned());
            }
            object::set_finalizers(object, &finalizers);
        }
        _ => {}
    }
}

/// kube's generateName suffix: 5 characters from a vowel-free alphabet.
fn generated_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut random = [0u8; 5];
    let _ = getrandom::fill(&mut random);
    let suffix: String = random.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{prefix}{suffix}")
}

pub async fn create(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    body: &[u8],
    content_type: Option<&str>,
) -> Result<Response<ResponseBody>, ApiError> {
    let object = decode_object(body, content_type, !ctx.info.is_custom())?;
    create_object(plane, ctx, object, Tracking::Update).await
}

/// Creates a decoded object; `tracking` says how its managedFields are set.
pub(super) async fn create_object(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    mut object: Value,
    tracking: Tracking,
) -> Result<Response<ResponseBody>, ApiError> {
    check_type_meta(&ctx.info, &mut object)?;
    check_namespace(ctx, &mut object)?;
    if !object::resource_version(&object).is_empty() {
        return Err(ApiError::bad_request("resourceVersion should not be set on objects to be created"));
    }
    let generate_name = object::meta_str(&object, "generateName").to_owned();
    let given_name = object::name(&object).to_owned();
    if given_name.is_empty() && generate_name.is_empty() {
        return Err(invalid(
            &ctx.info,
            "",
            "metadata.name",
            "FieldValueRequired",
            "Required value: name or generateName is required",
        ));
    }
    prepare_create(&ctx.info, &mut object);
    let attempts = if given_name.is_empty() { GENERATE_NAME_ATTEMPTS } else { 1 };
    let mut last_error = None;
    for _ in 0..attempts {
        let mut candidate = object.clone();
        if given_name.is_empty() {
            object::metadata_mut(&mut candidate).insert("name".into(), json!(generated_name(&generate_name)));
        }
        let name = object::name(&candidate).to_owned();
        let warnings = admission::admit(plane, ctx, Operation::Create, None, &mut candidate)?;
        if ctx.info.behaviour == Behaviour::CustomResourceDefinition {
            lifecycle::accept_crd(plane, None, &mut candidate)?;
        }
        // Field ownership (server-side apply, handler/apply.rs).
        super::apply::track(ctx, None, &mut candidate, &tracking);
        let candidate = to_storage_form(&ctx.info, candidate);
        if ctx.options.dry_run {
            let mut shown = candidate.clone();
            if ctx.info.behaviour == Behaviour::EventsV1Event {
                shown = crate::events::from_core(&shown);
            }
            return Ok(with_warnings(created(ctx, shown, ""), &warnings));
        }
        let key = ctx.info.key(ctx.namespace(), &name);
        match plane.store.write(WriteOp::Put { key, object: candidate, precondition: Precondition::MustNotExist }).await
        {
            Ok(outcome) => {
                lifecycle::after_write(plane, &ctx.info, &outcome.object);
                let value = present(plane, &ctx.info, &outcome.object)?;
                return Ok(with_warnings(created(ctx, value, &outcome.revision.to_string()), &warnings));
            }
            Err(StoreError::AlreadyExists { .. }) if given_name.is_empty() => {
                last_error = Some(ApiError::already_exists(&ctx.info.group_resource(), &name));
            }
            Err(err) => return Err(store_error(&ctx.info, &name, err)),
        }
    }
    Err(last_error.unwrap_or_else(|| ApiError::internal("generateName exhausted its attempts")))
}

fn created(ctx: &RequestContext, value: Value, resource_version: &str) -> Response<ResponseBody> {
    let mut response = render_one(ctx, value, resource_version);
    *response.status_mut() = StatusCode::CREATED;
    response
}

pub async fn update(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    body: &[u8],
    content_type: Option<&str>,
) -> Result<Response<ResponseBody>, ApiError> {
    let mut object = decode_object(body, content_type, !ctx.info.is_custom())?;
    check_type_meta(&ctx.info, &mut object)?;
    check_namespace(ctx, &mut object)?;
    let body_name = object::name(&object).to_owned();
    if body_name != ctx.name() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            ctx.name()
        )));
    }
    let current =
        plane.store.get(&ctx.key()).ok_or_else(|| ApiError::not_found(&ctx.info.group_resource(), ctx.name()))?;
    let body_rv = object::resource_version(&object).to_owned();
    if body_rv.is_empty() {
        if !allows_unconditional_update(&ctx.info) {
            return Err(invalid(
                &ctx.info,
                ctx.name(),
                "metadata.resourceVersion",
                "FieldValueInvalid",
                "Invalid value: 0x0: must be specified for an update",
            ));
        }
    } else if body_rv != current.revision.to_string() {
        return Err(ApiError::stale_resource_version(&ctx.info.group_resource(), ctx.name()));
    }
    let current_value = present(plane, &ctx.info, &current)?;
    apply_update(plane, ctx, &current_value, current.revision, object).await
}

pub async fn patch(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    body: &[u8],
    content_type: Option<&str>,
) -> Result<Response<ResponseBody>, ApiError> {
    let patch_type = crate::patch::PatchType::from_content_type(content_type.unwrap_or_default())
        .map_err(|err| ApiError::unsupported_media_type(err.to_string()))?;
    let supported = if ctx.info.is_custom() {
        "application/json-patch+json, application/merge-patch+json"
    } else {
        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"
    };
    let unsupported = || {
        ApiError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: {supported}"
        ))
    };
    match patch_type {
        crate::patch::PatchType::StrategicMerge if ctx.info.is_custom() => return Err(unsupported()),
        // Server-side apply: handler/apply.rs.
        crate::patch::PatchType::Apply => return super::apply::apply(plane, ctx, body).await,
        _ => super::apply::forbid_force(ctx)?,
    }
    let mut last_conflict = None;
    for _ in 0..PATCH_ATTEMPTS {
        let current =
            plane.store.get(&ctx.key()).ok_or_else(|| ApiError::not_found(&ctx.info.group_resource(), ctx.name()))?;
        let current_value = present(plane, &ctx.info, &current)?;
        let patched = crate::patch::apply(patch_type, &current_value, body, &crate::patch::BuiltinPatchMeta)
            .map_err(|err| patch_error(ctx, err))?;
        if !patched.is_object() {
            return Err(ApiError::bad_request("the patch turned the object into something that is not an object"));
        }
        let patched_rv = object::resource_version(&patched).to_owned();
        let pinned = !patched_rv.is_empty() && patched_rv != current.revision.to_string();
        if pinned {
            return Err(ApiError::stale_resource_version(&ctx.info.group_resource(), ctx.name()));
        }
        match apply_update(plane, ctx, &current_value, current.revision, patched).await {
            Err(err) if err.reason == "Conflict" => last_conflict = Some(err),
            other => return other,
        }
    }
    Err(last_conflict.unwrap_or_else(|| ApiError::internal("patch retries exhausted")))
}

fn patch_error(ctx: &RequestContext, err: crate::patch::PatchError) -> ApiError {
    if err.is_invalid_document() {
        ApiError::bad_request(err.to_string())
    } else {
        invalid(&ctx.info, ctx.name(), "", "FieldValueInvalid", &err.to_string())
    }
}

/// Status subresource split (SPEC §3.4): writes to `/status` change only
/// `status`; writes to the main resource never change `status` of a kind
/// that has the subresource. Namespace `/finalize` changes only
/// `spec.finalizers`.
fn split_subresource(info: &ResourceInfo, subresource: Option<&str>, old: &Value, mut new: Value) -> Value {
    let take = |from: &Value, into: &mut Value, field: &str| {
        if let Some(map) = into.as_object_mut() {
            match from.get(field) {
                Some(v) => {
                    map.insert(field.to_owned(), v.clone());
                }
                None => {
                    map.remove(field);
                }
            }
        }
    };
    match subresource {
        Some("status") => {
            let mut merged = old.clone();
            take(&new, &mut merged, "status");
            merged
        }
        Some("finalize") => {
            let mut merged = old.clone();
            let finalizers = new.pointer("/spec/finalizers").cloned().unwrap_or_else(|| json!([]));
            if !merged.get("spec").is_some_and(Value::is_object) {
                merged["spec"] = json!({});
            }
            merged["spec"]["finalizers"] = finalizers;
            merged
        }
        _ => {
            if info.status_subresource {
                take(old, &mut new, "status");
            }
            new
        }
    }
}

/// Prepares an updated object against the stored one and writes it.
pub async fn apply_update(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    old: &Value,
    old_revision: u64,
    new: Value,
) -> Result<Response<ResponseBody>, ApiError> {
    apply_update_tracked(plane, ctx, old, old_revision, new, Tracking::Update).await
}

/// [`apply_update`], with `tracking` saying how managedFields are set.
pub(super) async fn apply_update_tracked(
    plane: &Arc<ControlPlane>,
    ctx: &RequestContext,
    old: &Value,
    old_revision: u64,
    new: Value,
    tracking: Tracking,
) -> Result<Response<ResponseBody>, ApiError> {
    let info = &ctx.info;
    let name = ctx.name().to_owned();
    let mut new = split_subresource(info, ctx.req.subresource.as_deref(), old, new);

    // Server-owned metadata keeps its stored values.
    {
        let old_meta = object::metadata(old).cloned().unwrap_or_default();
        let meta = object::metadata_mut(&mut new);
        if meta.get("uid").and_then(Value::as_str).is_none_or(str::is_empty)
            && let Some(uid) = old_meta.get("uid")
        {
            meta.insert("uid".into(), uid.clone());
        }
        for field in ["creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            match old_meta.get(field) {
                Some(v) => meta.insert(field.into(), v.clone()),
                None => meta.remove(field),
            };
        }
        meta.insert("resourceVersion".into(), json!(old_revision.to_string()));
    }
    if object::is_terminating(old) {
        let before = object::finalizers(old);
        let added: Vec<String> = object::finalizers(&new).into_iter().filter(|f| !before.contains(f)).collect();
        if !added.is_empty() {
            let listed = added.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", ");
            return Err(invalid(
                info,
                &name,
                "metadata.finalizers",
                "FieldValueForbidden",
                &format!(
                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{listed}}}"
                ),
            ));
        }
    }
    let warnings = admission::admit(plane, ctx, Operation::Update, Some(old), &mut new)?;
    // After admission: defaulting and pruning decide what really changed.
    if tracks_generation(info)
        && object::generation_relevant(old, info.status_subresource)
            != object::generation_relevant(&new, info.status_subresource)
    {
        let next = object::generation(old) + 1;
        object::metadata_mut(&mut new).insert("generation".into(), json!(next));
    }
    if info.behaviour == Behaviour::CustomResourceDefinition {
        lifecycle::accept_crd(plane, Some(old), &mut new)?;
    }
    // Field ownership (server-side apply, handler/apply.rs).
    super::apply::track(ctx, Some(old), &mut new, &tracking);
    if new == *old {
        // Nothing changed: kube does not write, so no new resourceVersion.
        return Ok(with_warnings(render_one(ctx, new, &old_revision.to_string()), &warnings));
    }
    let stored_form = to_storage_form(info, new.clone());
    let finished = object::is_terminating(&new)
        && object::finalizers(&new).is_empty()
        && new
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_none_or(|f| f.is_empty() || info.behaviour != Behaviour::Namespace);
    if ctx.options.dry_run {
        return Ok(with_warnings(render_one(ctx, new, &old_revision.to_string()), &warnings));
    }
    let key = ctx.key();
    let op = if finished {
        WriteOp::Delete { key, object: stored_form, precondition: Precondition::Revision(old_revision) }
    } else {
        WriteOp::Put { key, object: stored_form, precondition: Precondition::Revision(old_revision) }
    };
    let outcome = plane.store.write(op).await.map_err(|err| store_error(info, &name, err))?;
    lifecycle::after_write(plane, info, &outcome.object);
    let value = present(plane, info, &outcome.object)?;
    Ok(with_warnings(render_one(ctx, value, &outcome.revision.to_string()), &warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn status_writes_change_only_status_and_main_writes_keep_it() {
        let snapshot = Registry::new().snapshot();
        let mut info = (**snapshot.lookup("", "v1", "configmaps").unwrap()).clone();
        info.status_subresource = true;
        let old = json!({"metadata": {"name": "a"}, "spec": {"x": 1}, "status": {"s": 1}});
        let new = json!({"metadata": {"name": "a", "labels": {"l": "v"}}, "spec": {"x": 2}, "status": {"s": 2}});
        let status_write = split_subresource(&info, Some("status"), &old, new.clone());
        assert_eq!(status_write, json!({"metadata": {"name": "a"}, "spec": {"x": 1}, "status": {"s": 2}}));
        let main_write = split_subresource(&info, None, &old, new);
        assert_eq!(main_write["spec"]["x"], 2);
        assert_eq!(main_write["status"]["s"], 1);
        assert_eq!(main_write["metadata"]["labels"]["l"], "v");
    }

    #[test]
    fn generated_names_use_kubes_alphabet() {
        let name = generated_name("web-");
        assert_eq!(name.len(), 9);
        assert!(name[4..].chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{name}");
    }
}
