//! The server shell of `rdd svc serve` (SPEC §3.2): the listening socket,
//! TLS, the per-start bearer tokens and the kubeconfig that carries them,
//! authentication, the health and version endpoints, and graceful
//! shutdown. Everything else a request asks for is the API's business: the
//! shell hands it, with the authenticated [`Caller`], to an [`ApiHandler`].
//!
//! Use: [`Server::bind`] (makes or reuses the certificate, binds, writes
//! the kubeconfig), then [`Server::serve`] until a shutdown future
//! completes; mark the service ready through [`Server::readiness`] once
//! everything behind the API has started.

pub mod auth;
mod connection;
pub mod files;
pub mod health;
pub mod kubeconfig;
pub mod listen;
pub mod pidfile;
pub mod tls;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub use auth::{Caller, Tokens};
pub use health::Readiness;
pub use listen::PortChoice;
pub use pidfile::{PidFile, PidFileError, PidState};

/// The body type of every response.
pub type ResponseBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// A whole body from bytes.
pub fn full_body(bytes: impl Into<Bytes>) -> ResponseBody {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// A JSON response (a `metav1.Status` or any other value).
pub fn json_status(status: StatusCode, value: &serde_json::Value) -> Response<ResponseBody> {
    // Serializing a Value cannot fail: its keys are strings.
    let mut response = Response::new(full_body(serde_json::to_vec(value).unwrap_or_default()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A request as the shell hands it to the API.
pub type ApiRequest = http::Request<hyper::body::Incoming>;

/// The API behind the shell: answers every authenticated request that is
/// not a health or version request.
pub trait ApiHandler: Send + Sync + 'static {
    fn handle(&self, caller: Caller, request: ApiRequest) -> BoxFuture<'static, Response<ResponseBody>>;
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    Listen(#[from] listen::ListenError),
    #[error(transparent)]
    Kubeconfig(#[from] kubeconfig::KubeconfigError),
    #[error("making the bearer tokens failed: {0}")]
    Random(#[from] auth::RandomError),
    #[error("a start-up task of the API server failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Where the shell keeps its files and how it listens.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Certificate directory (`tls_dir`).
    pub tls_dir: PathBuf,
    /// Kubeconfig to write (`config`).
    pub kubeconfig: PathBuf,
    /// Address to listen on; loopback unless explicitly asked otherwise.
    pub ip: IpAddr,
    pub port: PortChoice,
    /// How long shutdown waits for open requests (watches) to finish.
    pub shutdown_grace: Duration,
}

impl ServerOptions {
    /// Loopback on `preferred_port` (or a free one), 2 s shutdown grace.
    pub fn new(tls_dir: PathBuf, kubeconfig: PathBuf, preferred_port: u16) -> Self {
        ServerOptions {
            tls_dir,
            kubeconfig,
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: PortChoice::Preferred(preferred_port),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// A bound, not yet serving, API server.
pub struct Server {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tokens: Tokens,
    readiness: Readiness,
    local_addr: SocketAddr,
    url: String,
    grace: Duration,
}

impl Server {
    /// Makes or reuses the certificate, binds the socket, makes new tokens
    /// and writes the kubeconfig pointing at the bound address. Clients
    /// may connect from here on; `/readyz` fails until
    /// [`Readiness::set_ready`].
    pub async fn bind(options: ServerOptions) -> Result<Server, ServerError> {
        // The bound address is a name of the certificate too (unless it is
        // a wildcard, reached through loopback), or clients using the
        // kubeconfig's URL could not verify the server.
        let extra_ip = Some(options.ip);
        let tls_dir = options.tls_dir.clone();
        let material = tokio::task::spawn_blocking(move || tls::load_or_create(&tls_dir, extra_ip)).await??;
        let listener = listen::bind(options.ip, options.port).await?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| listen::ListenError::Bind { addr: SocketAddr::new(options.ip, 0), source })?;
        let tokens = Tokens::generate()?;
        let url = kubeconfig::server_url(local_addr);
        let (path, server, ca, written_tokens) =
            (options.kubeconfig.clone(), url.clone(), material.ca_pem, tokens.clone());
        tokio::task::spawn_blocking(move || kubeconfig::write(&path, &server, &ca, &written_tokens)).await??;
        tracing::info!(
            address = %local_addr,
            kubeconfig = %options.kubeconfig.display(),
            certificate_reused = material.reused,
            "API server listening"
        );
        Ok(Server {
            listener,
            acceptor: TlsAcceptor::from(material.server_config),
            tokens,
            readiness: Readiness::default(),
            local_addr,
            url,
            grace: options.shutdown_grace,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `https://127.0.0.1:PORT`, as written into the kubeconfig.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The handle that makes `/readyz` answer 200.
    pub fn readiness(&self) -> Readiness {
        self.readiness.clone()
    }

    /// Serves until `shutdown` completes, then shuts down gracefully
    /// (`/readyz` fails from that moment).
    pub async fn serve(self, handler: Arc<dyn ApiHandler>, shutdown: impl Future<Output = ()>) {
        let shared = Arc::new(connection::Shared { tokens: self.tokens, readiness: self.readiness, handler });
        connection::serve(self.listener, self.acceptor, shared, shutdown, self.grace).await;
    }
}
