//! Following the service across a restart during a wait. kube's watcher
//! re-establishes a dropped watch by itself, but a restarted service has
//! new bearer tokens in the instance kubeconfig (SPEC §3.2), so the old
//! client would get 401 until the deadline. On a watch error the waits ask
//! [`Reconnect`] whether the kubeconfig changed and, if so, watch again
//! through a client built from the new one, with the same deadline.

use kube::Client;
use rdd_api::instance::Paths;

use crate::svc::{Context, client_config};

/// The instance kubeconfig as the current client was built from it.
pub struct Reconnect {
    paths: Paths,
    kubeconfig: Option<String>,
}

impl Reconnect {
    /// Remembers the kubeconfig the caller's client was just built from.
    pub async fn new(paths: Paths) -> Reconnect {
        let kubeconfig = tokio::fs::read_to_string(&paths.config).await.ok();
        Reconnect { paths, kubeconfig }
    }

    /// A client with the new credentials when the kubeconfig changed since
    /// the last client was built; None when it did not, or is unreadable
    /// (e.g. half written: the next watch error asks again).
    pub async fn renewed_client(&mut self) -> Option<Client> {
        let text = tokio::fs::read_to_string(&self.paths.config).await.ok()?;
        if self.kubeconfig.as_deref() == Some(text.as_str()) {
            return None;
        }
        let config = client_config(&self.paths, Context::Root).await.ok()?;
        let client = Client::try_from(config).ok()?;
        tracing::info!(config = %self.paths.config.display(), "the service restarted: watching again with its new credentials");
        self.kubeconfig = Some(text);
        Some(client)
    }
}
