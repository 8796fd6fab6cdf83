//! `rdd svc` (SPEC §3.1): the instance's background service, from both
//! sides. `serve` is the service itself (the API server shell plus, later,
//! the in-process controllers); the rest are its clients: `start`, `stop`,
//! `status`, `config`, `logs`, `delete`, and [`ensure_running`] /
//! [`ready_client`], which every client command calls before talking to the API.

pub mod client;
pub mod command;
pub mod controllers;
pub mod delete;
pub mod in_process;
pub mod logs;
pub mod serve;
pub mod service;
pub mod status;

use std::time::Duration;

use rdd_api::instance::{Environment, Instance};

pub use client::{Context, client_config};
pub use controllers::{Controller, ControllerSet};
pub use service::{START_TIMEOUT, STOP_TIMEOUT, Service, StartOutcome, State, StopOutcome};

use crate::CommandError;

/// Starts the instance's service unless it runs, waits until it is ready
/// (at most [`START_TIMEOUT`]; exit 4 beyond, 130 on Ctrl-C), and returns
/// the full-access (`root`) client configuration. `env` places the
/// instance's files (`Environment::from_process()` for the user's).
pub async fn ensure_running(instance: &Instance, env: &Environment) -> Result<kube::Config, CommandError> {
    let service = Service::new(instance.clone(), env.clone())?;
    service.ensure_running(START_TIMEOUT).await?;
    client_config(service.paths(), Context::Root).await
}

/// What [`ensure_running`] guarantees, and a client made from it. When the
/// pid file says the service runs, its readiness is asked through the
/// client itself, so the check and the requests after it share one TLS
/// connection (a second handshake was ~10 % of a short `rdd ctl get`);
/// when that check fails in any way — a service still starting, a
/// kubeconfig being rewritten, no answer within [`QUICK_READY_TIMEOUT`] —
/// this is exactly [`ensure_running`], with its waiting and its errors.
pub async fn ready_client(
    instance: &Instance,
    env: &Environment,
) -> Result<(kube::Client, kube::Config), CommandError> {
    let service = Service::new(instance.clone(), env.clone())?;
    if matches!(service.state()?, State::Running { .. })
        && let Ok(config) = client_config(service.paths(), Context::Root).await
        && let Ok(client) = make_client(config.clone())
        && answers_ready(&client).await
    {
        return Ok((client, config));
    }
    let config = ensure_running(instance, env).await?;
    Ok((make_client(config.clone())?, config))
}

/// How long the quick readiness check of [`ready_client`] may take before
/// the slow path (which has its own timeouts) takes over.
const QUICK_READY_TIMEOUT: Duration = Duration::from_secs(3);

async fn answers_ready(client: &kube::Client) -> bool {
    let Ok(request) = http::Request::get("/readyz").body(Vec::new()) else { return false };
    matches!(
        tokio::time::timeout(QUICK_READY_TIMEOUT, client.request_text(request)).await,
        Ok(Ok(text)) if text.trim() == "ok"
    )
}

fn make_client(config: kube::Config) -> Result<kube::Client, CommandError> {
    kube::Client::try_from(config).map_err(|err| CommandError::failure(format!("building the API client: {err}")))
}
