//! Reaching an instance's service as a client: the kube `Config` from the
//! instance kubeconfig (context `root` or the read-only `user`), and the
//! readiness probe (`GET /readyz` with the kubeconfig's CA and token) that
//! `svc start`, `svc status` and every auto-starting command use.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use kube::config::{KubeConfigOptions, Kubeconfig};
use rdd_api::instance::Paths;
use rdd_apiserver::server::kubeconfig::{ROOT_CONTEXT, USER_CONTEXT};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;

use crate::CommandError;

/// Which credentials of the instance kubeconfig to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Context {
    /// Full access (user `system-admin`).
    #[default]
    Root,
    /// Read-only: get, list, watch.
    User,
}

impl Context {
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Root => ROOT_CONTEXT,
            Context::User => USER_CONTEXT,
        }
    }
}

/// Connecting to a local service that answers at all takes milliseconds.
const PROBE_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const PROBE_READ_TIMEOUT: Duration = Duration::from_secs(3);

async fn config_from_text(text: &str, context: Context) -> Result<kube::Config, String> {
    let kubeconfig = Kubeconfig::from_yaml(text).map_err(|err| err.to_string())?;
    let options = KubeConfigOptions { context: Some(context.as_str().to_owned()), ..KubeConfigOptions::default() };
    kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|err| err.to_string())
}

/// The kube `Config` for an instance's service, from its kubeconfig. Does
/// not check that the service runs: see [`super::ensure_running`].
pub async fn client_config(paths: &Paths, context: Context) -> Result<kube::Config, CommandError> {
    let path = &paths.config;
    let text = match tokio::fs::read_to_string(path).await {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(CommandError::failure(format!(
                "no kubeconfig at {}: the service has never been started; run `rdd svc start`",
                path.display()
            )));
        }
        Err(err) => return Err(CommandError::failure(format!("reading the kubeconfig {}: {err}", path.display()))),
    };
    config_from_text(&text, context).await.map_err(|err| {
        CommandError::failure(format!(
            "the kubeconfig {} is not usable: {err}; restart the service with `rdd svc stop && rdd svc start`",
            path.display()
        ))
    })
}

/// Where and how the probe connects, from one kubeconfig text.
struct Target {
    authority: String,
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    tls: Arc<rustls::ClientConfig>,
    authorization: String,
}

impl Target {
    async fn new(text: &str) -> Result<Target, String> {
        let config = config_from_text(text, Context::Root).await?;
        let token = context_token(text, Context::Root)?;
        let url = &config.cluster_url;
        let host = url.host().ok_or_else(|| format!("the server URL {url} has no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = url.port_u16().unwrap_or(443);
        let mut roots = rustls::RootCertStore::empty();
        for der in config.root_cert.iter().flatten() {
            roots.add(CertificateDer::from(der.clone())).map_err(|err| format!("the kubeconfig's CA: {err}"))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|err| err.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let server_name = ServerName::try_from(host.clone()).map_err(|err| format!("server name {host:?}: {err}"))?;
        Ok(Target {
            authority: url.authority().map(ToString::to_string).unwrap_or_default(),
            host,
            port,
            server_name,
            tls: Arc::new(tls),
            authorization: format!("Bearer {token}"),
        })
    }

    /// `GET /readyz` on a fresh connection.
    async fn readyz(&self) -> Result<StatusCode, String> {
        let connect = tokio::net::TcpStream::connect((self.host.as_str(), self.port));
        let tcp = tokio::time::timeout(PROBE_CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| format!("connecting to {} timed out", self.authority))?
            .map_err(|err| format!("connecting to {}: {err}", self.authority))?;
        let exchange = async {
            let tls = TlsConnector::from(self.tls.clone())
                .connect(self.server_name.clone(), tcp)
                .await
                .map_err(|err| format!("TLS with {}: {err}", self.authority))?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|err| err.to_string())?;
            tokio::spawn(connection);
            let request = http::Request::get("/readyz")
                .header(http::header::HOST, &self.authority)
                .header(http::header::AUTHORIZATION, &self.authorization)
                .body(Empty::<Bytes>::new())
                .map_err(|err| err.to_string())?;
            let response = sender.send_request(request).await.map_err(|err| format!("GET /readyz: {err}"))?;
            Ok(response.status())
        };
        tokio::time::timeout(PROBE_READ_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("GET /readyz on {} timed out", self.authority))?
    }
}

/// The bearer token of a context, read from the kubeconfig text (kube's
/// `Config` keeps it in a type that does not hand it out).
fn context_token(text: &str, context: Context) -> Result<String, String> {
    let config: serde_json::Value = rdd_api::yaml::from_str(text).map_err(|err| err.to_string())?;
    let named = |list: &str, name: &str| {
        config[list].as_array().and_then(|items| items.iter().find(|item| item["name"] == name)).cloned()
    };
    let user = named("contexts", context.as_str())
        .and_then(|c| c["context"]["user"].as_str().map(str::to_owned))
        .ok_or_else(|| format!("the kubeconfig has no context {:?}", context.as_str()))?;
    named("users", &user)
        .and_then(|u| u["user"]["token"].as_str().map(str::to_owned))
        .ok_or_else(|| format!("the kubeconfig has no token for user {user:?}"))
}

/// Polls `/readyz` through the current kubeconfig, with its CA and root
/// token. The kubeconfig is re-read at every check (a starting service
/// writes a new one) and parsed again only when it changed. This is a
/// bare HTTP/1.1 exchange rather than a kube client, whose tracing layer
/// reports every refused connection and every 500 as an error.
#[derive(Default)]
pub struct ReadyProbe {
    text: Option<String>,
    target: Option<Target>,
    /// Why the last check failed, for the timeout message.
    pub last_error: Option<String>,
}

impl ReadyProbe {
    /// One check: true when `/readyz` answered 200.
    pub async fn check(&mut self, kubeconfig: &Path) -> bool {
        match self.try_check(kubeconfig).await {
            Ok(()) => true,
            Err(why) => {
                self.last_error = Some(why);
                false
            }
        }
    }

    async fn try_check(&mut self, kubeconfig: &Path) -> Result<(), String> {
        let text = tokio::fs::read_to_string(kubeconfig)
            .await
            .map_err(|err| format!("no kubeconfig yet at {}: {err}", kubeconfig.display()))?;
        if self.text.as_deref() != Some(text.as_str()) || self.target.is_none() {
            self.target = Some(Target::new(&text).await?);
            self.text = Some(text);
        }
        let Some(target) = &self.target else { return Err("no kubeconfig target".to_owned()) };
        match target.readyz().await? {
            StatusCode::OK => Ok(()),
            status => Err(format!("GET /readyz answered {status}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_through_the_context() {
        let text = "contexts:\n- name: root\n  context: {cluster: c, user: admin}\nusers:\n- name: admin\n  user: {token: abc}\n";
        assert_eq!(context_token(text, Context::Root).unwrap(), "abc");
        assert!(context_token(text, Context::User).unwrap_err().contains("no context \"user\""));
    }
}
