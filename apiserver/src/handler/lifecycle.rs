//! What the control plane does on its own, the way kube-apiserver's
//! built-in controllers do: at start it serves every stored CRD, installs
//! rdd's CRDs and the default namespaces; when a CRD is written it is
//! accepted and served at once (Established); and two finalizers empty a
//! terminating namespace (then let it go) and delete the instances of a
//! terminating CRD (then let it go). Both respect the finalizers of the
//! objects they delete.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::delete::delete_object;
use super::{ControlPlane, RequestContext, body::Rendering, object, write};
use crate::error::ApiError;
use crate::registry::{Behaviour, ResourceInfo, crd::resources_of};
use crate::request::{FieldValidation, QueryOptions, ResourceRequest, Verb};
use crate::storage::StoredObject;

/// Finalizer kube puts on every CRD: its instances go before it does.
pub const CRD_CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";
/// Namespaces every cluster has; kubectl defaults to `default`.
const DEFAULT_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];
const CRD_PREFIX: &str = "/apiextensions.k8s.io/customresourcedefinitions/";
const NAMESPACE_PREFIX: &str = "/core/namespaces/";
/// How often pending finalization is re-checked while something terminates.
const FINALIZE_RECHECK: Duration = Duration::from_millis(500);

/// Why the control plane could not start.
#[derive(Debug, thiserror::Error)]
#[error("installing {what} at start-up: {source}")]
pub struct BootstrapError {
    what: String,
    source: ApiError,
}

fn context(
    plane: &ControlPlane,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: &str,
    verb: Verb,
) -> Result<RequestContext, ApiError> {
    let snapshot = plane.registry.snapshot();
    let info = snapshot
        .resources()
        .iter()
        .find(|r| r.group == group && r.resource == resource)
        .cloned()
        .ok_or_else(ApiError::no_such_resource)?;
    Ok(RequestContext {
        req: ResourceRequest {
            verb,
            group: group.to_owned(),
            version: info.version.clone(),
            namespace: namespace.map(str::to_owned),
            resource: resource.to_owned(),
            name: Some(name.to_owned()),
            subresource: None,
        },
        info,
        options: QueryOptions { field_validation: FieldValidation::Strict, ..QueryOptions::default() },
        rendering: Rendering::Object,
    })
}

/// Creates an object through the normal create path (admission included).
async fn internal_create(
    plane: &Arc<ControlPlane>,
    group: &str,
    resource: &str,
    value: &Value,
) -> Result<(), ApiError> {
    let ctx = context(
        plane,
        group,
        resource,
        Some(object::namespace(value)).filter(|n| !n.is_empty()),
        object::name(value),
        Verb::Create,
    )?;
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    write::create(plane, &ctx, &body, Some("application/json")).await.map(|_| ())
}

/// Makes sure the default namespaces and rdd's CRDs exist and that every
/// stored CRD is served.
pub async fn bootstrap(plane: &Arc<ControlPlane>) -> Result<(), BootstrapError> {
    refresh_registry(plane);
    for ns in DEFAULT_NAMESPACES {
        if plane.store.get(&format!("{NAMESPACE_PREFIX}{ns}")).is_none() {
            let namespace = json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": ns } });
            internal_create(plane, "", "namespaces", &namespace)
                .await
                .map_err(|source| BootstrapError { what: format!("namespace {ns}"), source })?;
        }
    }
    for crd in rdd_api::crds::all() {
        let desired = serde_json::to_value(&crd)
            .map_err(|err| BootstrapError { what: "rdd's CRDs".into(), source: ApiError::internal(err) })?;
        let name = object::name(&desired).to_owned();
        install_crd(plane, &name, desired)
            .await
            .map_err(|source| BootstrapError { what: format!("CRD {name}"), source })?;
    }
    refresh_registry(plane);
    Ok(())
}

/// Creates a CRD, or updates its spec when rdd ships a newer one.
async fn install_crd(plane: &Arc<ControlPlane>, name: &str, desired: Value) -> Result<(), ApiError> {
    let Some(current) = plane.store.get(&format!("{CRD_PREFIX}{name}")) else {
        return internal_create(plane, "apiextensions.k8s.io", "customresourcedefinitions", &desired).await;
    };
    let mut value: Value = serde_json::from_slice(&current.json).map_err(ApiError::internal)?;
    if value.get("spec") == desired.get("spec") {
        return Ok(());
    }
    value["spec"] = desired["spec"].clone();
    let ctx = context(plane, "apiextensions.k8s.io", "customresourcedefinitions", None, name, Verb::Update)?;
    let old: Value = serde_json::from_slice(&current.json).map_err(ApiError::internal)?;
    write::apply_update(plane, &ctx, &old, current.revision, value).await.map(|_| ())
}

/// Serves exactly the resources of the stored CRDs.
fn refresh_registry(plane: &ControlPlane) {
    let snapshot = plane.store.list(CRD_PREFIX, None, None);
    let mut resources = Vec::new();
    for stored in &snapshot.items {
        let Ok(crd) = serde_json::from_slice::<Value>(&stored.json) else { continue };
        let established = crd
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"));
        if established {
            resources.extend(resources_of(&crd).into_iter().map(Arc::new));
        }
    }
    plane.registry.set_custom_resources(resources);
}

fn condition(old: Option<&Value>, type_: &str, status: &str, reason: &str, message: &str) -> Value {
    let previous = old
        .and_then(|o| o.pointer("/status/conditions"))
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find(|c| c["type"] == type_));
    let since = match previous {
        Some(p) if p["status"] == status => p["lastTransitionTime"].clone(),
        _ => json!(object::now_rfc3339()),
    };
    json!({ "type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": since })
}

/// Accepts a CRD being written: its names must not clash with another CRD
/// of the group; its status says NamesAccepted and Established (or why
/// not), which apiextensions-apiserver would set moments later.
pub fn accept_crd(plane: &ControlPlane, old: Option<&Value>, crd: &mut Value) -> Result<(), ApiError> {
    let name = object::name(crd).to_owned();
    let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or_default().to_owned();
    let names = crd.pointer("/spec/names").cloned().unwrap_or_else(|| json!({}));
    let kind = names["kind"].as_str().unwrap_or_default().to_owned();
    let plural = names["plural"].as_str().unwrap_or_default().to_owned();
    let singular = names["singular"].as_str().map(str::to_owned).unwrap_or_else(|| kind.to_lowercase());
    let list_kind = names["listKind"].as_str().map(str::to_owned).unwrap_or_else(|| format!("{kind}List"));
    let mut mine: BTreeSet<String> = [plural.clone(), singular.clone()].into_iter().collect();
    if let Some(short) = names["shortNames"].as_array() {
        mine.extend(short.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let mut clash = None;
    for other in plane.store.list(CRD_PREFIX, None, None).items {
        let Ok(other) = serde_json::from_slice::<Value>(&other.json) else { continue };
        if object::name(&other) == name || other.pointer("/spec/group").and_then(Value::as_str) != Some(group.as_str())
        {
            continue;
        }
        let other_names = other.pointer("/status/acceptedNames").cloned().unwrap_or_default();
        let mut theirs: BTreeSet<String> =
            ["plural", "singular"].iter().filter_map(|k| other_names[*k].as_str().map(str::to_owned)).collect();
        if let Some(short) = other_names["shortNames"].as_array() {
            theirs.extend(short.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        if let Some(used) = mine.intersection(&theirs).next() {
            clash = Some(format!("{used:?} is already in use"));
        } else if other_names["kind"].as_str() == Some(kind.as_str()) {
            clash = Some(format!("{kind:?} is already in use"));
        }
    }
    let mut stored_versions: Vec<Value> =
        old.and_then(|o| o.pointer("/status/storedVersions")).and_then(Value::as_array).cloned().unwrap_or_default();
    if let Some(storage) = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .and_then(|v| v.iter().find(|v| v["storage"] == true))
        .and_then(|v| v["name"].as_str())
        && !stored_versions.iter().any(|v| v == storage)
    {
        stored_versions.push(json!(storage));
    }
    let mut conditions = match &clash {
        None => vec![
            condition(old, "NamesAccepted", "True", "NoConflicts", "no conflicts found"),
            condition(old, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        Some(why) => vec![
            condition(old, "NamesAccepted", "False", "NameConflict", why),
            condition(old, "Established", "False", "NotAccepted", "not all names are accepted"),
        ],
    };
    if object::is_terminating(crd) {
        conditions.push(condition(
            old,
            "Terminating",
            "True",
            "InstanceDeletionInProgress",
            "CustomResource deletion is in progress",
        ));
    }
    let mut accepted = json!({ "plural": plural, "singular": singular, "kind": kind, "listKind": list_kind });
    for field in ["shortNames", "categories"] {
        if let Some(v) = names.get(field) {
            accepted[field] = v.clone();
        }
    }
    crd["status"] = json!({ "acceptedNames": accepted, "conditions": conditions, "storedVersions": stored_versions });
    Ok(())
}

/// Reacts to a committed write: CRD changes change what is served;
/// namespace and CRD changes may start or finish a finalization.
pub fn after_write(plane: &ControlPlane, info: &ResourceInfo, stored: &StoredObject) {
    match info.behaviour {
        Behaviour::CustomResourceDefinition => {
            refresh_registry(plane);
            plane.lifecycle_wake.notify_one();
        }
        Behaviour::Namespace => plane.lifecycle_wake.notify_one(),
        _ => {
            let _ = stored;
        }
    }
}

/// Starts the namespace and CRD finalizer task.
pub fn spawn_finalizers(plane: &Arc<ControlPlane>) {
    let plane = plane.clone();
    let mut shutdown = plane.shutdown.subscribe();
    tokio::spawn(async move {
        let mut pending = true;
        loop {
            if pending {
                match finalize_pass(&plane).await {
                    Ok(still_pending) => pending = still_pending,
                    Err(err) => {
                        tracing::warn!(error = %err, "finalizing terminating namespaces and CRDs failed; retrying")
                    }
                }
            }
            let recheck = if pending { FINALIZE_RECHECK } else { Duration::from_secs(3600) };
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = plane.lifecycle_wake.notified() => pending = true,
                _ = tokio::time::sleep(recheck) => {}
            }
        }
    });
}

/// One pass over terminating namespaces and CRDs; true while any remains.
async fn finalize_pass(plane: &Arc<ControlPlane>) -> Result<bool, ApiError> {
    let mut pending = false;
    for stored in plane.store.list(NAMESPACE_PREFIX, None, None).items {
        let value: Value = serde_json::from_slice(&stored.json).map_err(ApiError::internal)?;
        if object::is_terminating(&value) {
            pending = true;
            finalize_namespace(plane, object::name(&value), stored.clone()).await?;
        }
    }
    for stored in plane.store.list(CRD_PREFIX, None, None).items {
        let value: Value = serde_json::from_slice(&stored.json).map_err(ApiError::internal)?;
        if object::is_terminating(&value) {
            pending = true;
            finalize_crd(plane, &value, stored.clone()).await?;
        }
    }
    Ok(pending)
}

/// Deletes everything in a terminating namespace; when it is empty,
/// removes the `kubernetes` finalizer so that the namespace goes.
async fn finalize_namespace(
    plane: &Arc<ControlPlane>,
    namespace: &str,
    stored: Arc<StoredObject>,
) -> Result<(), ApiError> {
    let snapshot = plane.registry.snapshot();
    let mut seen_prefixes = BTreeSet::new();
    let mut remaining = 0usize;
    for info in snapshot.resources().iter().filter(|r| r.namespaced) {
        if !seen_prefixes.insert(info.storage_prefix.clone()) {
            continue;
        }
        for item in plane.store.list(&info.list_prefix(Some(namespace)), None, None).items {
            remaining += 1;
            let key = item.key.clone();
            match delete_object(plane, info, &key, item, false).await {
                Ok(_) => {}
                Err(err) if err.code == 404 => {}
                Err(err) => return Err(err),
            }
        }
    }
    if remaining > 0 {
        return Ok(());
    }
    let mut value: Value = serde_json::from_slice(&stored.json).map_err(ApiError::internal)?;
    let finalizers: Vec<Value> = value
        .pointer("/spec/finalizers")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter(|f| *f != "kubernetes").cloned().collect())
        .unwrap_or_default();
    value["spec"]["finalizers"] = json!(finalizers);
    let ctx = context(plane, "", "namespaces", None, namespace, Verb::Update)?;
    let old: Value = serde_json::from_slice(&stored.json).map_err(ApiError::internal)?;
    let mut ctx = ctx;
    ctx.req.subresource = Some("finalize".into());
    match write::apply_update(plane, &ctx, &old, stored.revision, value).await {
        Ok(_) => Ok(()),
        Err(err) if err.code == 409 || err.code == 404 => Ok(()),
        Err(err) => Err(err),
    }
}

/// Deletes every instance of a terminating CRD; when none is left, removes
/// the cleanup finalizer so that the CRD goes.
async fn finalize_crd(plane: &Arc<ControlPlane>, crd: &Value, stored: Arc<StoredObject>) -> Result<(), ApiError> {
    let resources = resources_of(crd);
    let Some(info) = resources.first() else {
        return remove_crd_finalizer(plane, crd, stored).await;
    };
    let items = plane.store.list(&info.storage_prefix, None, None).items;
    if items.is_empty() {
        return remove_crd_finalizer(plane, crd, stored).await;
    }
    for item in items {
        let key = item.key.clone();
        match delete_object(plane, info, &key, item, false).await {
            Ok(_) => {}
            Err(err) if err.code == 404 => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

async fn remove_crd_finalizer(
    plane: &Arc<ControlPlane>,
    crd: &Value,
    stored: Arc<StoredObject>,
) -> Result<(), ApiError> {
    let mut value = crd.clone();
    let finalizers: Vec<String> = object::finalizers(crd).into_iter().filter(|f| f != CRD_CLEANUP_FINALIZER).collect();
    object::set_finalizers(&mut value, &finalizers);
    let ctx =
        context(plane, "apiextensions.k8s.io", "customresourcedefinitions", None, object::name(crd), Verb::Update)?;
    match write::apply_update(plane, &ctx, crd, stored.revision, value).await {
        Ok(_) => Ok(()),
        Err(err) if err.code == 409 || err.code == 404 => Ok(()),
        Err(err) => Err(err),
    }
}
