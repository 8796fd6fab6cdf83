//! `rdd ctl patch`: kubectl's patch of named objects. Each object is read
//! first (as kubectl's builder does), the patch is sent (strategic merge by
//! default; JSON-looking text as typed, YAML converted to JSON) with
//! `fieldManager=kubectl-patch`, and the answer compared with what was read
//! decides between `patched` and `patched (no change)`. `--dry-run=client`
//! applies the patch locally with the API server's own patch code.

use http::Method;
use kube::Client;
use rdd_apiserver::patch::{BuiltinPatchMeta, PatchType};
use serde_json::Value;

use super::client::CtlError;
use super::discovery::Discovery;
use super::mutate::{DryRun, Printer, Selection, report, select, send, write_query};

/// The flags of `patch` served natively.
#[derive(Debug, Clone, Default)]
pub struct PatchOptions {
    pub selection: Selection,
    pub patch: Option<String>,
    pub patch_file: Option<String>,
    pub patch_type: Option<String>,
    pub dry_run: DryRun,
    pub output: Option<String>,
}

/// The patch type `--type` names (case-insensitive, as kubectl takes it).
pub fn patch_type(typed: Option<&str>) -> Result<PatchType, CtlError> {
    match typed.map(str::to_lowercase).as_deref() {
        None | Some("") | Some("strategic") => Ok(PatchType::StrategicMerge),
        Some("merge") => Ok(PatchType::MergePatch),
        Some("json") => Ok(PatchType::JsonPatch),
        Some(_) => Err(CtlError::message(format!(
            "--type must be one of [json merge strategic], not \"{}\"",
            typed.unwrap_or_default()
        ))),
    }
}

/// sigs.k8s.io/yaml's ToJSON: text starting with `{` is taken as JSON and
/// sent as is (the server reports its syntax errors); anything else is
/// read as YAML.
pub fn patch_body(text: &str) -> Result<Vec<u8>, CtlError> {
    if text.trim_start().starts_with('{') {
        return Ok(text.as_bytes().to_vec());
    }
    let value: Value =
        rdd_api::yaml::from_str(text).map_err(|err| CtlError::message(format!("unable to parse {text:?}: {err}")))?;
    Ok(serde_json::to_vec(&value).unwrap_or_default())
}

/// `group/version, Kind=K`, as Go prints a GroupVersionKind.
pub fn gvk_string(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// Runs `patch`, printing one line (or object) per patched object.
pub async fn patch(client: &Client, discovery: &Discovery, options: &PatchOptions) -> Result<(), CtlError> {
    let text = match (&options.patch, &options.patch_file) {
        (Some(p), Some(_)) if !p.is_empty() => {
            return Err(CtlError::message("cannot specify --patch and --patch-file together"));
        }
        (Some(p), _) if !p.is_empty() => p.clone(),
        (_, Some(file)) if !file.is_empty() => std::fs::read_to_string(file)
            .map_err(|err| CtlError::message(format!("unable to read patch file: {err}")))?,
        _ => {
            return Err(CtlError::message("must specify --patch or --patch-file containing the contents of the patch"));
        }
    };
    let patch_type = patch_type(options.patch_type.as_deref())?;
    let body = patch_body(&text)?;
    let (targets, mut errors) =
        select(client, discovery, &options.selection, options.selection.picking(false), true).await?;
    if targets.is_empty() && errors.is_empty() {
        return Err(CtlError::message("no objects passed to patch"));
    }
    let mut printer = Printer::new(options.output.as_deref());
    for target in targets {
        let current = target.object.clone().unwrap_or(Value::Null);
        let patched = if options.dry_run == DryRun::Client {
            let api_version = current.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
            let kind = current.get("kind").and_then(Value::as_str).unwrap_or_default();
            if patch_type == PatchType::StrategicMerge && !is_builtin(&target.resource.group) {
                errors.push(CtlError::message(format!(
                    "strategic merge patch is not supported for {} locally, try --type merge",
                    gvk_string(api_version, kind)
                )));
                continue;
            }
            match rdd_apiserver::patch::apply(patch_type, &current, &body, &BuiltinPatchMeta) {
                Ok(patched) => patched,
                Err(err) => {
                    errors.push(CtlError::message(err.to_string()));
                    continue;
                }
            }
        } else {
            let path = target.path() + &write_query(options.dry_run, Some("kubectl-patch"), false);
            match send(client, Method::PATCH, &path, patch_type.media_type(), body.clone()).await {
                Ok(patched) => patched,
                Err(err) if err.text.starts_with("Error from server (UnsupportedMediaType)") => {
                    let api_version = current.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
                    let kind = current.get("kind").and_then(Value::as_str).unwrap_or(&target.resource.kind);
                    let message = err.text.split_once("): ").map_or(err.text.as_str(), |(_, m)| m);
                    errors.push(CtlError::message(format!(
                        "{} is not supported by {}: {message}",
                        patch_type.media_type(),
                        gvk_string(api_version, kind)
                    )));
                    continue;
                }
                Err(err) => {
                    errors.push(err);
                    continue;
                }
            }
        };
        let operation = if patched != current { "patched" } else { "patched (no change)" };
        printer.print(&patched, operation)?;
    }
    report(errors)
}

/// Whether kubectl's scheme knows the group's kinds (so strategic merge
/// works locally): the core group and the built-in groups rdd serves,
/// but not apiextensions, which kubectl's scheme leaves out.
pub fn is_builtin(group: &str) -> bool {
    matches!(group, "" | "events.k8s.io" | "coordination.k8s.io")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_bodies() {
        assert_eq!(patch_type(None).unwrap(), PatchType::StrategicMerge);
        assert_eq!(patch_type(Some("Merge")).unwrap(), PatchType::MergePatch);
        assert_eq!(patch_type(Some("json")).unwrap(), PatchType::JsonPatch);
        assert_eq!(
            patch_type(Some("foo")).unwrap_err().text,
            "error: --type must be one of [json merge strategic], not \"foo\""
        );
        assert_eq!(patch_body(" {bad").unwrap(), b" {bad");
        assert_eq!(patch_body("data:\n  a: b").unwrap(), br#"{"data":{"a":"b"}}"#);
        assert_eq!(patch_body(r#"[{"op":"remove","path":"/a"}]"#).unwrap(), br#"[{"op":"remove","path":"/a"}]"#);
    }

    #[test]
    fn gvk_is_printed_like_go() {
        assert_eq!(gvk_string("v1", "ConfigMap"), "/v1, Kind=ConfigMap");
        assert_eq!(gvk_string("a.io/v1", "X"), "a.io/v1, Kind=X");
    }
}
