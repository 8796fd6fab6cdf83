//! The instance kubeconfig (SPEC §3.2): the only place the tokens are
//! written. Clusters, users and contexts `root` (full access) and `user`
//! (read-only), current context `root`, the CA embedded as
//! `certificate-authority-data`. Written atomically with mode 0600.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::auth::Tokens;
use super::files::{create_private_dir, write_private};

/// Context, cluster and user name of the full-access credentials.
pub const ROOT_CONTEXT: &str = "root";
/// Context, cluster and user name of the read-only credentials.
pub const USER_CONTEXT: &str = "user";

/// Why the kubeconfig could not be written.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("cannot write the kubeconfig {path}: {source}; check that its directory is writable", path = path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("rendering the kubeconfig as YAML failed: {0}")]
    Render(String),
}

#[derive(Serialize)]
struct Kubeconfig<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    clusters: Vec<Named<Cluster<'a>>>,
    users: Vec<Named<User<'a>>>,
    contexts: Vec<Named<Context>>,
    #[serde(rename = "current-context")]
    current_context: &'static str,
}

#[derive(Serialize)]
struct Named<T> {
    name: &'static str,
    #[serde(flatten)]
    value: T,
}

#[derive(Serialize)]
struct Cluster<'a> {
    cluster: ClusterInfo<'a>,
}

#[derive(Serialize)]
struct ClusterInfo<'a> {
    server: &'a str,
    #[serde(rename = "certificate-authority-data")]
    certificate_authority_data: &'a str,
}

#[derive(Serialize)]
struct User<'a> {
    user: UserInfo<'a>,
}

#[derive(Serialize)]
struct UserInfo<'a> {
    token: &'a str,
}

#[derive(Serialize)]
struct Context {
    context: ContextInfo,
}

#[derive(Serialize)]
struct ContextInfo {
    cluster: &'static str,
    user: &'static str,
}

/// The URL clients use for a listener bound to `addr`: a wildcard address
/// is reached through loopback of the same family.
pub fn server_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("https://{}", SocketAddr::new(ip, addr.port()))
}

/// The kubeconfig text.
pub fn render(server: &str, ca_pem: &str, tokens: &Tokens) -> Result<String, KubeconfigError> {
    let ca = base64_encode_standard(ca_pem.as_bytes());
    let cluster = || Cluster { cluster: ClusterInfo { server, certificate_authority_data: &ca } };
    let config = Kubeconfig {
        api_version: "v1",
        kind: "Config",
        clusters: vec![Named { name: ROOT_CONTEXT, value: cluster() }, Named { name: USER_CONTEXT, value: cluster() }],
        users: vec![
            Named { name: ROOT_CONTEXT, value: User { user: UserInfo { token: tokens.root() } } },
            Named { name: USER_CONTEXT, value: User { user: UserInfo { token: tokens.user() } } },
        ],
        contexts: vec![
            Named {
                name: ROOT_CONTEXT,
                value: Context { context: ContextInfo { cluster: ROOT_CONTEXT, user: ROOT_CONTEXT } },
            },
            Named {
                name: USER_CONTEXT,
                value: Context { context: ContextInfo { cluster: USER_CONTEXT, user: USER_CONTEXT } },
            },
        ],
        current_context: ROOT_CONTEXT,
    };
    // Long values (the CA data) on one plain line, as kubectl writes them:
    // folded scalars are valid YAML but trip line-oriented tools.
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    serde_saphyr::to_string_with_options(&config, options).map_err(|err| KubeconfigError::Render(err.to_string()))
}

/// Writes the kubeconfig to `path` (0600, atomically), creating its
/// directory with mode 0700.
pub fn write(path: &Path, server: &str, ca_pem: &str, tokens: &Tokens) -> Result<(), KubeconfigError> {
    let text = render(server, ca_pem, tokens)?;
    let write_err = |source| KubeconfigError::Write { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        create_private_dir(parent).map_err(write_err)?;
    }
    write_private(path, text.as_bytes()).map_err(write_err)
}

fn base64_encode_standard(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_use_loopback_for_wildcards() {
        assert_eq!(server_url("127.0.0.1:6445".parse().unwrap()), "https://127.0.0.1:6445");
        assert_eq!(server_url("0.0.0.0:7000".parse().unwrap()), "https://127.0.0.1:7000");
        assert_eq!(server_url("[::]:7000".parse().unwrap()), "https://[::1]:7000");
        assert_eq!(server_url("[::1]:7000".parse().unwrap()), "https://[::1]:7000");
        assert_eq!(server_url("10.0.0.5:7000".parse().unwrap()), "https://10.0.0.5:7000");
    }

    #[test]
    fn the_kubeconfig_has_two_contexts_and_root_is_current() {
        let tokens = Tokens::generate().unwrap();
        let text = render("https://127.0.0.1:6445", "PEM", &tokens).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(value["current-context"], "root");
        assert_eq!(value["kind"], "Config");
        assert_eq!(value["clusters"][0]["cluster"]["server"], "https://127.0.0.1:6445");
        assert_eq!(value["clusters"][1]["cluster"]["certificate-authority-data"], "UEVN");
        assert_eq!(value["users"][0]["name"], "root");
        assert_eq!(value["users"][0]["user"]["token"], tokens.root());
        assert_eq!(value["users"][1]["user"]["token"], tokens.user());
        assert_eq!(value["contexts"][1]["context"]["user"], "user");
        let long_ca = render("https://127.0.0.1:6445", &"x".repeat(300), &tokens).unwrap();
        assert!(long_ca.lines().any(|line| line.starts_with("    certificate-authority-data: eHh4")), "{long_ca}");
    }
}
