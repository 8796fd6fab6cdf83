//! CEL validation rules of custom resources (`x-kubernetes-validations`,
//! SPEC §3.4), as apiextensions-apiserver evaluates them: every rule of a
//! CRD version's schema is compiled once ([`Validator::compile`], cached
//! next to the compiled schema in the registry), and after structural
//! validation every rule runs against its part of the object, `self` bound
//! to that part and `oldSelf` to the same part of the stored object.
//!
//! Transition rules (those that mention `oldSelf`) run only on update and
//! only where the old value can be correlated (object fields, map values,
//! `x-kubernetes-list-type: map` items by key), unless `optionalOldSelf`
//! makes `oldSelf` an optional. Failures read like kube's:
//! `<path>: Invalid value: "<type>": <message>` (`<nil>` at the root),
//! `reason` picking `Forbidden`, `Required` or `Duplicate`, `fieldPath`
//! moving the error below the rule's node, `messageExpression` computing
//! the message.
//!
//! Rules are checked when a CRD is written ([`crd_rule_errors`]): syntax,
//! undeclared identifiers, fields the schema does not have, `oldSelf` in
//! an uncorrelatable place, `fieldPath`, `reason`, and a static cost bound
//! (nested comprehensions over lists and maps the schema does not bound)
//! so that no rule can keep the server busy. Differences from kube: no
//! full type checker (a rule returning a non-bool is reported when it
//! runs), and the cost bound is an estimate of iterations, not cel-go's
//! cost units.

mod compile;
mod convert;
mod cost;
mod eval;

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::validation::FieldError;

pub use compile::Validator;

/// The CEL environment rules compile and run in: the standard library,
/// the optional type, and the strings extension Kubernetes also offers.
fn environment() -> Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        // Registering a library into a fresh stdlib environment cannot
        // clash with anything; if it ever did, rules using its functions
        // would fail at evaluation with an undeclared reference instead.
        let _ = env.add_extension(cel::extensions::strings);
        Arc::new(env)
    })
    .clone()
}

/// The errors of the `x-kubernetes-validations` rules of a CRD being
/// written, with kube's paths
/// (`spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule`).
pub fn crd_rule_errors(crd: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(versions) = crd.pointer("/spec/versions").and_then(Value::as_array) else { return errors };
    for (i, version) in versions.iter().enumerate() {
        let Some(schema) = version.pointer("/schema/openAPIV3Schema").filter(|s| s.is_object()) else { continue };
        let path = format!("spec.versions[{i}].schema.openAPIV3Schema");
        if let Err(errs) = Validator::compile_at(schema, &path) {
            errors.extend(errs);
        }
    }
    errors
}

#[cfg(test)]
mod tests;
