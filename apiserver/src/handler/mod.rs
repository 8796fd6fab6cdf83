//! The Kubernetes API proper: routes a request to discovery, OpenAPI or a
//! resource verb, runs the verb against the registry and the store, and
//! renders the answer the way kube-apiserver does. The server shell
//! (`crate::server`) hands every authenticated request to
//! [`ControlPlane::handle`].

mod admission;
mod apply;
mod authz;
pub mod body;
mod delete;
mod lifecycle;
mod list_body;
pub mod object;
mod read;
pub mod response;
mod validate;
mod watch;
mod write;

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use tokio::sync::watch as signal;

use crate::discovery;
use crate::error::ApiError;
use crate::registry::{Registry, ResourceInfo};
use crate::request::{self, QueryOptions, ResourceRequest, Route, Verb};
use crate::storage::Store;
use response::{ResponseBody, error_response, json_response};

pub use lifecycle::BootstrapError;
// For the garbage collector (crate::gc), which deletes like a client does.
pub(crate) use delete::delete_object;

/// The control plane as the server shell's [`crate::server::ApiHandler`].
pub struct PlaneHandler(pub Arc<ControlPlane>);

impl crate::server::ApiHandler for PlaneHandler {
    fn handle(
        &self,
        caller: Caller,
        request: crate::server::ApiRequest,
    ) -> futures::future::BoxFuture<'static, Response<ResponseBody>> {
        let plane = self.0.clone();
        Box::pin(async move { plane.handle(&caller, request).await })
    }
}

/// Why the control plane could not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("opening the database {path}: {source}")]
    Store { path: String, source: crate::storage::StoreError },
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    #[error("opening the database {path}: the opening task failed: {source}")]
    Task { path: String, source: tokio::task::JoinError },
}

pub use crate::server::Caller;

/// The API server state shared by all requests.
pub struct ControlPlane {
    store: Store,
    registry: Registry,
    server_address: OnceLock<String>,
    /// Wakes the namespace and CRD finalizers after a relevant write.
    lifecycle_wake: tokio::sync::Notify,
    shutdown: signal::Sender<bool>,
}

impl ControlPlane {
    /// Loads the served CRDs from the store, installs rdd's own CRDs and
    /// the default namespaces, and starts the background finalizers.
    pub async fn start(store: Store) -> Result<Arc<ControlPlane>, BootstrapError> {
        let (shutdown, _) = signal::channel(false);
        let plane = Arc::new(ControlPlane {
            store,
            registry: Registry::new(),
            server_address: OnceLock::new(),
            lifecycle_wake: tokio::sync::Notify::new(),
            shutdown,
        });
        lifecycle::bootstrap(&plane).await?;
        lifecycle::spawn_finalizers(&plane);
        crate::gc::spawn(&plane, plane.shutdown.subscribe());
        Ok(plane)
    }

    /// Opens the store at `db` (off the async threads: it loads the whole
    /// state) and starts the control plane on it.
    pub async fn open(
        db: &std::path::Path,
        options: crate::storage::StoreOptions,
    ) -> Result<Arc<ControlPlane>, OpenError> {
        let path = db.to_owned();
        let store = tokio::task::spawn_blocking(move || Store::open(&path, options))
            .await
            .map_err(|source| OpenError::Task { path: db.display().to_string(), source })?
            .map_err(|source| OpenError::Store { path: db.display().to_string(), source })?;
        Ok(ControlPlane::start(store).await?)
    }

    /// `host:port` clients reach the server at (for `/api`).
    pub fn set_server_address(&self, address: String) {
        let _ = self.server_address.set(address);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The served resources (the garbage collector resolves owner kinds).
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Stops the background finalizers; the store is shut down by its owner.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Answers one authenticated request.
    pub async fn handle<B>(self: &Arc<Self>, caller: &Caller, request: Request<B>) -> Response<ResponseBody>
    where
        B: hyper::body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = match self.route(caller, request).await {
            Ok(response) => response,
            Err(err) => error_response(&err),
        };
        tracing::debug!(%method, %path, status = response.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request");
        response
    }

    async fn route<B>(
        self: &Arc<Self>,
        caller: &Caller,
        request: Request<B>,
    ) -> Result<Response<ResponseBody>, ApiError>
    where
        B: hyper::body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        let options = QueryOptions::parse(parts.uri.query())?;
        let route = request::route(&parts.method, parts.uri.path(), options.watch)?;
        let registry = self.registry.snapshot();
        let read_only_route = |value: Option<serde_json::Value>| -> Result<Response<ResponseBody>, ApiError> {
            if parts.method != Method::GET && parts.method != Method::HEAD {
                return Err(ApiError::not_acceptable(format!("method {} is not supported on this path", parts.method)));
            }
            value.map(|v| json_response(StatusCode::OK, &v)).ok_or_else(ApiError::no_such_resource)
        };
        // Aggregated discovery of `/api` and `/apis` when the Accept header asks for it.
        let accept = parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok());
        if matches!(route, Route::CoreVersions | Route::Groups)
            && let Some(version) = discovery::aggregated::negotiate(accept)
        {
            let document = if route == Route::CoreVersions {
                discovery::aggregated::core(&registry, version)
            } else {
                discovery::aggregated::groups(&registry, version)
            };
            return read_only_route(Some(document)).map(|response| discovery::aggregated::respond(response, version));
        }
        match route {
            Route::CoreVersions => {
                let address = self.server_address.get().map_or("127.0.0.1:6443", String::as_str);
                read_only_route(Some(discovery::core_versions(address)))
            }
            Route::Groups => read_only_route(Some(discovery::groups(&registry))),
            Route::Group(group) => read_only_route(discovery::group(&registry, &group)),
            Route::ResourceList { group, version } => {
                read_only_route(discovery::resource_list(&registry, &group, &version))
            }
            Route::OpenApiV2 | Route::OpenApiV3Index | Route::OpenApiV3 { .. } => {
                read_only_route(crate::openapi::document(&registry, &route))
            }
            Route::Resource(req) => {
                let info = registry
                    .lookup(&req.group, &req.version, &req.resource)
                    .cloned()
                    .ok_or_else(ApiError::no_such_resource)?;
                check_scope(&info, &req)?;
                authz::authorize(caller, &info, &req)?;
                self.resource(info, req, options, parts.headers, body).await
            }
        }
    }

    async fn resource<B>(
        self: &Arc<Self>,
        info: Arc<ResourceInfo>,
        req: ResourceRequest,
        options: QueryOptions,
        headers: http::HeaderMap,
        body: B,
    ) -> Result<Response<ResponseBody>, ApiError>
    where
        B: hyper::body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let accept = headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok());
        let rendering = body::negotiate(accept).ok_or_else(|| {
            ApiError::not_acceptable(
                "only the following media types are accepted: application/json, application/yaml, application/json;as=Table;g=meta.k8s.io;v=v1",
            )
        })?;
        let content_type = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // Writes without a fieldManager are owned by the client's name (server-side apply).
        let mut options = options;
        options.user_agent = headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let ctx = RequestContext { info, req, options, rendering };
        match ctx.req.verb {
            Verb::Get => read::get(self, &ctx),
            Verb::List => read::list(self, &ctx).await,
            Verb::Watch => watch::watch(self, &ctx),
            Verb::Create => {
                let bytes = body::read_body(body).await?;
                write::create(self, &ctx, &bytes, content_type.as_deref()).await
            }
            Verb::Update => {
                let bytes = body::read_body(body).await?;
                write::update(self, &ctx, &bytes, content_type.as_deref()).await
            }
            Verb::Patch => {
                let bytes = body::read_body(body).await?;
                write::patch(self, &ctx, &bytes, content_type.as_deref()).await
            }
            Verb::Delete => {
                let bytes = body::read_body(body).await?;
                delete::delete(self, &ctx, &bytes).await
            }
            Verb::DeleteCollection => {
                let bytes = body::read_body(body).await?;
                delete::delete_collection(self, &ctx, &bytes).await
            }
        }
    }
}

/// Everything a verb handler needs to know about the request.
pub(crate) struct RequestContext {
    pub info: Arc<ResourceInfo>,
    pub req: ResourceRequest,
    pub options: QueryOptions,
    pub rendering: body::Rendering,
}

impl RequestContext {
    pub fn name(&self) -> &str {
        self.req.name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.req.namespace.as_deref().filter(|_| self.info.namespaced)
    }

    pub fn key(&self) -> String {
        self.info.key(self.namespace(), self.name())
    }
}

/// Namespaced kinds need a namespace for a single object, cluster-scoped
/// kinds must not have one; subresources must exist. kube answers these
/// with 404 because no such route exists.
fn check_scope(info: &ResourceInfo, req: &ResourceRequest) -> Result<(), ApiError> {
    let single_object = !matches!(req.verb, Verb::List | Verb::Watch | Verb::DeleteCollection);
    if info.namespaced && req.namespace.is_none() && (single_object || req.verb == Verb::DeleteCollection) {
        return Err(ApiError::no_such_resource());
    }
    if !info.namespaced && req.namespace.is_some() && info.resource != "namespaces" {
        return Err(ApiError::no_such_resource());
    }
    if let Some(sub) = &req.subresource
        && !info.has_subresource(sub)
    {
        return Err(ApiError::no_such_resource());
    }
    if req.subresource.is_some() && !matches!(req.verb, Verb::Get | Verb::Update | Verb::Patch) {
        return Err(ApiError::method_not_supported(&info.group_resource(), req.verb.as_str()));
    }
    Ok(())
}
