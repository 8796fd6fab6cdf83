//! The server shell end to end: a real listener with TLS, driven by
//! kube-rs from the kubeconfig the shell writes, with a test API handler
//! that reports who called it.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use rdd_apiserver::server::{ApiHandler, Caller, PortChoice, ResponseBody, Server, ServerOptions, json_status};
use tokio::sync::oneshot;

/// Answers with the caller; `/stream` never ends its body, like a watch.
struct EchoCaller;

impl ApiHandler for EchoCaller {
    fn handle(
        &self,
        caller: Caller,
        request: Request<hyper::body::Incoming>,
    ) -> BoxFuture<'static, Response<ResponseBody>> {
        let path = request.uri().path().to_owned();
        Box::pin(async move {
            if path == "/stream" {
                let (tx, rx) = futures::channel::mpsc::unbounded::<Result<hyper::body::Frame<Bytes>, std::io::Error>>();
                tx.unbounded_send(Ok(hyper::body::Frame::data(Bytes::from_static(b"{}\n")))).unwrap();
                // Keep the sender alive forever: the body never ends.
                std::mem::forget(tx);
                return Response::new(http_body_util::StreamBody::new(rx).boxed());
            }
            let value = serde_json::json!({ "name": caller.name, "readOnly": caller.read_only, "path": path });
            json_status(StatusCode::OK, &value)
        })
    }
}

struct Running {
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
    tls_dir: std::path::PathBuf,
    server_url: String,
    readiness: rdd_apiserver::server::Readiness,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

fn options(dir: &Path, port: PortChoice) -> ServerOptions {
    let mut options = ServerOptions::new(dir.join("tls"), dir.join("config.yaml"), 0);
    options.port = port;
    options.shutdown_grace = Duration::from_millis(300);
    options
}

async fn start_in(dir: tempfile::TempDir, port: PortChoice) -> Running {
    let options = options(dir.path(), port);
    let server = Server::bind(options.clone()).await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let readiness = server.readiness();
    let server_url = server.url().to_owned();
    let task = tokio::spawn(server.serve(Arc::new(EchoCaller), async move {
        let _ = stopped.await;
    }));
    Running {
        kubeconfig: options.kubeconfig,
        tls_dir: options.tls_dir,
        _dir: dir,
        server_url,
        readiness,
        stop: Some(stop),
        task,
    }
}

async fn start() -> Running {
    start_in(tempfile::tempdir().unwrap(), PortChoice::Preferred(0)).await
}

impl Running {
    /// Stops the server; returns its directory for a restart.
    async fn stop(mut self) -> tempfile::TempDir {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap();
        self._dir
    }
}

async fn client(kubeconfig: &Path, context: &str, token: Option<Option<&str>>) -> kube::Client {
    let options = KubeConfigOptions { context: Some(context.to_owned()), ..KubeConfigOptions::default() };
    let mut config =
        kube::Config::from_custom_kubeconfig(Kubeconfig::read_from(kubeconfig).unwrap(), &options).await.unwrap();
    if let Some(token) = token {
        config.auth_info.token = token.map(|t| t.to_owned().into());
    }
    kube::Client::try_from(config).unwrap()
}

fn server_port(kubeconfig: &Kubeconfig) -> u16 {
    let url = kubeconfig.clusters[0].cluster.as_ref().unwrap().server.clone().unwrap();
    url.rsplit(':').next().unwrap().parse().unwrap()
}

async fn get(client: &kube::Client, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(kube::client::Body::from(Vec::new())).unwrap();
    let response = client.send(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

const UNAUTHORIZED: &str = r#"{"apiVersion":"v1","code":401,"kind":"Status","message":"Unauthorized","metadata":{},"reason":"Unauthorized","status":"Failure"}"#;

#[tokio::test]
async fn tokens_decide_the_caller_and_health_is_public() {
    let server = start().await;
    let root = client(&server.kubeconfig, "root", None).await;
    let user = client(&server.kubeconfig, "user", None).await;
    let anonymous = client(&server.kubeconfig, "root", Some(None)).await;
    let wrong = client(&server.kubeconfig, "root", Some(Some("x"))).await;

    let (status, body) = get(&root, "/api/v1/namespaces").await;
    assert_eq!(status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["name"], "system-admin");
    assert_eq!(body["readOnly"], false);
    let (_, body) = get(&user, "/api").await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((body["name"].as_str(), body["readOnly"].as_bool()), (Some("user"), Some(true)));

    assert_eq!(get(&anonymous, "/api").await, (StatusCode::UNAUTHORIZED, UNAUTHORIZED.to_owned()));
    assert_eq!(get(&wrong, "/api").await, (StatusCode::UNAUTHORIZED, UNAUTHORIZED.to_owned()));
    // A wrong token does not fall back to anonymous, even for health.
    assert_eq!(get(&wrong, "/readyz").await.0, StatusCode::UNAUTHORIZED);

    // Not ready until told so, for everyone; then ready.
    assert_eq!(get(&anonymous, "/readyz").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(get(&root, "/readyz").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(get(&anonymous, "/livez").await, (StatusCode::OK, "ok".to_owned()));
    server.readiness.set_ready(true);
    assert_eq!(get(&anonymous, "/readyz").await, (StatusCode::OK, "ok".to_owned()));
    assert_eq!(get(&anonymous, "/healthz").await, (StatusCode::OK, "ok".to_owned()));
    let version = root.apiserver_version().await.unwrap();
    assert_eq!((version.major.as_str(), version.minor.as_str()), ("1", "33"));
    // Only health is public (SPEC §3.2): /version needs a token, unlike kube.
    assert_eq!(get(&anonymous, "/version").await, (StatusCode::UNAUTHORIZED, UNAUTHORIZED.to_owned()));
    server.stop().await;
}

#[tokio::test]
async fn secrets_are_private_and_certificates_survive_a_restart() {
    let server = start().await;
    for path in [server.kubeconfig.clone(), server.tls_dir.join("server.key"), server.tls_dir.join("ca.crt")] {
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600, "{}", path.display());
    }
    assert_eq!(std::fs::metadata(&server.tls_dir).unwrap().mode() & 0o777, 0o700);
    let first = Kubeconfig::read_from(&server.kubeconfig).unwrap();
    assert_eq!(first.current_context.as_deref(), Some("root"));
    assert_eq!(first.clusters[0].cluster.as_ref().unwrap().server.as_deref(), Some(server.server_url.as_str()));
    let old_root = client(&server.kubeconfig, "root", None).await;
    let key = std::fs::read(server.tls_dir.join("server.key")).unwrap();
    let dir = server.stop().await;

    let port: u16 = server_port(&first);
    let again = start_in(dir, PortChoice::Exact(port)).await;
    assert_eq!(std::fs::read(again.tls_dir.join("server.key")).unwrap(), key, "the serving key is reused");
    let second = Kubeconfig::read_from(&again.kubeconfig).unwrap();
    let data = |k: &Kubeconfig| k.clusters[0].cluster.as_ref().unwrap().certificate_authority_data.clone();
    assert_eq!(data(&first), data(&second), "the CA is reused");
    assert_eq!(server_port(&second), port);
    // The old client reaches the same address with the old token.
    assert_eq!(get(&old_root, "/api").await.0, StatusCode::UNAUTHORIZED, "tokens are new at every start");
    again.stop().await;
}

#[tokio::test]
async fn a_taken_preferred_port_falls_back_to_a_free_one() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let server = start_in(tempfile::tempdir().unwrap(), PortChoice::Preferred(port)).await;
    assert_ne!(server.server_url, format!("https://127.0.0.1:{port}"));
    server.readiness.set_ready(true);
    let root = client(&server.kubeconfig, "root", None).await;
    assert_eq!(get(&root, "/readyz").await.0, StatusCode::OK);
    server.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let err = Server::bind(options(dir.path(), PortChoice::Exact(port))).await.err().unwrap();
    assert!(err.to_string().contains(&format!("port {port} on 127.0.0.1 is in use")), "{err}");
}

#[tokio::test]
async fn an_endless_response_does_not_block_shutdown() {
    let server = start().await;
    let root = client(&server.kubeconfig, "root", None).await;
    let request = Request::get("/stream").body(kube::client::Body::from(Vec::new())).unwrap();
    let response = root.send(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let started = Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(3), "shutdown took {:?}", started.elapsed());
    drop(response);
}

#[tokio::test]
async fn http2_is_offered_through_alpn() {
    use rustls::pki_types::pem::PemObject;
    let server = start().await;
    server.readiness.set_ready(true);
    let ca = rustls::pki_types::CertificateDer::from_pem_file(server.tls_dir.join("ca.crt")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let addr = server.server_url.trim_start_matches("https://").to_owned();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = Request::get(format!("https://{addr}/readyz")).body(http_body_util::Empty::<Bytes>::new()).unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}
