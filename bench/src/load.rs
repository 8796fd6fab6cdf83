//! Load-generation helpers shared by the scenarios: independent API clients
//! (one connection each, as separate programs would have), a fixed-rate
//! pacer, and namespace creation.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use tokio::sync::Semaphore;

use crate::service::Instance;

/// `n` clients, each with its own connection pool, so concurrency is real
/// concurrency on the wire rather than requests queued on one connection.
pub async fn clients(instance: &Instance, n: usize) -> anyhow::Result<Vec<kube::Client>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(instance.client().await?);
    }
    Ok(out)
}

pub async fn create_namespace(client: &kube::Client, name: &str) -> anyhow::Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns = Namespace {
        metadata: kube::core::ObjectMeta { name: Some(name.into()), ..Default::default() },
        ..Default::default()
    };
    match api.create(&PostParams::default(), &ns).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(err) => Err(anyhow::anyhow!("creating namespace {name}: {err}")),
    }
}

/// A pacer releasing `total` permits at `per_second`; operations take a
/// permit (and forget it) before they start, so they start at the fixed
/// rate whatever their own latency (an open-loop load, as a burst of
/// independent users would be).
pub fn pacer(per_second: f64, total: usize) -> Arc<Semaphore> {
    let permits = Arc::new(Semaphore::new(0));
    let feed = permits.clone();
    let period = Duration::from_secs_f64(1.0 / per_second.max(1.0));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for _ in 0..total {
            ticker.tick().await;
            feed.add_permits(1);
        }
    });
    permits
}

/// Waits for the next permit of a [`pacer`].
pub async fn paced(pacer: &Semaphore) {
    // The pacer is never closed, so acquire cannot fail.
    if let Ok(permit) = pacer.acquire().await {
        permit.forget();
    }
}
