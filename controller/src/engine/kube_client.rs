//! The Kubernetes client of a standalone `rdd engine-controller
//! [--kubeconfig F] [--context C]`: any cluster that serves the CRDs, not
//! only the instance's own control plane.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::error::EngineError;

/// A client from `kubeconfig` (or, without one, `$KUBECONFIG` /
/// `~/.kube/config`), using `context` or the file's current context.
pub async fn client_from_kubeconfig(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Client, EngineError> {
    let options = KubeConfigOptions { context: context.map(str::to_owned), ..KubeConfigOptions::default() };
    let source = kubeconfig.map_or_else(|| "the default kubeconfig".to_owned(), |p| p.display().to_string());
    let invalid = |e: &dyn std::fmt::Display| {
        EngineError::Invalid(format!("cannot load {source}: {e}; pass --kubeconfig FILE (and --context NAME)"))
    };
    let config = match kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path).map_err(|e| invalid(&e))?;
            Config::from_custom_kubeconfig(file, &options).await.map_err(|e| invalid(&e))?
        }
        None => Config::from_kubeconfig(&options).await.map_err(|e| invalid(&e))?,
    };
    Client::try_from(config).map_err(|e| invalid(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = r#"
apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: "http://127.0.0.1:1"}
- name: two
  cluster: {server: "http://127.0.0.1:2"}
contexts:
- name: a
  context: {cluster: one, user: u}
- name: b
  context: {cluster: two, user: u}
current-context: a
users:
- name: u
  user: {token: t}
"#;

    #[tokio::test]
    async fn reads_the_file_and_the_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, KUBECONFIG).unwrap();
        assert!(client_from_kubeconfig(Some(&path), None).await.is_ok());
        assert!(client_from_kubeconfig(Some(&path), Some("b")).await.is_ok());
        let err = client_from_kubeconfig(Some(&path), Some("nope")).await.err().expect("unknown context");
        assert!(err.to_string().contains("--context"), "{err}");
        let err = client_from_kubeconfig(Some(&dir.path().join("missing")), None).await.err().expect("missing file");
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
