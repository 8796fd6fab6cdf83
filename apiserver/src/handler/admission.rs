//! Admission of a candidate object, in kube's order: namespace lifecycle,
//! schema (defaulting, pruning, validation), ObjectMeta validation, and
//! rdd's own rules for its kinds (SPEC §3.4, §4). The rules that CEL can
//! express also ship in the CRDs as `x-kubernetes-validations`, so they
//! hold on a real cluster too; they are checked here in-process, with the
//! messages a real API server's CEL evaluation would give.

use serde_json::Value;

use super::{ControlPlane, RequestContext, object};
use crate::error::{ApiError, Cause};
use crate::registry::{Behaviour, ResourceInfo};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
}

/// Admits `new` (mutating it: defaults, pruning); returns warnings.
pub fn admit(
    plane: &ControlPlane,
    ctx: &RequestContext,
    operation: Operation,
    old: Option<&Value>,
    new: &mut Value,
) -> Result<Vec<String>, ApiError> {
    if operation == Operation::Create {
        namespace_lifecycle(plane, ctx, new)?;
        if ctx.info.is_custom() {
            crd_not_terminating(plane, &ctx.info)?;
        }
    }
    let warnings = super::validate::validate(ctx, operation, old, new)?;
    rdd_rules(&ctx.info, operation, old, new)?;
    Ok(warnings)
}

/// New objects need an existing namespace that is not terminating.
fn namespace_lifecycle(plane: &ControlPlane, ctx: &RequestContext, new: &Value) -> Result<(), ApiError> {
    let Some(namespace) = ctx.namespace() else { return Ok(()) };
    let namespaces = crate::error::GroupResource::new("", "namespaces");
    let stored = plane
        .store
        .get(&format!("/core/namespaces/{namespace}"))
        .ok_or_else(|| ApiError::not_found(&namespaces, namespace))?;
    let value: Value = serde_json::from_slice(&stored.json).map_err(ApiError::internal)?;
    if object::is_terminating(&value) {
        return Err(ApiError::forbidden(
            &ctx.info.group_resource(),
            object::name(new),
            &format!("unable to create new content in namespace {namespace} because it is being terminated"),
        ));
    }
    Ok(())
}

fn crd_not_terminating(plane: &ControlPlane, info: &ResourceInfo) -> Result<(), ApiError> {
    let Some(crd_name) = &info.crd_name else { return Ok(()) };
    let Some(stored) = plane.store.get(&format!("/apiextensions.k8s.io/customresourcedefinitions/{crd_name}")) else {
        return Ok(());
    };
    let crd: Value = serde_json::from_slice(&stored.json).map_err(ApiError::internal)?;
    if object::is_terminating(&crd) {
        let mut err = ApiError::method_not_supported(&info.group_resource(), "create");
        err.message = "create not allowed while custom resource definition is terminating".into();
        return Err(err);
    }
    Ok(())
}

/// A failed `x-kubernetes-validations` rule, as kube reports it:
/// `<path>: Invalid value: "<type>": <message>` (`<nil>` at the root).
fn rule_violation(info: &ResourceInfo, name: &str, path: &str, schema_type: &str, message: &str) -> ApiError {
    let field = if path.is_empty() { "<nil>" } else { path };
    let body = format!("Invalid value: {schema_type:?}: {message}");
    ApiError::invalid(
        &info.qualified_kind(),
        &info.group,
        &info.kind,
        name,
        vec![(
            format!("{field}: {body}"),
            Cause { reason: "FieldValueInvalid".into(), message: body, field: path.into() },
        )],
    )
}

/// rdd's admission rules for App and Container (SPEC §4.1, §4.2).
fn rdd_rules(info: &ResourceInfo, operation: Operation, old: Option<&Value>, new: &Value) -> Result<(), ApiError> {
    if info.behaviour != Behaviour::Plain || !info.is_custom() {
        return Ok(());
    }
    let name = object::name(new);
    match (info.group.as_str(), info.kind.as_str()) {
        ("app.rancherdesktop.io", "App") => {
            if name != rdd_api::app::APP_NAME {
                return Err(rule_violation(info, name, "", "object", "App resource must be named 'app'"));
            }
            if let (Operation::Update, Some(old)) = (operation, old) {
                let before = old.pointer("/spec/namespace");
                let after = new.pointer("/spec/namespace");
                if before.is_some() && after.is_some() && before != after {
                    return Err(rule_violation(info, name, "spec.namespace", "string", "spec.namespace is immutable"));
                }
            }
            let engine = new.pointer("/spec/containerEngine");
            let external = engine.and_then(|e| e.get("provider")).and_then(Value::as_str) == Some("external");
            let endpoint = engine.and_then(|e| e.get("endpoint")).and_then(Value::as_str).unwrap_or_default();
            if external && endpoint.is_empty() {
                return Err(rule_violation(
                    info,
                    name,
                    "spec.containerEngine",
                    "object",
                    "spec.containerEngine.endpoint is required when provider is external",
                ));
            }
        }
        ("containers.rancherdesktop.io", "Container") => {
            if let (Operation::Update, Some(old)) = (operation, old) {
                let without_state = |v: &Value| {
                    let mut spec = v.get("spec").cloned().unwrap_or(Value::Null);
                    if let Some(map) = spec.as_object_mut() {
                        map.remove("state");
                    }
                    spec
                };
                if without_state(old) != without_state(new) {
                    let body = "Forbidden: only spec.state may be changed";
                    return Err(ApiError::invalid(
                        &info.qualified_kind(),
                        &info.group,
                        &info.kind,
                        name,
                        vec![(
                            format!("spec: {body}"),
                            Cause { reason: "FieldValueForbidden".into(), message: body.into(), field: "spec".into() },
                        )],
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::crd::resources_of;
    use serde_json::json;

    fn info(index: usize) -> ResourceInfo {
        resources_of(&serde_json::to_value(rdd_api::crds::all().remove(index)).unwrap()).remove(0)
    }

    #[test]
    fn app_must_be_named_app() {
        let err = rdd_rules(
            &info(0),
            Operation::Create,
            None,
            &json!({"metadata": {"name": "foo"}, "spec": {"running": true}}),
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            err.message,
            r#"App.app.rancherdesktop.io "foo" is invalid: <nil>: Invalid value: "object": App resource must be named 'app'"#
        );
    }

    #[test]
    fn app_namespace_is_immutable_and_external_needs_an_endpoint() {
        let old = json!({"metadata": {"name": "app"}, "spec": {"running": true, "namespace": "a"}});
        let new = json!({"metadata": {"name": "app"}, "spec": {"running": true, "namespace": "b"}});
        let err = rdd_rules(&info(0), Operation::Update, Some(&old), &new).unwrap_err();
        assert!(
            err.message.ends_with(r#"spec.namespace: Invalid value: "string": spec.namespace is immutable"#),
            "{}",
            err.message
        );
        let external = json!({"metadata": {"name": "app"}, "spec": {"running": true, "containerEngine": {"provider": "external"}}});
        let err = rdd_rules(&info(0), Operation::Create, None, &external).unwrap_err();
        assert!(err.message.contains("spec.containerEngine.endpoint is required when provider is external"));
        let with_endpoint = json!({"metadata": {"name": "app"}, "spec": {"running": true, "containerEngine": {"provider": "external", "endpoint": "unix:///x"}}});
        assert!(rdd_rules(&info(0), Operation::Create, None, &with_endpoint).is_ok());
    }

    #[test]
    fn container_updates_may_change_only_state() {
        let old = json!({"metadata": {"name": "c"}, "spec": {"state": "unknown"}});
        let ok = json!({"metadata": {"name": "c"}, "spec": {"state": "running"}});
        assert!(rdd_rules(&info(1), Operation::Update, Some(&old), &ok).is_ok());
        let bad = json!({"metadata": {"name": "c"}, "spec": {"state": "running", "other": 1}});
        assert_eq!(rdd_rules(&info(1), Operation::Update, Some(&old), &bad).unwrap_err().code, 422);
    }
}
