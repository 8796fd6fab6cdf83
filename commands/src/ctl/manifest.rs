//! The objects of `-f FILE|DIR|-` for `create` and `apply`: multi-document
//! YAML or JSON, `v1` `List`s flattened, empty documents skipped, each
//! object remembering its source (`STDIN` or the path) for kubectl's
//! `error when creating "SOURCE": ...`, and mapped through discovery to
//! its resource and namespace the way kubectl's builder maps it.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::CtlError;
use super::discovery::Discovery;

/// One object read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `STDIN` or the file's path as given.
    pub source: String,
    pub object: Value,
}

/// Reads every `-f` argument, in order.
pub fn read_manifests(files: &[String]) -> Result<Vec<Manifest>, CtlError> {
    let mut out = Vec::new();
    for file in files {
        if file == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|err| CtlError::message(format!("reading STDIN: {err}")))?;
            out.extend(parse_documents(&text, "STDIN")?);
            continue;
        }
        let path = Path::new(file);
        if !path.exists() {
            return Err(CtlError::message(format!("the path \"{file}\" does not exist")));
        }
        let mut paths = Vec::new();
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|err| CtlError::message(format!("reading {file}: {err}")))?;
            for entry in entries.flatten() {
                let p = entry.path();
                let manifest_like = p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json");
                if p.is_file() && manifest_like {
                    paths.push(p);
                }
            }
            paths.sort();
        } else {
            paths.push(path.to_path_buf());
        }
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|err| CtlError::message(format!("reading {}: {err}", p.display())))?;
            out.extend(parse_documents(&text, &p.display().to_string())?);
        }
    }
    if out.is_empty() {
        return Err(CtlError::message("no objects passed to create"));
    }
    Ok(out)
}

/// The objects of one file's text.
pub fn parse_documents(text: &str, source: &str) -> Result<Vec<Manifest>, CtlError> {
    let documents: Vec<Value> = if text.trim_start().starts_with('{') {
        let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        stream.collect::<Result<_, _>>().map_err(|err| CtlError::message(format!("error parsing {source}: {err}")))?
    } else {
        rdd_api::yaml::from_multiple(text).map_err(|err| CtlError::message(format!("error parsing {source}: {err}")))?
    };
    let mut out = Vec::new();
    for document in documents {
        if document.is_null() || document.as_object().is_some_and(|o| o.is_empty()) {
            continue;
        }
        let is_list = document.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"))
            && document.get("items").is_some_and(Value::is_array);
        if is_list {
            for item in document.get("items").and_then(Value::as_array).into_iter().flatten() {
                out.push(Manifest { source: source.to_owned(), object: item.clone() });
            }
            continue;
        }
        if document.get("kind").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(CtlError::message(format!(
                "error validating data: failed to find kind in {source}; if you choose to ignore these errors, turn validation off with --validate=false"
            )));
        }
        out.push(Manifest { source: source.to_owned(), object: document });
    }
    // kubectl decodes every object's metadata before it sends anything.
    if let Some(err) =
        out.iter().find_map(|manifest| rdd_apiserver::validation::go_decode::metadata_error(&manifest.object))
    {
        return Err(CtlError::message(format!("unable to decode \"{source}\": {err}")));
    }
    Ok(out)
}

/// A manifest resolved: its resource, namespace and the object's URL paths.
#[derive(Debug, Clone)]
pub struct Mapped<'a> {
    pub resource: &'a ApiResource,
    pub namespace: Option<String>,
    pub name: String,
    /// The collection the object is created in, in the object's version.
    pub collection: String,
}

impl Mapped<'_> {
    pub fn path(&self) -> String {
        format!("{}/{}", self.collection, self.name)
    }
}

/// Maps `manifest` to its resource and sets its namespace: the object's
/// own, else `namespace`; `enforce` (an explicit `-n`) rejects a different one.
pub fn map_manifest<'a>(
    discovery: &'a Discovery,
    manifest: &mut Manifest,
    namespace: &str,
    enforce: bool,
) -> Result<Mapped<'a>, CtlError> {
    let object = &manifest.object;
    let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_owned();
    let own_namespace = object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_owned();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", &api_version));
    let Some(resource) = discovery.resources.iter().find(|r| r.group == group && r.kind == kind) else {
        return Err(CtlError::message(format!(
            "resource mapping not found for name: \"{name}\" namespace: \"{own_namespace}\" from \"{}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first",
            manifest.source
        )));
    };
    let namespace = if resource.namespaced {
        if enforce && !own_namespace.is_empty() && own_namespace != namespace {
            return Err(CtlError::message(format!(
                "the namespace from the provided object \"{own_namespace}\" does not match the namespace \"{namespace}\". You must pass '--namespace={own_namespace}' to perform this operation."
            )));
        }
        let namespace = if own_namespace.is_empty() { namespace.to_owned() } else { own_namespace };
        if let Some(metadata) = manifest.object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("namespace".to_owned(), Value::String(namespace.clone()));
        }
        Some(namespace)
    } else {
        None
    };
    let mut collection = if group.is_empty() { format!("/api/{version}") } else { format!("/apis/{group}/{version}") };
    if let Some(namespace) = &namespace {
        collection.push_str("/namespaces/");
        collection.push_str(namespace);
    }
    collection.push('/');
    collection.push_str(&resource.name);
    Ok(Mapped { resource, namespace, name, collection })
}

/// kubectl's AddSourceToErr: a server error names the file it came from
/// (`Error from server (AlreadyExists): error when creating "STDIN": ...`).
pub fn with_source(err: CtlError, verb: &str, source: &str) -> CtlError {
    match err.text.split_once("): ") {
        Some((head, message)) if head.starts_with("Error from server (") => {
            CtlError { text: format!("{head}): error when {verb} \"{source}\": {message}"), status: err.status }
        }
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn documents_lists_and_json() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n";
        let docs = parse_documents(yaml, "STDIN").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].object["metadata"]["name"], "b");
        let json = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}} {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}"#;
        assert_eq!(parse_documents(json, "f.json").unwrap()[1].object["kind"], "Namespace");
        assert!(parse_documents("metadata: {name: a}\n", "STDIN").unwrap_err().text.contains("failed to find kind"));
    }

    #[test]
    fn mapping_sets_the_namespace() {
        let mut d = Discovery::default();
        d.add(&json!({"groupVersion": "v1", "resources": [
            {"name": "configmaps", "singularName": "configmap", "namespaced": true, "kind": "ConfigMap", "verbs": ["get"]},
        ]}));
        let mut m = Manifest {
            source: "STDIN".into(),
            object: json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
        };
        let mapped = map_manifest(&d, &mut m, "default", false).unwrap();
        assert_eq!(mapped.path(), "/api/v1/namespaces/default/configmaps/a");
        assert_eq!(m.object["metadata"]["namespace"], "default");
        let mut other = m.clone();
        other.object["metadata"]["namespace"] = json!("x");
        assert!(map_manifest(&d, &mut other, "default", true).unwrap_err().text.contains("does not match"));
        let mut unknown = Manifest { source: "STDIN".into(), object: json!({"apiVersion": "v9", "kind": "Nope"}) };
        assert!(map_manifest(&d, &mut unknown, "default", false).unwrap_err().text.contains("no matches for kind"));
    }

    #[test]
    fn sources_go_into_server_errors() {
        let err = CtlError::message("x");
        assert_eq!(with_source(err.clone(), "creating", "STDIN"), err);
        let server =
            CtlError { text: "Error from server (AlreadyExists): configmaps \"a\" already exists".into(), ..err };
        assert_eq!(
            with_source(server, "creating", "STDIN").text,
            "Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"a\" already exists"
        );
    }
}
