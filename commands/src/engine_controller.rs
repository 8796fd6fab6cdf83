//! `rdd engine-controller` (SPEC §6): the engine controller as its own
//! process, against any cluster that serves rdd's CRDs and holds the App.
//! It runs until the first SIGINT or SIGTERM, then stops its Docker session
//! and returns; the mirrors stay, so the next start re-syncs them in place.
//! A second signal exits at once (130).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rdd_controller::engine::{EngineOptions, Metrics, client_from_kubeconfig, run, serve_metrics};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::CommandError;

/// What the command line of `rdd engine-controller` asks for.
#[derive(Clone, Debug)]
pub struct EngineControllerOptions {
    /// `--kubeconfig`: else `$KUBECONFIG` or `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`: else the kubeconfig's current context.
    pub context: Option<String>,
    /// `--docker-host`: overrides whatever the App says.
    pub docker_host: Option<String>,
    /// The managed engine's socket of the `--instance` (used when the App's
    /// provider is `managed` and no `--docker-host` is given).
    pub managed_docker_host: Option<String>,
    /// `--namespace`: mirror here instead of `App.spec.namespace`.
    pub namespace: Option<String>,
    /// `--resync-period`.
    pub resync_period: Duration,
    /// `--metrics-addr`: serve Prometheus text at `/metrics` there.
    pub metrics_addr: Option<SocketAddr>,
}

/// Runs the engine controller until a signal stops it.
pub async fn run_standalone(options: EngineControllerOptions) -> Result<(), CommandError> {
    let (stop, stopped) = watch::channel(false);
    install_signal_handlers(stop)?;
    if options.resync_period.is_zero() {
        return Err(CommandError::usage("--resync-period must be greater than 0 (default 5m)"));
    }
    let client = client_from_kubeconfig(options.kubeconfig.as_deref(), options.context.as_deref())
        .await
        .map_err(|err| CommandError::failure(err.to_string()))?;
    let metrics = Arc::new(Metrics::default());
    let metrics_task = match options.metrics_addr {
        Some(addr) => {
            // Bind before mirroring so a taken port fails the command at once.
            let listener_check = std::net::TcpListener::bind(addr).map_err(|err| {
                CommandError::failure(format!(
                    "cannot listen for metrics on {addr}: {err}; choose another --metrics-addr"
                ))
            })?;
            drop(listener_check);
            let (metrics, stopped) = (metrics.clone(), stopped.clone());
            Some(tokio::spawn(async move { serve_metrics(addr, metrics, stopped).await }))
        }
        None => None,
    };
    tracing::info!(
        docker_host = options.docker_host.as_deref().unwrap_or("(from the App)"),
        namespace = options.namespace.as_deref().unwrap_or("(from the App)"),
        resync_period = ?options.resync_period,
        "engine controller started"
    );
    let engine = EngineOptions {
        docker_host: options.docker_host,
        managed_docker_host: options.managed_docker_host,
        namespace: options.namespace,
        resync_period: options.resync_period,
        metrics,
        ..EngineOptions::default()
    };
    let result = run(client, engine, stopped).await;
    if let Some(task) = metrics_task {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "the metrics endpoint failed"),
            Err(err) => tracing::warn!(error = %err, "the metrics task panicked"),
        }
    }
    result.map_err(|err| CommandError::failure(err.to_string()))
}

/// The first SIGINT or SIGTERM asks the controller to stop; a second one
/// exits at once.
fn install_signal_handlers(stop: watch::Sender<bool>) -> Result<(), CommandError> {
    let install = |kind: SignalKind| {
        signal(kind).map_err(|err| CommandError::failure(format!("cannot install the signal handlers: {err}")))
    };
    let (mut interrupt, mut terminate) = (install(SignalKind::interrupt())?, install(SignalKind::terminate())?);
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "stopping the engine controller; send the signal again to exit at once");
        let _ = stop.send(true);
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::warn!("second signal: exiting at once");
        std::process::exit(130);
    });
    Ok(())
}
