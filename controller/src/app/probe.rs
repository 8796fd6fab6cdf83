//! "Does the engine answer?": a Docker ping (`GET /_ping` after API version
//! negotiation, since dockerd 20.10 refuses bollard's newer default
//! version) for moby, and a successful connect to the socket for
//! containerd (a gRPC version call would need a gRPC stack for one bit of
//! information: containerd only listens once it is serving).

use std::path::PathBuf;
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};
use rdd_api::app::EngineName;

use super::error::StartError;

/// Per-attempt timeout of one probe, well below the start cap.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where an engine listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    /// `host:port`
    Tcp(String),
}

impl Address {
    /// Parses `unix:///path` or `tcp://host:port` (also `http://`).
    pub fn parse(endpoint: &str) -> Result<Self, StartError> {
        let bad = || StartError::BadEndpoint { endpoint: endpoint.to_owned() };
        if let Some(path) = endpoint.strip_prefix("unix://") {
            if path.starts_with('/') { Ok(Address::Unix(path.into())) } else { Err(bad()) }
        } else if let Some(host) = endpoint.strip_prefix("tcp://").or_else(|| endpoint.strip_prefix("http://")) {
            let host = host.trim_end_matches('/');
            if host.is_empty() || host.contains('/') { Err(bad()) } else { Ok(Address::Tcp(host.to_owned())) }
        } else {
            Err(bad())
        }
    }
}

/// One probe of the engine `name` at `address`; `Err` carries why it did
/// not answer, for logs.
pub async fn probe(name: EngineName, address: &Address) -> Result<(), String> {
    match tokio::time::timeout(PROBE_TIMEOUT, probe_inner(name, address)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {}s", PROBE_TIMEOUT.as_secs())),
    }
}

async fn probe_inner(name: EngineName, address: &Address) -> Result<(), String> {
    match name {
        EngineName::Moby => docker_ping(address).await,
        EngineName::Containerd => match address {
            Address::Unix(path) => tokio::net::UnixStream::connect(path).await.map(drop).map_err(|e| e.to_string()),
            Address::Tcp(host) => tokio::net::TcpStream::connect(host).await.map(drop).map_err(|e| e.to_string()),
        },
    }
}

async fn docker_ping(address: &Address) -> Result<(), String> {
    let timeout = PROBE_TIMEOUT.as_secs();
    let docker = match address {
        Address::Unix(path) => Docker::connect_with_unix(&path.to_string_lossy(), timeout, API_DEFAULT_VERSION),
        Address::Tcp(host) => Docker::connect_with_http(host, timeout, API_DEFAULT_VERSION),
    }
    .map_err(|e| e.to_string())?;
    let docker = docker.negotiate_version().await.map_err(|e| e.to_string())?;
    docker.ping().await.map(drop).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        assert_eq!(
            Address::parse("unix:///var/run/docker.sock").unwrap(),
            Address::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(Address::parse("tcp://127.0.0.1:2375").unwrap(), Address::Tcp("127.0.0.1:2375".into()));
        assert_eq!(Address::parse("http://localhost:2375/").unwrap(), Address::Tcp("localhost:2375".into()));
        for bad in ["", "/var/run/docker.sock", "unix://relative", "tcp://", "ssh://host", "tcp://h:1/x"] {
            let err = Address::parse(bad).unwrap_err();
            assert!(err.to_string().contains("is not a unix:// or tcp:// address"), "{bad}: {err}");
        }
    }

    #[tokio::test]
    async fn probes_fail_on_a_missing_socket() {
        let dir = tempfile::tempdir().unwrap();
        let address = Address::Unix(dir.path().join("none.sock"));
        assert!(probe(EngineName::Moby, &address).await.is_err());
        assert!(probe(EngineName::Containerd, &address).await.is_err());
    }

    #[tokio::test]
    async fn containerd_probe_accepts_a_listening_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sock");
        let _listener = tokio::net::UnixListener::bind(&path).unwrap();
        probe(EngineName::Containerd, &Address::Unix(path)).await.unwrap();
    }
}
