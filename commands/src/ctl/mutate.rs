//! What the writing verbs (`patch`, `delete`, `label`, `annotate`,
//! `create`, `apply`) share: picking their objects the way kubectl's
//! resource builder does (`TYPE NAME...`, `TYPE/NAME...`, `-l`, `--all`,
//! `-A`), sending bodies, `--dry-run`, the `name operation` lines and
//! kubectl's way of reporting several errors at the end.

use std::io::Write;

use http::Method;
use kube::Client;
use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::CtlError;
use super::discovery::{Discovery, resource_path};
use super::get::print_generic;
use super::lookup::{Grouping, Picking, requests, selector_params, with_query};
use super::name_lines;

/// `--dry-run`: kubectl's three strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

impl DryRun {
    /// The value of `--dry-run`. A bare `--dry-run` (given as `unchanged`)
    /// and the old booleans still work, with kubectl's deprecation warning.
    pub fn parse(value: Option<&str>) -> Result<DryRun, CtlError> {
        match value {
            None | Some("none") => Ok(DryRun::None),
            Some("unchanged" | "true") => {
                eprintln!("Warning: --dry-run is deprecated and can be replaced with --dry-run=client.");
                Ok(DryRun::Client)
            }
            Some("false") => {
                eprintln!(
                    "Warning: --dry-run=false is deprecated (boolean value) and can be replaced with --dry-run=none."
                );
                Ok(DryRun::None)
            }
            Some("client") => Ok(DryRun::Client),
            Some("server") => Ok(DryRun::Server),
            Some(other) => Err(CtlError::message(format!(
                "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
            ))),
        }
    }

    /// The operation word as kubectl's printers decorate it.
    pub fn decorate(self, operation: &str) -> String {
        match self {
            DryRun::None => operation.to_owned(),
            DryRun::Client => format!("{operation} (dry run)"),
            DryRun::Server => format!("{operation} (server dry run)"),
        }
    }
}

/// The query string of a write: `dryRun=All` for a server dry run, the
/// field manager kubectl names itself with, and `fieldValidation`.
pub fn write_query(dry_run: DryRun, field_manager: Option<&str>, validate: bool) -> String {
    let mut params = Vec::new();
    if dry_run == DryRun::Server {
        params.push("dryRun=All".to_owned());
    }
    if let Some(manager) = field_manager {
        params.push(format!("fieldManager={manager}"));
    }
    if validate {
        params.push("fieldValidation=Strict".to_owned());
    }
    if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) }
}

/// Sends `body` (of `content_type`) with `method` to `path`; the answer as JSON.
pub async fn send(
    client: &Client,
    method: Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Value, CtlError> {
    let request = http::Request::builder()
        .method(method.clone())
        .uri(path)
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body)
        .map_err(|err| CtlError::message(format!("building the {method} request for {path}: {err}")))?;
    client.request::<Value>(request).await.map_err(api_error)
}

/// POSTs `object` to `collection` as `field_manager`, strictly validated;
/// under `--dry-run=client` nothing is sent and `object` is the answer. A
/// server error names the manifest's `source` as kubectl does (`error when
/// creating "FILE": ...`).
pub async fn create_object(
    client: &Client,
    dry_run: DryRun,
    collection: &str,
    field_manager: &str,
    object: Value,
    source: &str,
) -> Result<Value, CtlError> {
    if dry_run == DryRun::Client {
        return Ok(object);
    }
    let path = format!("{collection}{}", write_query(dry_run, Some(field_manager), true));
    let body = serde_json::to_vec(&object).unwrap_or_default();
    send(client, Method::POST, &path, "application/json", body)
        .await
        .map_err(|err| super::manifest::with_source(err, "creating", source))
}

/// A server error as kubectl's CheckErr prints it: `Invalid` answers as
/// `The Kind "name" is invalid: field: message` (one cause) or a `* `
/// list of causes; every other one as `Error from server (Reason): ...`.
pub fn api_error(err: kube::Error) -> CtlError {
    let kube::Error::Api(status) = &err else { return CtlError::from_kube(err) };
    let Some(details) = status.details.as_ref().filter(|_| status.reason == "Invalid") else {
        return CtlError::from_kube(err);
    };
    let head = if !details.kind.is_empty() || !details.name.is_empty() {
        format!("The {} {:?} is invalid", details.kind, details.name)
    } else if !details.group.is_empty() {
        format!("The {} {:?} is invalid", details.group, details.name)
    } else {
        "The request is invalid".to_owned()
    };
    let mut causes: Vec<String> = Vec::new();
    for cause in &details.causes {
        let line = format!("{}: {}", cause.field, cause.message);
        if !causes.contains(&line) {
            causes.push(line);
        }
    }
    let text = match causes.as_slice() {
        [] => head,
        [one] => format!("{head}: {one}"),
        many => format!("{head}: \n{}", many.iter().map(|c| format!("* {c}")).collect::<Vec<_>>().join("\n")),
    };
    CtlError { text, status: crate::ExitStatus::Failure }
}

/// Which objects a verb acts on, as typed on its command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub args: Vec<String>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub selector: Option<String>,
    pub field_selector: Option<String>,
    pub all: bool,
}

/// Whether a selector flag was typed at all, as kubectl's `len(s) > 0`.
fn typed(selector: &Option<String>) -> bool {
    selector.as_deref().is_some_and(|s| !s.is_empty())
}

/// One object a verb acts on; `object` is its current state when fetched.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub resource: &'a ApiResource,
    pub namespace: Option<String>,
    pub name: String,
    pub object: Option<Value>,
}

impl Target<'_> {
    pub fn path(&self) -> String {
        resource_path(self.resource, self.namespace.as_deref(), Some(&self.name))
    }
}

impl Selection {
    /// kubectl's Validate of `delete`, `label` and `annotate`: `--all`
    /// beside any selector typed, even a blank one.
    pub fn refuse_all_with_selectors(&self) -> Result<(), CtlError> {
        if self.all && typed(&self.selector) {
            return Err(CtlError::message("cannot set --all and --selector at the same time"));
        }
        if self.all && typed(&self.field_selector) {
            return Err(CtlError::message("cannot set --all and --field-selector at the same time"));
        }
        Ok(())
    }

    /// Whether `--all`, `-l` or `--field-selector` was typed (kubectl's
    /// test for `delete`'s `--ignore-not-found` default).
    pub fn selects(&self) -> bool {
        self.all || typed(&self.selector) || typed(&self.field_selector)
    }

    /// These flags in the builder's terms. `all_selects`: `--all` is a
    /// selector (`delete`, the builder's `SelectAllParam`) rather than
    /// what lets a lone type stand for all its objects (`label`,
    /// `annotate`: `allowEmptySelector`).
    pub fn picking(&self, all_selects: bool) -> Picking {
        let mut picking =
            Picking::by_flags(self.selector.as_deref(), self.field_selector.as_deref(), self.all && !all_selects);
        picking.by_selector |= self.all && all_selects;
        picking
    }
}

/// The objects `selection` names, its flags read as `picking` says.
/// Named objects are fetched when `fetch` (their errors, such as
/// NotFound, are collected rather than returned, as kubectl continues
/// with the others); selected ones are listed.
pub async fn select<'a>(
    client: &Client,
    discovery: &'a Discovery,
    selection: &Selection,
    picking: Picking,
    fetch: bool,
) -> Result<(Vec<Target<'a>>, Vec<CtlError>), CtlError> {
    let namespace_of = |r: &ApiResource| r.namespaced.then(|| selection.namespace.clone());
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    for request in requests(discovery, &selection.args, Grouping::PerArgument, picking)? {
        let resource = request.resource;
        for name in request.names.iter().cloned() {
            let mut target = Target { resource, namespace: namespace_of(resource), name, object: None };
            if fetch {
                match super::client::get_json(client, &target.path()).await {
                    Ok(object) => target.object = Some(object),
                    Err(err) => {
                        errors.push(err);
                        continue;
                    }
                }
            }
            targets.push(target);
        }
        if !request.names.is_empty() {
            continue;
        }
        let namespace = if selection.all_namespaces { None } else { namespace_of(resource) };
        let params = selector_params(selection.selector.as_deref(), selection.field_selector.as_deref());
        let list =
            super::client::get_json(client, &with_query(resource_path(resource, namespace.as_deref(), None), &params))
                .await?;
        let api_version = list.get("apiVersion").cloned().unwrap_or(Value::Null);
        for mut item in list.get("items").and_then(Value::as_array).cloned().unwrap_or_default() {
            if let Some(object) = item.as_object_mut() {
                object.entry("apiVersion").or_insert(api_version.clone());
                object.entry("kind").or_insert(Value::String(resource.kind.clone()));
            }
            let name = item.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let namespace = item.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_owned);
            targets.push(Target { resource, namespace, name, object: Some(item) });
        }
    }
    Ok((targets, errors))
}

/// What a verb prints for one object: `kind.group/name OPERATION` by
/// default, or the object in the `-o` format.
pub fn print_object(object: &Value, output: Option<&str>, operation: &str) -> Result<String, CtlError> {
    match output {
        None | Some("") => name_lines(object, Some(operation)).map_err(|err| CtlError::message(err.to_string())),
        Some(output) => print_generic(object.clone(), output, false),
    }
}

/// Prints the objects of one command to stdout; YAML documents after the
/// first are preceded by `---`, as kubectl's YAML printer does.
#[derive(Debug, Clone, Default)]
pub struct Printer {
    output: Option<String>,
    printed: usize,
}

impl Printer {
    pub fn new(output: Option<&str>) -> Printer {
        Printer { output: output.map(str::to_owned), printed: 0 }
    }

    /// Prints `text` (one object already formatted by the caller).
    pub fn write(&mut self, text: &str) -> Result<(), CtlError> {
        self.printed += 1;
        if self.printed > 1 && self.output.as_deref() == Some("yaml") {
            write_out("---\n")?;
        }
        write_out(text)
    }

    /// Prints one object with [`print_object`].
    pub fn print(&mut self, object: &Value, operation: &str) -> Result<(), CtlError> {
        let text = print_object(object, self.output.as_deref(), operation)?;
        self.write(&text)
    }
}

/// `kind[.group]/name OPERATION`, from the resource rather than an object.
pub fn name_line(resource: &ApiResource, name: &str, operation: &str) -> String {
    let kind = resource.kind.to_lowercase();
    let kind = if resource.group.is_empty() { kind } else { format!("{kind}.{}", resource.group) };
    if operation.is_empty() { format!("{kind}/{name}\n") } else { format!("{kind}/{name} {operation}\n") }
}

/// Writes to stdout; a closed pipe is not an error.
pub fn write_out(text: &str) -> Result<(), CtlError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CtlError::message(format!("writing to stdout: {err}"))),
    }
}

/// The errors a verb collected, reported as kubectl's CheckErr does: one
/// error as itself; several one per line, `error: ` prefixes dropped
/// (kubectl prints an aggregate's plain errors bare).
pub fn report(mut errors: Vec<CtlError>) -> Result<(), CtlError> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => {
            let status = errors.iter().map(|e| e.status).next_back().unwrap_or(crate::ExitStatus::Failure);
            let lines: Vec<&str> = errors.iter().map(|e| e.text.strip_prefix("error: ").unwrap_or(&e.text)).collect();
            Err(CtlError { text: lines.join("\n"), status })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_values_and_decoration() {
        assert_eq!(DryRun::parse(Some("server")).unwrap(), DryRun::Server);
        assert_eq!(DryRun::parse(Some("unchanged")).unwrap(), DryRun::Client);
        assert_eq!(
            DryRun::parse(Some("x")).unwrap_err().text,
            "error: Invalid dry-run value (x). Must be \"none\", \"server\", or \"client\"."
        );
        assert_eq!(DryRun::Server.decorate("patched"), "patched (server dry run)");
        assert_eq!(write_query(DryRun::Server, Some("kubectl-patch"), false), "?dryRun=All&fieldManager=kubectl-patch");
    }

    #[test]
    fn several_errors_print_bare() {
        let errors = vec![CtlError::message("a"), CtlError::message("b")];
        assert_eq!(report(errors).unwrap_err().text, "a\nb");
        assert_eq!(report(vec![CtlError::message("a")]).unwrap_err().text, "error: a");
    }
}
