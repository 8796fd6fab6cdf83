//! `rdd svc` (SPEC §3.1): the instance's background service, from both
//! sides. `serve` is the service itself (the API server shell plus, later,
//! the in-process controllers); the rest are its clients: `start`, `stop`,
//! `status`, `config`, `logs`, `delete`, and [`ensure_running`], which every
//! client command calls before talking to the API.

pub mod client;
pub mod command;
pub mod controllers;
pub mod delete;
pub mod in_process;
pub mod logs;
pub mod serve;
pub mod service;
pub mod status;

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
