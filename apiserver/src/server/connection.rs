//! Serving connections: TLS handshake, HTTP/1.1 or HTTP/2 (hyper-util's
//! auto builder; ALPN offers both), authentication and routing of each
//! request to the built-in endpoints or the API, and graceful shutdown.
//!
//! Shutdown stops accepting, tells every connection to finish (HTTP/2
//! GOAWAY, HTTP/1 close after the current response) and waits at most the
//! grace period: a watch streams until its client goes away, so after the
//! grace the remaining connections are dropped.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::auth::{Authentication, Tokens};
use super::health::{Builtin, Readiness};
use super::{ApiHandler, ResponseBody, json_status};
use crate::error::ApiError;

/// A client that has not finished its TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors), doubled
/// up to the cap while failures continue.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);
const ACCEPT_BACKOFF_CAP: Duration = Duration::from_secs(1);

/// What every connection shares.
pub(super) struct Shared {
    pub tokens: Tokens,
    pub readiness: Readiness,
    pub handler: Arc<dyn ApiHandler>,
}

/// Accepts connections until `shutdown` completes, then shuts down
/// gracefully within `grace`.
pub(super) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    backoff = ACCEPT_BACKOFF;
                    let watcher = graceful.watcher();
                    let acceptor = acceptor.clone();
                    let shared = shared.clone();
                    connections.spawn(async move {
                        let Some(tls) = handshake(&acceptor, stream, peer).await else { return };
                        let service = hyper::service::service_fn(move |request| {
                            let shared = shared.clone();
                            async move { Ok::<_, Infallible>(route(&shared, request, peer).await) }
                        });
                        let builder = auto::Builder::new(TokioExecutor::new());
                        let connection = builder.serve_connection(TokioIo::new(tls), service);
                        if let Err(err) = watcher.watch(connection).await {
                            tracing::debug!(%peer, error = %err, "connection ended with an error");
                        }
                    });
                }
                Err(err) => {
                    tracing::warn!(error = %err, retry_in = ?backoff, "accepting a connection failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_CAP);
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    shared.readiness.begin_shutdown();
    drop(listener);
    let open = connections.len();
    tracing::info!(connections = open, grace = ?grace, "shutting down the API server");
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::info!(connections = connections.len(), "closing connections still open after the grace period");
    }
    connections.shutdown().await;
}

async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    peer: std::net::SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let _ = stream.set_nodelay(true);
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(err)) => {
            tracing::debug!(%peer, error = %err, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            None
        }
    }
}

fn unauthorized() -> Response<ResponseBody> {
    let err = ApiError::unauthorized();
    json_status(StatusCode::UNAUTHORIZED, &err.to_status())
}

fn wants_verbose(query: Option<&str>) -> bool {
    query.is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(key, _)| key == "verbose"))
}

/// Authenticates a request and answers it. `peer` is logged with it: which
/// requests shared a connection is part of how fast a client is.
async fn route(shared: &Shared, request: Request<Incoming>, peer: std::net::SocketAddr) -> Response<ResponseBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let builtin = Builtin::route(&method, &path);
    let verbose = wants_verbose(request.uri().query());
    let (user, response) = match shared.tokens.authenticate(request.headers()) {
        Authentication::Rejected => (None, unauthorized()),
        Authentication::Anonymous => match builtin {
            Some(builtin) if builtin.is_public() => (None, builtin.respond(verbose, &shared.readiness)),
            _ => (None, unauthorized()),
        },
        Authentication::Authenticated(caller) => {
            let name = caller.name.clone();
            let response = match builtin {
                Some(builtin) => builtin.respond(verbose, &shared.readiness),
                None => match AssertUnwindSafe(shared.handler.handle(caller, request)).catch_unwind().await {
                    Ok(response) => response,
                    Err(_) => {
                        tracing::error!(%method, %path, "the API handler panicked");
                        let err = ApiError::internal("the request handler failed unexpectedly; see the service log");
                        json_status(StatusCode::INTERNAL_SERVER_ERROR, &err.to_status())
                    }
                },
            };
            (Some(name), response)
        }
    };
    tracing::debug!(
        %method,
        %path,
        %peer,
        user = user.as_deref().unwrap_or("system:anonymous"),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_is_a_query_key() {
        assert!(wants_verbose(Some("verbose")));
        assert!(wants_verbose(Some("exclude=x&verbose=1")));
        assert!(!wants_verbose(Some("verbosity=1")));
        assert!(!wants_verbose(None));
    }
}
