//! Admission of a candidate object, in kube's order: namespace lifecycle,
//! schema (defaulting, pruning, validation), ObjectMeta validation, the
//! CRD's CEL rules (`x-kubernetes-validations`, see [`crate::cel`]), and
//! rdd's own rules for its kinds that CEL cannot say (SPEC §3.4, §4). The
//! rules that CEL can express ship only in the CRDs, so they hold on a
//! real cluster too.

use serde_json::Value;

use super::{ControlPlane, RequestContext, object};
use crate::error::ApiError;
use crate::registry::{Behaviour, ResourceInfo};
use crate::validation::{FieldError, causes};

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
    cel_rules(&ctx.info, operation, old, new)?;
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

// ---- CEL rules and rdd's own admission rules (owned by the CEL work) ----

/// Runs the `x-kubernetes-validations` rules of a custom resource after
/// its schema validated (transition rules only on update), and checks the
/// rules of a CRD being written, failing the way kube does.
fn cel_rules(info: &ResourceInfo, operation: Operation, old: Option<&Value>, new: &Value) -> Result<(), ApiError> {
    let errors = if info.behaviour == Behaviour::CustomResourceDefinition {
        crate::cel::crd_rule_errors(new)
    } else {
        let rules = info.compiled_rules().map_err(|err| {
            ApiError::internal(format!(
                "the x-kubernetes-validations rules of {} do not compile: {err}",
                info.group_resource()
            ))
        })?;
        let Some(rules) = rules else { return Ok(()) };
        let old = old.filter(|_| operation == Operation::Update);
        rules.validate(new, old)
    };
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(&info.qualified_kind(), &info.group, &info.kind, object::name(new), causes(&errors)))
}

/// rdd's admission rules that CEL cannot express (SPEC §4.2): a Container
/// update may change only `spec.state`. (App's rules live in its CRD as
/// CEL and run through [`cel_rules`].)
fn rdd_rules(info: &ResourceInfo, operation: Operation, old: Option<&Value>, new: &Value) -> Result<(), ApiError> {
    if info.behaviour != Behaviour::Plain || !info.is_custom() {
        return Ok(());
    }
    if (info.group.as_str(), info.kind.as_str()) != ("containers.rancherdesktop.io", "Container") {
        return Ok(());
    }
    let (Operation::Update, Some(old)) = (operation, old) else { return Ok(()) };
    let without_state = |v: &Value| {
        let mut spec = v.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(map) = spec.as_object_mut() {
            map.remove("state");
        }
        spec
    };
    if without_state(old) == without_state(new) {
        return Ok(());
    }
    let error = FieldError::forbidden("spec", "only spec.state may be changed");
    Err(ApiError::invalid(&info.qualified_kind(), &info.group, &info.kind, object::name(new), causes(&[error])))
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
        let err = cel_rules(
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
        let err = cel_rules(&info(0), Operation::Update, Some(&old), &new).unwrap_err();
        assert!(
            err.message.ends_with(r#"spec.namespace: Invalid value: "string": spec.namespace is immutable"#),
            "{}",
            err.message
        );
        let external = json!({"metadata": {"name": "app"}, "spec": {"running": true, "containerEngine": {"provider": "external"}}});
        let err = cel_rules(&info(0), Operation::Create, None, &external).unwrap_err();
        assert!(err.message.contains("spec.containerEngine.endpoint is required when provider is external"));
        let with_endpoint = json!({"metadata": {"name": "app"}, "spec": {"running": true, "containerEngine": {"provider": "external", "endpoint": "unix:///x"}}});
        assert!(cel_rules(&info(0), Operation::Create, None, &with_endpoint).is_ok());
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
