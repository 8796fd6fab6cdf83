//! The endpoints the shell answers itself: `/healthz`, `/livez` and
//! `/readyz` for anyone, as kube-apiserver answers them for
//! `system:unauthenticated`, and `/version`, which kube also shows
//! anonymous callers but rdd only authenticated ones (SPEC §3.2: every
//! path but health needs a token).
//!
//! `/readyz` fails (500) until the owner of the server says it is ready
//! and again once shutdown has begun; `/livez` and `/healthz` only say the
//! process answers. The texts follow kube-apiserver's health handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http::{HeaderValue, Method, Response, StatusCode, header};
use k8s_openapi::apimachinery::pkg::version::Info;

use super::{ResponseBody, full_body};

/// Kubernetes version rdd's API claims to serve.
pub const KUBE_MAJOR: &str = "1";
pub const KUBE_MINOR: &str = "33";

/// Readiness as the server's owner declares it; shared with the listener.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    ready: Arc<AtomicBool>,
    shutting_down: Arc<AtomicBool>,
}

impl Readiness {
    /// Marks the whole service ready (or not): `/readyz` follows.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst) && !self.shutting_down.load(Ordering::SeqCst)
    }

    pub(super) fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }
}

/// An endpoint the shell serves without the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Healthz,
    Livez,
    Readyz,
    Version,
}

impl Builtin {
    /// The built-in endpoint for a request, if it is one.
    pub fn route(method: &Method, path: &str) -> Option<Builtin> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        match path {
            "/healthz" => Some(Builtin::Healthz),
            "/livez" => Some(Builtin::Livez),
            "/readyz" => Some(Builtin::Readyz),
            "/version" | "/version/" => Some(Builtin::Version),
            _ => None,
        }
    }

    /// Whether a caller without credentials may read it: the health
    /// endpoints only.
    pub fn is_public(self) -> bool {
        !matches!(self, Builtin::Version)
    }

    /// The response; `verbose` is whether the query names `verbose`.
    pub fn respond(self, verbose: bool, readiness: &Readiness) -> Response<ResponseBody> {
        match self {
            Builtin::Healthz => health("healthz", &[("ping", true)], verbose),
            Builtin::Livez => health("livez", &[("ping", true)], verbose),
            Builtin::Readyz => {
                let shutting_down = readiness.shutting_down.load(Ordering::SeqCst);
                let started = readiness.ready.load(Ordering::SeqCst);
                health("readyz", &[("ping", true), ("shutdown", !shutting_down), ("rdd-started", started)], verbose)
            }
            Builtin::Version => version(),
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<ResponseBody> {
    let mut response = Response::new(full_body(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// kube-apiserver's health handler: `ok`, the check list with `verbose`,
/// and always the check list (reasons withheld) on failure.
fn health(name: &str, checks: &[(&str, bool)], verbose: bool) -> Response<ResponseBody> {
    let lines: String = checks
        .iter()
        .map(
            |(check, ok)| {
                if *ok { format!("[+]{check} ok\n") } else { format!("[-]{check} failed: reason withheld\n") }
            },
        )
        .collect();
    if checks.iter().any(|(_, ok)| !ok) {
        return text(StatusCode::INTERNAL_SERVER_ERROR, format!("{lines}{name} check failed\n"));
    }
    if verbose {
        text(StatusCode::OK, format!("{lines}{name} check passed\n"))
    } else {
        text(StatusCode::OK, "ok".to_owned())
    }
}

/// Go's names for the platform, as kube reports it (`linux/amd64`).
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}/{}", std::env::consts::OS, arch)
}

/// The `version.Info` of this server.
pub fn version_info() -> Info {
    Info {
        major: KUBE_MAJOR.to_owned(),
        minor: KUBE_MINOR.to_owned(),
        emulation_major: Some(KUBE_MAJOR.to_owned()),
        emulation_minor: Some(KUBE_MINOR.to_owned()),
        min_compatibility_major: Some(KUBE_MAJOR.to_owned()),
        min_compatibility_minor: Some("32".to_owned()),
        git_version: format!("v{KUBE_MAJOR}.{KUBE_MINOR}.0-rdd.{}", env!("CARGO_PKG_VERSION")),
        git_commit: String::new(),
        git_tree_state: String::new(),
        build_date: String::new(),
        go_version: String::new(),
        compiler: "rustc".to_owned(),
        platform: platform(),
    }
}

fn version() -> Response<ResponseBody> {
    // Serializing a struct of strings cannot fail.
    let body = serde_json::to_string_pretty(&version_info()).unwrap_or_default();
    let mut response = Response::new(full_body(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(response: Response<ResponseBody>) -> (StatusCode, String) {
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn readyz_follows_readiness_and_shutdown() {
        let readiness = Readiness::default();
        let (status, text) = body(Builtin::Readyz.respond(false, &readiness)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(text, "[+]ping ok\n[+]shutdown ok\n[-]rdd-started failed: reason withheld\nreadyz check failed\n");
        readiness.set_ready(true);
        assert_eq!(body(Builtin::Readyz.respond(false, &readiness)).await, (StatusCode::OK, "ok".to_owned()));
        let (_, verbose) = body(Builtin::Readyz.respond(true, &readiness)).await;
        assert!(verbose.ends_with("[+]rdd-started ok\nreadyz check passed\n"), "{verbose}");
        readiness.begin_shutdown();
        assert!(!readiness.is_ready());
        assert_eq!(body(Builtin::Readyz.respond(false, &readiness)).await.0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body(Builtin::Livez.respond(false, &readiness)).await, (StatusCode::OK, "ok".to_owned()));
    }

    #[tokio::test]
    async fn version_claims_kubernetes_1_33() {
        let (status, text) = body(Builtin::Version.respond(false, &Readiness::default())).await;
        assert_eq!(status, StatusCode::OK);
        let info: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(info["major"], "1");
        assert_eq!(info["minor"], "33");
        assert_eq!(info["gitVersion"], format!("v1.33.0-rdd.{}", env!("CARGO_PKG_VERSION")));
        assert!(info["platform"].as_str().unwrap().contains('/'));
    }

    #[test]
    fn only_reads_of_the_public_paths_are_builtin() {
        assert_eq!(Builtin::route(&Method::GET, "/readyz"), Some(Builtin::Readyz));
        assert_eq!(Builtin::route(&Method::HEAD, "/version/"), Some(Builtin::Version));
        assert_eq!(Builtin::route(&Method::POST, "/healthz"), None);
        assert_eq!(Builtin::route(&Method::GET, "/api"), None);
        assert_eq!(Builtin::route(&Method::GET, "/readyz/ping"), None);
    }

    #[test]
    fn only_health_is_public() {
        assert!(Builtin::Healthz.is_public() && Builtin::Livez.is_public() && Builtin::Readyz.is_public());
        assert!(!Builtin::Version.is_public());
    }
}
