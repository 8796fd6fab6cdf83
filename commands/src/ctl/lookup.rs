//! Reading the arguments and named objects the way kubectl's resource
//! builder does for `get`, `describe`, `wait`, `delete`, `label` and
//! `annotate`: `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...` resolved to
//! resources and names, a NotFound in a namespace that does not exist
//! reported as the namespace's NotFound (`namespaces "x" not found`), and
//! names refused with `--all-namespaces`.

use kube::Client;
use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::{CtlError, get_json};
use super::discovery::{Discovery, resource_path};

/// kubectl's error when a verb that needs resources is given none.
pub const NO_RESOURCES: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// One resource and, optionally, names of it, as the arguments give them.
pub struct Request<'a> {
    pub resource: &'a ApiResource,
    pub names: Vec<String>,
}

/// How `TYPE/NAME` arguments of one resource are grouped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One request per resource, names in argument order (`get`: one table per kind).
    ByResource,
    /// One request per argument, in argument order (`describe`).
    PerArgument,
}

/// `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`, resolved the way
/// cli-runtime's `ResourceTypeOrNameArgs` reads them: types are split at
/// commas with repeats dropped; several types with names stand for every
/// `TYPE/NAME` pair; once any argument is `TYPE/NAME` all must be, each
/// with one type and a name. `missing` is the verb's error when no
/// argument is given.
pub fn requests<'a>(
    discovery: &'a Discovery,
    args: &[String],
    missing: &str,
    grouping: Grouping,
) -> Result<Vec<Request<'a>>, CtlError> {
    let Some(first) = args.first() else { return Err(CtlError::message(missing)) };
    let types = split_types(first);
    // normalizeMultipleResourcesArgs: `a,b x y` is `a/x a/y b/x b/y`.
    let args: Vec<String> = if args.len() >= 2 && types.len() > 1 {
        types.iter().flat_map(|t| args[1..].iter().map(move |name| format!("{t}/{name}"))).collect()
    } else {
        args.to_vec()
    };
    let with_slash = args.iter().filter(|a| a.contains('/')).count();
    if with_slash == 0 {
        return split_types(&args[0])
            .into_iter()
            .map(|typed| Ok(Request { resource: discovery.resolve(typed)?, names: args[1..].to_vec() }))
            .collect();
    }
    if with_slash != args.len() {
        return Err(CtlError::message(
            "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
        ));
    }
    let mut out: Vec<Request<'a>> = Vec::new();
    for arg in &args {
        let (typed, name) = split_type_name(arg)?;
        let resource = discovery.resolve(typed)?;
        match out.iter_mut().find(|r| grouping == Grouping::ByResource && std::ptr::eq(r.resource, resource)) {
            Some(request) => request.names.push(name.to_owned()),
            None => out.push(Request { resource, names: vec![name.to_owned()] }),
        }
    }
    Ok(out)
}

/// cli-runtime's `SplitResourceArgument`: comma-separated, repeats dropped
/// (empty entries are kept; resolving one fails as kubectl's does).
pub fn split_types(arg: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for typed in arg.split(',') {
        if !out.contains(&typed) {
            out.push(typed);
        }
    }
    out
}

/// cli-runtime's `splitResourceTypeName` for an argument with a slash.
fn split_type_name(arg: &str) -> Result<(&str, &str), CtlError> {
    let parts: Vec<&str> = arg.split('/').collect();
    let [typed, name] = parts[..] else {
        return Err(CtlError::message("arguments in resource/name form may not have more than one slash"));
    };
    if typed.is_empty() || name.is_empty() || split_types(typed).len() != 1 {
        return Err(CtlError::message("arguments in resource/name form must have a single resource and name"));
    }
    Ok((typed, name))
}

/// kubectl's refusal of `-A` with names.
pub fn names_across_namespaces() -> CtlError {
    CtlError::message("a resource cannot be retrieved by name across all namespaces")
}

/// GET of `name` in `namespace`, with kubectl's namespace check on NotFound.
pub async fn get_named(client: &Client, r: &ApiResource, namespace: &str, name: &str) -> Result<Value, CtlError> {
    match get_json(client, &resource_path(r, Some(namespace), Some(name))).await {
        Err(err) => Err(explain_not_found(client, r, Some(namespace), err).await),
        ok => ok,
    }
}

/// kubectl's namespace check: a NotFound of a namespaced object in a
/// namespace that does not exist becomes the namespace's NotFound; any
/// other error is kept as it is.
pub async fn explain_not_found(client: &Client, r: &ApiResource, namespace: Option<&str>, err: CtlError) -> CtlError {
    let Some(namespace) = namespace.filter(|_| err.is_not_found() && r.namespaced) else { return err };
    match get_json(client, &format!("/api/v1/namespaces/{namespace}")).await {
        Err(namespace_err) if namespace_err.is_not_found() => namespace_err,
        _ => err,
    }
}
