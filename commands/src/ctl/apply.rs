//! `rdd ctl apply -f`: kubectl's client-side apply. Each object carries
//! what was applied in its `kubectl.kubernetes.io/last-applied-configuration`
//! annotation (the object as read, namespace filled in, compact Go JSON
//! plus a newline); a missing object is created with it (`created`), an
//! existing one patched with the three-way patch of that annotation, the
//! file and the live object (`configured`), or left alone when the patch
//! is empty (`unchanged`). Built-in kinds get a strategic merge patch,
//! other kinds a JSON merge patch, as kubectl decides by its scheme.
//! `--server-side` sends each object as an apply patch instead
//! (`serverside-applied`), with kubectl's help text on conflicts.

use http::Method;
use kube::Client;
use rdd_api::jsonpath::golang::marshal_compact;
use rdd_apiserver::patch::{BuiltinPatchMeta, PatchType};
use serde_json::{Map, Value};

use super::client::{CtlError, get_json};
use super::discovery::Discovery;
use super::manifest::{map_manifest, read_manifests, with_source};
use super::mutate::{DryRun, Printer, create_object, report, send, write_query};
use super::patch::is_builtin;
use super::three_way::{Flavor, three_way};

/// The annotation holding the last applied configuration.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The flags of `apply` served natively.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub files: Vec<String>,
    pub namespace: String,
    pub enforce_namespace: bool,
    pub dry_run: DryRun,
    pub output: Option<String>,
    /// `--server-side`: the server merges (`serverside-applied`).
    pub server_side: bool,
    /// `--force-conflicts` (server-side only).
    pub force_conflicts: bool,
    /// `--field-manager`; kubectl's default depends on the mode.
    pub field_manager: Option<String>,
}

/// What kubectl adds to the server's message when a server-side apply conflicts.
const CONFLICT_HELP: &str = "Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts";

/// Server-side apply of one object: the object is the apply patch.
async fn apply_server_side(
    client: &Client,
    options: &ApplyOptions,
    path: &str,
    object: &Value,
) -> Result<Value, CtlError> {
    let manager = options.field_manager.as_deref().unwrap_or("kubectl");
    let query = write_query(options.dry_run, Some(manager), true);
    let path = format!("{path}{query}&force={}", options.force_conflicts);
    let body = marshal_compact(object).into_bytes();
    match send(client, Method::PATCH, &path, PatchType::Apply.media_type(), body).await {
        Err(err) if err.text.starts_with("Error from server (Conflict): Apply failed") => {
            let message = err.text.trim_start_matches("Error from server (Conflict): ");
            Err(CtlError { text: format!("error: {message}\n{CONFLICT_HELP}"), status: err.status })
        }
        other => other,
    }
}

/// The object with its last-applied annotation set, and that annotation's
/// value: kubectl's GetModifiedConfiguration, which serialises the object
/// with the annotation removed (leaving `annotations: {}` when it was the
/// only one, or when there were none) and a trailing newline.
pub fn with_last_applied(object: &Value) -> (Value, String) {
    let mut bare = object.clone();
    if let Some(metadata) = bare.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = metadata.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.remove(LAST_APPLIED);
        } else {
            *annotations = Value::Object(Map::new());
        }
    }
    let mut applied = marshal_compact(&bare);
    applied.push('\n');
    let mut annotated = bare;
    if let Some(annotations) = annotated.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        annotations.insert(LAST_APPLIED.to_owned(), Value::String(applied.clone()));
    }
    (annotated, applied)
}

fn client_side_manager(options: &ApplyOptions) -> &str {
    options.field_manager.as_deref().unwrap_or("kubectl-client-side-apply")
}

/// Runs `apply -f`.
pub async fn apply(client: &Client, discovery: &Discovery, options: &ApplyOptions) -> Result<(), CtlError> {
    let manifests = read_manifests(&options.files)?;
    let mut errors = Vec::new();
    let mut printer = Printer::new(options.output.as_deref());
    for mut manifest in manifests {
        let mapped = match map_manifest(discovery, &mut manifest, &options.namespace, options.enforce_namespace) {
            Ok(mapped) => mapped,
            Err(err) => {
                errors.push(err);
                continue;
            }
        };
        if options.server_side {
            if options.dry_run == DryRun::Client {
                errors.push(CtlError::message(
                    "--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)",
                ));
                continue;
            }
            match apply_server_side(client, options, &mapped.path(), &manifest.object).await {
                Ok(applied) => printer.print(&applied, &options.dry_run.decorate("serverside-applied"))?,
                Err(err) => errors.push(err),
            }
            continue;
        }
        let (annotated, _) = with_last_applied(&manifest.object);
        let current = match get_json(client, &mapped.path()).await {
            Ok(current) => Some(current),
            Err(err) if err.is_not_found() => None,
            Err(err) => {
                errors.push(err);
                continue;
            }
        };
        let Some(current) = current else {
            let manager = client_side_manager(options);
            match create_object(client, options.dry_run, &mapped.collection, manager, annotated, &manifest.source).await
            {
                Ok(created) => printer.print(&created, &options.dry_run.decorate("created"))?,
                Err(err) => errors.push(err),
            }
            continue;
        };
        let original = match current.pointer("/metadata/annotations").and_then(|a| a.get(LAST_APPLIED)) {
            Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
            _ => {
                eprintln!(
                    "Warning: resource {}/{} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.",
                    mapped.resource.name, mapped.name
                );
                Value::Null
            }
        };
        let api_version = annotated.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
        let kind = annotated.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
        let strategic = is_builtin(&mapped.resource.group);
        let flavor = if strategic {
            Flavor::Strategic { meta: &BuiltinPatchMeta, api_version: &api_version, kind: &kind }
        } else {
            Flavor::JsonMerge
        };
        let patch = three_way(&original, &annotated, &current, flavor);
        if patch.as_object().is_some_and(Map::is_empty) {
            printer.print(&current, &options.dry_run.decorate("unchanged"))?;
            continue;
        }
        let patched = if options.dry_run == DryRun::Client {
            current
        } else {
            let patch_type = if strategic { PatchType::StrategicMerge } else { PatchType::MergePatch };
            let path = mapped.path() + &write_query(options.dry_run, Some(client_side_manager(options)), true);
            let body = serde_json::to_vec(&patch).unwrap_or_default();
            match send(client, Method::PATCH, &path, patch_type.media_type(), body).await {
                Ok(patched) => patched,
                Err(err) => {
                    errors.push(with_source(err, "patching", &manifest.source));
                    continue;
                }
            }
        };
        printer.print(&patched, &options.dry_run.decorate("configured"))?;
    }
    report(errors)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn last_applied_is_kubectls_encoding() {
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "<1>"},
                            "metadata": {"name": "x", "namespace": "default", "labels": {"l": "1"}}});
        let (annotated, applied) = with_last_applied(&object);
        assert_eq!(
            applied,
            "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"\\u003c1\\u003e\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"labels\":{\"l\":\"1\"},\"name\":\"x\",\"namespace\":\"default\"}}\n"
        );
        assert_eq!(annotated["metadata"]["annotations"][LAST_APPLIED], json!(applied));
        // An old annotation in the file is not nested into the new one.
        let (again, applied_again) = with_last_applied(&annotated);
        assert_eq!(applied_again, applied);
        assert_eq!(again, annotated);
    }
}
