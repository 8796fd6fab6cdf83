//! What a request asks for, parsed from method, path and query the way
//! kube-apiserver's RequestInfoFactory does: the verb, API group/version,
//! namespace, resource, name and subresource, plus the query options the
//! handlers honour.

use std::collections::HashMap;

use crate::error::ApiError;

/// The Kubernetes verb of a resource request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    List,
    Watch,
    Create,
    Update,
    Patch,
    Delete,
    DeleteCollection,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
        }
    }

    pub fn is_read(self) -> bool {
        matches!(self, Verb::Get | Verb::List | Verb::Watch)
    }
}

/// A request for a resource (as opposed to discovery or OpenAPI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRequest {
    pub verb: Verb,
    /// Empty for the core group (`/api/v1`).
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Everything the server answers, by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/api`
    CoreVersions,
    /// `/apis`
    Groups,
    /// `/apis/{group}`
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`
    ResourceList {
        group: String,
        version: String,
    },
    /// `/openapi/v2`
    OpenApiV2,
    /// `/openapi/v3`
    OpenApiV3Index,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`
    OpenApiV3 {
        group: String,
        version: String,
    },
    Resource(ResourceRequest),
}

/// Splits a path into segments, percent-decoding each.
fn segments(path: &str) -> Result<Vec<String>, ApiError> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let decoded: String = form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            if decoded == "." || decoded == ".." || decoded.contains('/') {
                return Err(ApiError::bad_request(format!("invalid path segment {s:?}")));
            }
            Ok(decoded)
        })
        .collect()
}

/// Parses method, path and the `watch` query flag into a route.
pub fn route(method: &http::Method, path: &str, watch_param: bool) -> Result<Route, ApiError> {
    let parts = segments(path)?;
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    match parts.as_slice() {
        ["api"] => return Ok(Route::CoreVersions),
        ["apis"] => return Ok(Route::Groups),
        ["apis", group] => return Ok(Route::Group((*group).to_owned())),
        ["api", version] => return Ok(Route::ResourceList { group: String::new(), version: (*version).to_owned() }),
        ["apis", group, version] => {
            return Ok(Route::ResourceList { group: (*group).to_owned(), version: (*version).to_owned() });
        }
        ["openapi", "v2"] => return Ok(Route::OpenApiV2),
        ["openapi", "v3"] => return Ok(Route::OpenApiV3Index),
        ["openapi", "v3", "api", version] => {
            return Ok(Route::OpenApiV3 { group: String::new(), version: (*version).to_owned() });
        }
        ["openapi", "v3", "apis", group, version] => {
            return Ok(Route::OpenApiV3 { group: (*group).to_owned(), version: (*version).to_owned() });
        }
        _ => {}
    }
    let (group, version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => (String::new(), (*version).to_owned(), rest),
        ["apis", group, version, rest @ ..] => ((*group).to_owned(), (*version).to_owned(), rest),
        _ => return Err(ApiError::no_such_resource()),
    };
    // The legacy `/watch/` prefix.
    let (legacy_watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    // `/namespaces/{ns}/{resource}/...`, except the namespace object's own
    // subresources `status` and `finalize` (`/namespaces/{ns}/status`).
    let (namespace, rest): (Option<String>, &[&str]) = match rest {
        ["namespaces", ns, resource, tail @ ..] if !matches!(*resource, "status" | "finalize") => {
            (Some((*ns).to_owned()), &rest[2..2 + 1 + tail.len()])
        }
        ["namespaces", ns, ..] => (Some((*ns).to_owned()), rest),
        rest => (None, rest),
    };
    let (resource, name, subresource) = match rest {
        [resource] => ((*resource).to_owned(), None, None),
        [resource, name] => ((*resource).to_owned(), Some((*name).to_owned()), None),
        [resource, name, sub] => ((*resource).to_owned(), Some((*name).to_owned()), Some((*sub).to_owned())),
        _ => return Err(ApiError::no_such_resource()),
    };
    let verb = match *method {
        http::Method::GET | http::Method::HEAD => {
            if legacy_watch || watch_param {
                Verb::Watch
            } else if name.is_some() {
                Verb::Get
            } else {
                Verb::List
            }
        }
        http::Method::POST => Verb::Create,
        http::Method::PUT => Verb::Update,
        http::Method::PATCH => Verb::Patch,
        http::Method::DELETE => {
            if name.is_some() {
                Verb::Delete
            } else {
                Verb::DeleteCollection
            }
        }
        _ => return Err(ApiError::not_acceptable(format!("method {method} is not supported"))),
    };
    // A namespace object addressed as /namespaces/{name}: the namespace of
    // the request is the object itself, as in kube.
    let namespace = if resource == "namespaces" { None } else { namespace };
    Ok(Route::Resource(ResourceRequest { verb, group, version, namespace, resource, name, subresource }))
}

/// `fieldValidation` of a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    /// kube-apiserver's default since 1.23 when the client says nothing.
    #[default]
    Warn,
    Strict,
}

/// How much of each object a Table row carries (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

/// The query options the handlers honour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryOptions {
    pub watch: bool,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub allow_watch_bookmarks: bool,
    pub send_initial_events: Option<bool>,
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    pub field_manager: Option<String>,
    pub force: bool,
    pub propagation_policy: Option<String>,
    pub include_object: IncludeObject,
    /// Not a query option: the request's User-Agent, whose prefix names the
    /// field manager of a write without `fieldManager`, as in kube.
    pub user_agent: Option<String>,
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(ApiError::bad_request(format!("invalid value {value:?} for {name}: use true or false"))),
    }
}

impl QueryOptions {
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let mut params: HashMap<String, String> = HashMap::new();
        for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            params.insert(k.into_owned(), v.into_owned());
        }
        let mut options = QueryOptions::default();
        for (key, value) in &params {
            match key.as_str() {
                "watch" => options.watch = parse_bool(key, value)?,
                "labelSelector" => options.label_selector = Some(value.clone()).filter(|v| !v.is_empty()),
                "fieldSelector" => options.field_selector = Some(value.clone()).filter(|v| !v.is_empty()),
                "limit" => {
                    let limit: i64 = value.parse().map_err(|_| {
                        ApiError::bad_request(format!("invalid value {value:?} for limit: use a non-negative integer"))
                    })?;
                    options.limit = usize::try_from(limit).ok().filter(|l| *l > 0);
                }
                "continue" => options.continue_token = Some(value.clone()).filter(|v| !v.is_empty()),
                "resourceVersion" => options.resource_version = Some(value.clone()).filter(|v| !v.is_empty()),
                "resourceVersionMatch" => {
                    options.resource_version_match = Some(value.clone()).filter(|v| !v.is_empty())
                }
                "timeoutSeconds" => {
                    options.timeout_seconds = Some(value.parse().map_err(|_| {
                        ApiError::bad_request(format!(
                            "invalid value {value:?} for timeoutSeconds: use a number of seconds"
                        ))
                    })?)
                }
                "allowWatchBookmarks" => options.allow_watch_bookmarks = parse_bool(key, value)?,
                "sendInitialEvents" => options.send_initial_events = Some(parse_bool(key, value)?),
                "dryRun" => {
                    options.dry_run = match value.as_str() {
                        "All" => true,
                        "" => false,
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "invalid dry run option {other:?}: the only valid value is \"All\""
                            )));
                        }
                    }
                }
                "fieldValidation" => {
                    options.field_validation = match value.as_str() {
                        "Strict" => FieldValidation::Strict,
                        "Warn" | "" => FieldValidation::Warn,
                        "Ignore" => FieldValidation::Ignore,
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "fieldValidation {other:?} is invalid: use one of Ignore, Warn, Strict"
                            )));
                        }
                    }
                }
                "fieldManager" => options.field_manager = Some(value.clone()).filter(|v| !v.is_empty()),
                "force" => options.force = parse_bool(key, value)?,
                "propagationPolicy" => options.propagation_policy = Some(value.clone()).filter(|v| !v.is_empty()),
                "includeObject" => {
                    options.include_object = match value.as_str() {
                        "None" => IncludeObject::None,
                        "Metadata" | "" => IncludeObject::Metadata,
                        "Object" => IncludeObject::Object,
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "includeObject {other:?} is invalid: use one of None, Metadata, Object"
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn resource(method: Method, path: &str) -> ResourceRequest {
        match route(&method, path, false).unwrap() {
            Route::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn discovery_and_openapi_routes() {
        assert_eq!(route(&Method::GET, "/api", false).unwrap(), Route::CoreVersions);
        assert_eq!(route(&Method::GET, "/apis/", false).unwrap(), Route::Groups);
        assert_eq!(route(&Method::GET, "/apis/apps", false).unwrap(), Route::Group("apps".into()));
        assert_eq!(
            route(&Method::GET, "/api/v1", false).unwrap(),
            Route::ResourceList { group: String::new(), version: "v1".into() }
        );
        assert_eq!(
            route(&Method::GET, "/openapi/v3/apis/app.rancherdesktop.io/v1alpha1", false).unwrap(),
            Route::OpenApiV3 { group: "app.rancherdesktop.io".into(), version: "v1alpha1".into() }
        );
    }

    #[test]
    fn namespaced_resources() {
        let r = resource(Method::GET, "/api/v1/namespaces/default/configmaps/x");
        assert_eq!(r.verb, Verb::Get);
        assert_eq!(r.namespace.as_deref(), Some("default"));
        assert_eq!(r.resource, "configmaps");
        assert_eq!(r.name.as_deref(), Some("x"));
        let r =
            resource(Method::PUT, "/apis/containers.rancherdesktop.io/v1alpha1/namespaces/rd/containers/abc/status");
        assert_eq!((r.verb, r.subresource.as_deref()), (Verb::Update, Some("status")));
        let r = resource(Method::DELETE, "/api/v1/namespaces/default/configmaps");
        assert_eq!(r.verb, Verb::DeleteCollection);
        let r = resource(Method::GET, "/api/v1/configmaps");
        assert_eq!((r.verb, r.namespace), (Verb::List, None));
    }

    #[test]
    fn namespace_objects_and_their_subresources() {
        let r = resource(Method::GET, "/api/v1/namespaces/foo");
        assert_eq!((r.resource.as_str(), r.name.as_deref(), r.namespace), ("namespaces", Some("foo"), None));
        let r = resource(Method::PUT, "/api/v1/namespaces/foo/finalize");
        assert_eq!((r.name.as_deref(), r.subresource.as_deref()), (Some("foo"), Some("finalize")));
        let r = resource(Method::GET, "/api/v1/namespaces");
        assert_eq!(r.verb, Verb::List);
    }

    #[test]
    fn watches() {
        assert_eq!(resource(Method::GET, "/api/v1/watch/namespaces/default/configmaps").verb, Verb::Watch);
        match route(&Method::GET, "/api/v1/namespaces/default/configmaps", true).unwrap() {
            Route::Resource(r) => assert_eq!(r.verb, Verb::Watch),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_paths() {
        assert_eq!(route(&Method::GET, "/foo", false).unwrap_err().code, 404);
        assert_eq!(route(&Method::GET, "/api/v1/a/b/c/d", false).unwrap_err().code, 404);
        assert_eq!(route(&Method::GET, "/api/v1/namespaces/default/configmaps/%2E%2E", false).unwrap_err().code, 400);
    }

    #[test]
    fn query_options() {
        let o =
            QueryOptions::parse(Some("labelSelector=a%3Db&limit=5&watch=1&dryRun=All&fieldValidation=Warn")).unwrap();
        assert_eq!(o.label_selector.as_deref(), Some("a=b"));
        assert_eq!(o.limit, Some(5));
        assert!(o.watch && o.dry_run);
        assert_eq!(o.field_validation, FieldValidation::Warn);
        assert_eq!(QueryOptions::parse(Some("limit=x")).unwrap_err().code, 400);
        assert_eq!(QueryOptions::parse(Some("dryRun=Some")).unwrap_err().code, 400);
        assert_eq!(QueryOptions::parse(None).unwrap(), QueryOptions::default());
    }
}
