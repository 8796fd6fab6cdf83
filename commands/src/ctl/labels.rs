//! `rdd ctl label` and `rdd ctl annotate`: `KEY=VALUE` sets, `KEY-`
//! removes, on named or selected objects. Each object is read, changed
//! locally (refusing to change an existing value without `--overwrite`,
//! in kubectl's words for each verb), and the difference sent as a JSON
//! merge patch. `label` reports `labeled`, `unlabeled` (the JSON got shorter)
//! or `not labeled` and prints the object as it changed it locally;
//! `annotate` always reports `annotated` and prints the server's answer.

use std::collections::BTreeMap;

use http::Method;
use kube::Client;
use rdd_api::jsonpath::golang::marshal_compact;
use serde_json::{Map, Value};

use super::client::CtlError;
use super::discovery::Discovery;
use super::mutate::{DryRun, Printer, Selection, report, select, send, write_out, write_query};

/// Which map the verb edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaMap {
    Labels,
    Annotations,
}

impl MetaMap {
    fn field(self) -> &'static str {
        match self {
            MetaMap::Labels => "labels",
            MetaMap::Annotations => "annotations",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            MetaMap::Labels => "label",
            MetaMap::Annotations => "annotation",
        }
    }
}

/// The flags of `label` / `annotate` served natively.
#[derive(Debug, Clone)]
pub struct LabelOptions {
    pub which: MetaMap,
    /// Resources, then `KEY=VALUE` / `KEY-` pairs, as typed.
    pub args: Vec<String>,
    pub selection: Selection,
    pub overwrite: bool,
    pub dry_run: DryRun,
    pub output: Option<String>,
}

/// The changes a command line asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub set: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

/// kubectl's GetResourcesAndPairs: resources first, then pairs (an
/// argument with `=` or ending in `-`).
pub fn split_args(args: &[String], noun: &str) -> Result<(Vec<String>, Vec<String>), CtlError> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for arg in args {
        let is_pair = arg.contains('=') || arg.ends_with('-');
        if is_pair {
            pairs.push(arg.clone());
        } else if pairs.is_empty() {
            resources.push(arg.clone());
        } else {
            return Err(CtlError::message(format!("all resources must be specified before {noun} changes: {arg}")));
        }
    }
    Ok((resources, pairs))
}

/// Parses the pairs the way each verb does.
pub fn parse_changes(pairs: &[String], which: MetaMap) -> Result<Changes, CtlError> {
    let mut changes = Changes::default();
    for pair in pairs {
        if pair.contains('=') {
            let (key, value) = match which {
                MetaMap::Labels => {
                    let parts: Vec<&str> = pair.split('=').collect();
                    if parts.len() != 2 {
                        return Err(CtlError::message(format!("invalid label spec: {pair}")));
                    }
                    (parts[0], parts[1])
                }
                MetaMap::Annotations => pair.split_once('=').unwrap_or((pair, "")),
            };
            if key.is_empty() {
                return Err(CtlError::message(format!("invalid {} format: {pair}", which.noun())));
            }
            changes.set.insert(key.to_owned(), value.to_owned());
        } else if let Some(key) = pair.strip_suffix('-') {
            changes.remove.push(key.to_owned());
        } else {
            return Err(CtlError::message(format!("unknown {} spec: {pair}", which.noun())));
        }
    }
    let both: Vec<&str> = changes.remove.iter().filter(|k| changes.set.contains_key(*k)).map(String::as_str).collect();
    if !both.is_empty() {
        return Err(CtlError::message(match which {
            MetaMap::Labels => "can not both modify and remove a label in the same command".to_owned(),
            MetaMap::Annotations => format!(
                "can not both modify and remove the following annotation(s) in the same command: {}",
                both.join(", ")
            ),
        }));
    }
    Ok(changes)
}

/// Applies `changes` to `object`'s map; the error is kubectl's refusal to overwrite.
pub fn change(object: &mut Value, which: MetaMap, changes: &Changes, overwrite: bool) -> Result<(), CtlError> {
    let existing: Map<String, Value> =
        object.pointer(&format!("/metadata/{}", which.field())).and_then(Value::as_object).cloned().unwrap_or_default();
    if !overwrite {
        let clashes: Vec<(&String, &str)> = changes
            .set
            .iter()
            .filter_map(|(key, value)| {
                let have = existing.get(key).and_then(Value::as_str)?;
                (have != value).then_some((key, have))
            })
            .collect();
        if !clashes.is_empty() {
            let text = match which {
                MetaMap::Labels => clashes
                    .iter()
                    .map(|(key, have)| format!("'{key}' already has a value ({have}), and --overwrite is false"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                MetaMap::Annotations => format!(
                    "--overwrite is false but found the following declared annotation(s): {}",
                    clashes
                        .iter()
                        .map(|(key, have)| format!("'{key}' already has a value ({have})"))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            let text = if clashes.len() > 1 && which == MetaMap::Labels { text } else { format!("error: {text}") };
            return Err(CtlError { text, status: crate::ExitStatus::Failure });
        }
    }
    let mut map = existing;
    for (key, value) in &changes.set {
        map.insert(key.clone(), Value::String(value.clone()));
    }
    for key in &changes.remove {
        map.remove(key);
    }
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert(which.field().to_owned(), Value::Object(map));
    }
    Ok(())
}

/// `label`'s verdict, as kubectl 1.33 words it: `labeled` for any change,
/// `unlabeled` when (without `--overwrite`) the object's JSON got shorter.
fn label_message(before: &Value, after: &Value, overwrite: bool) -> &'static str {
    let (old, new) = (marshal_compact(before), marshal_compact(after));
    if old == new {
        "not labeled"
    } else if !overwrite && new.len() < old.len() {
        "unlabeled"
    } else {
        "labeled"
    }
}

/// jsonpatch.CreateMergePatch between two objects.
pub fn merge_diff(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => {
            let mut out = Map::new();
            for (key, want) in after {
                match before.get(key) {
                    Some(have) if have == want => {}
                    Some(have @ Value::Object(_)) if want.is_object() => {
                        out.insert(key.clone(), merge_diff(have, want));
                    }
                    _ => {
                        out.insert(key.clone(), want.clone());
                    }
                }
            }
            for key in before.keys().filter(|k| !after.contains_key(*k)) {
                out.insert(key.clone(), Value::Null);
            }
            Value::Object(out)
        }
        _ => after.clone(),
    }
}

/// Runs `label` or `annotate`.
pub async fn label(client: &Client, discovery: &Discovery, options: &LabelOptions) -> Result<(), CtlError> {
    let which = options.which;
    let (resources, pairs) = split_args(&options.args, which.noun())?;
    let changes = parse_changes(&pairs, which)?;
    let mut selection = options.selection.clone();
    selection.refuse_all_with_selectors()?;
    if resources.is_empty() {
        return Err(CtlError::message(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if changes.set.is_empty() && changes.remove.is_empty() {
        return Err(CtlError::message(format!("at least one {} update is required", which.noun())));
    }
    selection.args = resources;
    let (targets, mut errors) = select(client, discovery, &selection, selection.picking(false), true).await?;
    let mut printer = Printer::new(options.output.as_deref());
    let field = format!("/metadata/{}", which.field());
    for target in targets {
        let before = target.object.clone().unwrap_or(Value::Null);
        let mut after = before.clone();
        let old_map = before.pointer(&field).and_then(Value::as_object).cloned().unwrap_or_default();
        if options.dry_run != DryRun::Client && which == MetaMap::Labels {
            let mut notes = String::new();
            for key in changes.remove.iter().filter(|k| !old_map.contains_key(*k)) {
                notes.push_str(&format!("label {key:?} not found.\n"));
            }
            write_out(&notes)?;
        }
        if let Err(err) = change(&mut after, which, &changes, options.overwrite) {
            errors.push(err);
            continue;
        }
        let answer = if options.dry_run == DryRun::Client {
            after.clone()
        } else {
            let manager = match which {
                MetaMap::Labels => "kubectl-label",
                MetaMap::Annotations => "kubectl-annotate",
            };
            let path = target.path() + &write_query(options.dry_run, Some(manager), false);
            let body = serde_json::to_vec(&merge_diff(&before, &after)).unwrap_or_default();
            match send(client, Method::PATCH, &path, "application/merge-patch+json", body).await {
                Ok(answer) => answer,
                Err(err) => {
                    errors.push(err);
                    continue;
                }
            }
        };
        let (operation, printed) = match which {
            MetaMap::Labels => (label_message(&before, &after, options.overwrite), &after),
            MetaMap::Annotations => ("annotated", &answer),
        };
        printer.print(printed, &options.dry_run.decorate(operation))?;
    }
    report(errors)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_split_into_resources_and_pairs() {
        let (resources, pairs) = split_args(&strings(&["cm", "a", "x=1", "y-"]), "label").unwrap();
        assert_eq!(resources, ["cm", "a"]);
        assert_eq!(pairs, ["x=1", "y-"]);
        let err = split_args(&strings(&["cm", "x=1", "a"]), "label").unwrap_err();
        assert_eq!(err.text, "error: all resources must be specified before label changes: a");
    }

    #[test]
    fn pairs_parse_per_verb() {
        let changes = parse_changes(&strings(&["a=1", "b-"]), MetaMap::Labels).unwrap();
        assert_eq!(changes.set.get("a").map(String::as_str), Some("1"));
        assert_eq!(changes.remove, ["b"]);
        assert_eq!(
            parse_changes(&strings(&["b=c=d"]), MetaMap::Labels).unwrap_err().text,
            "error: invalid label spec: b=c=d"
        );
        assert_eq!(parse_changes(&strings(&["b=c=d"]), MetaMap::Annotations).unwrap().set["b"], "c=d");
        assert_eq!(
            parse_changes(&strings(&["x=1", "x-"]), MetaMap::Labels).unwrap_err().text,
            "error: can not both modify and remove a label in the same command"
        );
        assert_eq!(
            parse_changes(&strings(&["x=1", "x-"]), MetaMap::Annotations).unwrap_err().text,
            "error: can not both modify and remove the following annotation(s) in the same command: x"
        );
    }

    #[test]
    fn overwrites_need_the_flag() {
        let mut object = json!({"metadata": {"name": "a", "labels": {"x": "1"}, "annotations": {"n": "1"}}});
        let set = |k: &str, v: &str| Changes { set: [(k.to_owned(), v.to_owned())].into(), remove: vec![] };
        let err = change(&mut object, MetaMap::Labels, &set("x", "2"), false).unwrap_err();
        assert_eq!(err.text, "error: 'x' already has a value (1), and --overwrite is false");
        let err = change(&mut object, MetaMap::Annotations, &set("n", "2"), false).unwrap_err();
        assert_eq!(
            err.text,
            "error: --overwrite is false but found the following declared annotation(s): 'n' already has a value (1)"
        );
        change(&mut object, MetaMap::Labels, &set("x", "1"), false).unwrap();
        change(&mut object, MetaMap::Labels, &set("x", "2"), true).unwrap();
        assert_eq!(object["metadata"]["labels"], json!({"x": "2"}));
    }

    #[test]
    fn verdicts_and_patches() {
        let o = |labels: Value| json!({"metadata": {"labels": labels}});
        assert_eq!(label_message(&o(json!({"a": "1"})), &o(json!({"a": "1"})), false), "not labeled");
        assert_eq!(label_message(&o(json!({"a": "1"})), &o(json!({})), false), "unlabeled");
        assert_eq!(label_message(&o(json!({"a": "1"})), &o(json!({})), true), "labeled");
        assert_eq!(label_message(&o(json!({"tier": "web"})), &o(json!({"x": "1"})), false), "unlabeled");
        assert_eq!(label_message(&o(json!({})), &o(json!({"b": "1"})), false), "labeled");
        let patch = merge_diff(
            &json!({"metadata": {"labels": {"a": "1"}, "name": "x"}}),
            &json!({"metadata": {"labels": {"b": "2"}, "name": "x"}}),
        );
        assert_eq!(patch, json!({"metadata": {"labels": {"a": null, "b": "2"}}}));
    }
}
