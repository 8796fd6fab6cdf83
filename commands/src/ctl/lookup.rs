//! Reading the arguments and named objects the way kubectl's resource
//! builder does for `get`, `describe`, `wait`, `delete`, `label` and
//! `annotate`: `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...` resolved to
//! resources and names and checked against the selectors given with them
//! (and the selectors turned into list queries), a NotFound in a
//! namespace that does not exist reported as the namespace's NotFound
//! (`namespaces "x" not found`), and names refused with
//! `--all-namespaces`.

use kube::Client;
use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::{CtlError, encode, get_json};
use super::discovery::{Discovery, resource_path};

/// kubectl's error when a verb that needs resources is given none.
const NO_RESOURCES: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// One resource and, optionally, names of it, as the arguments give them.
/// Without names, every object of the resource the selectors match.
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

/// How a verb's flags pick objects besides its arguments, in the terms of
/// cli-runtime's resource builder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Picking {
    /// A selector is set: a non-blank `-l` or `--field-selector` (see
    /// [`given`]), or `delete --all` (the builder's `SelectAllParam`).
    pub by_selector: bool,
    /// A lone `TYPE` stands for all its objects: always for `get` and
    /// `describe`, with `--all` for `label`, `annotate` and `wait` (the
    /// builder's `allowEmptySelector`).
    pub type_alone_lists: bool,
}

impl Picking {
    /// The common case: a non-blank `-l` or `--field-selector` selects;
    /// `type_alone_lists` as the verb says.
    pub fn by_flags(label: Option<&str>, field: Option<&str>, type_alone_lists: bool) -> Picking {
        Picking { by_selector: given(label).is_some() || given(field).is_some(), type_alone_lists }
    }
}

/// A `-l` or `--field-selector` value as the builder takes it: trimmed,
/// and a blank one is none.
pub fn given(selector: Option<&str>) -> Option<&str> {
    selector.map(str::trim).filter(|s| !s.is_empty())
}

/// The query parameters of a list narrowed by the selectors given.
pub fn selector_params(label: Option<&str>, field: Option<&str>) -> Vec<String> {
    let mut params = Vec::new();
    if let Some(selector) = given(label) {
        params.push(format!("labelSelector={}", encode(selector)));
    }
    if let Some(selector) = given(field) {
        params.push(format!("fieldSelector={}", encode(selector)));
    }
    params
}

/// `path` with `params` as its query.
pub fn with_query(path: String, params: &[String]) -> String {
    if params.is_empty() { path } else { format!("{path}?{}", params.join("&")) }
}

/// `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`, resolved the way
/// cli-runtime's `ResourceTypeOrNameArgs` reads them and its builder
/// checks them: types are split at commas with repeats dropped; several
/// types with names stand for every `TYPE/NAME` pair; once any argument is
/// `TYPE/NAME` all must be, each with one type and a name. Names are
/// refused with a selector; a lone type without one only where `picking`
/// lets it list. The arguments' form is checked before any type is
/// resolved, as kubectl does. Verbs that refuse no arguments with their
/// own words (`get`, `describe`, `label`) check that first.
pub fn requests<'a>(
    discovery: &'a Discovery,
    args: &[String],
    grouping: Grouping,
    picking: Picking,
) -> Result<Vec<Request<'a>>, CtlError> {
    let Some(first) = args.first() else {
        return Err(CtlError::message(if picking.by_selector {
            "at least one resource must be specified to use a selector"
        } else {
            NO_RESOURCES
        }));
    };
    let types = split_types(first);
    // normalizeMultipleResourcesArgs: `a,b x y` is `a/x a/y b/x b/y`.
    let args: Vec<String> = if args.len() >= 2 && types.len() > 1 {
        types.iter().flat_map(|t| args[1..].iter().map(move |name| format!("{t}/{name}"))).collect()
    } else {
        args.to_vec()
    };
    let with_slash = args.iter().filter(|a| a.contains('/')).count();
    if with_slash == 0 {
        let names = &args[1..];
        if picking.by_selector && !names.is_empty() {
            return Err(CtlError::message("name cannot be provided when a selector is specified"));
        }
        let requests = types
            .into_iter()
            .map(|typed| Ok(Request { resource: discovery.resolve(typed)?, names: names.to_vec() }))
            .collect::<Result<Vec<_>, CtlError>>()?;
        if names.is_empty() && !picking.by_selector && !picking.type_alone_lists {
            return Err(CtlError::message("resource(s) were provided, but no name was specified"));
        }
        return Ok(requests);
    }
    if with_slash != args.len() {
        return Err(CtlError::message(
            "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
        ));
    }
    let pairs = args.iter().map(|arg| split_type_name(arg)).collect::<Result<Vec<_>, _>>()?;
    if picking.by_selector {
        return Err(CtlError::message(
            "selectors and the all flag cannot be used when passing resource/name arguments",
        ));
    }
    let mut out: Vec<Request<'a>> = Vec::new();
    for (typed, name) in pairs {
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

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::discovery::test_discovery as discovery;

    const BY_NAME: Picking = Picking { by_selector: false, type_alone_lists: false };
    const SELECTOR: Picking = Picking { by_selector: true, type_alone_lists: false };

    /// `resource/name` for each name asked for, `resource` for each list.
    fn read(args: &[&str], picking: Picking) -> Result<Vec<String>, String> {
        let d = discovery();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let requests = requests(&d, &args, Grouping::PerArgument, picking).map_err(|err| err.text)?;
        Ok(requests
            .iter()
            .flat_map(|r| match r.names.as_slice() {
                [] => vec![r.resource.name.clone()],
                names => names.iter().map(|n| format!("{}/{n}", r.resource.name)).collect(),
            })
            .collect())
    }

    #[test]
    fn args_name_objects_like_the_builder() {
        assert_eq!(read(&["cm", "a", "b"], BY_NAME).unwrap(), ["configmaps/a", "configmaps/b"]);
        assert_eq!(read(&["cm/a", "ns/x"], BY_NAME).unwrap(), ["configmaps/a", "namespaces/x"]);
        assert_eq!(read(&["cm,ns", "a"], BY_NAME).unwrap(), ["configmaps/a", "namespaces/a"]);
        assert_eq!(read(&["cm"], BY_NAME).unwrap_err(), "error: resource(s) were provided, but no name was specified");
        assert!(read(&["cm", "ns/x"], BY_NAME).unwrap_err().starts_with("error: there is no need to specify"));
        assert!(read(&[], BY_NAME).unwrap_err().starts_with("error: You must provide"));
        let all_of_type = Picking { by_selector: false, type_alone_lists: true };
        assert_eq!(read(&["cm,ns"], all_of_type).unwrap(), ["configmaps", "namespaces"]);
    }

    #[test]
    fn names_are_refused_with_a_selector_before_types_are_resolved() {
        assert_eq!(read(&["cm,ns"], SELECTOR).unwrap(), ["configmaps", "namespaces"]);
        let names = "error: name cannot be provided when a selector is specified";
        assert_eq!(read(&["cm", "a"], SELECTOR).unwrap_err(), names);
        assert_eq!(read(&["nosuch", "a"], SELECTOR).unwrap_err(), names);
        let pairs = "error: selectors and the all flag cannot be used when passing resource/name arguments";
        assert_eq!(read(&["cm/a"], SELECTOR).unwrap_err(), pairs);
        assert_eq!(read(&["nosuch/a"], SELECTOR).unwrap_err(), pairs);
        // Several types with names are pairs.
        assert_eq!(read(&["cm,ns", "a"], SELECTOR).unwrap_err(), pairs);
        // The form of the arguments is checked first.
        assert!(read(&["cm/a/b"], SELECTOR).unwrap_err().contains("more than one slash"));
        assert_eq!(
            read(&[], SELECTOR).unwrap_err(),
            "error: at least one resource must be specified to use a selector"
        );
    }

    #[test]
    fn blank_selectors_are_none() {
        assert_eq!(given(Some(" a=b ")), Some("a=b"));
        assert_eq!(given(Some(" ")), None);
        assert_eq!(given(Some("")), None);
        assert!(selector_params(Some(""), Some(" ")).is_empty());
        assert_eq!(
            selector_params(Some("a=b"), Some("metadata.name=x")),
            ["labelSelector=a%3Db", "fieldSelector=metadata.name%3Dx"]
        );
        assert_eq!(with_query("/p".to_owned(), &[]), "/p");
    }
}
