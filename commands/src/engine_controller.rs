//! `rdd engine-controller` (SPEC §6): the engine controller as its own
//! process, against any cluster that serves rdd's CRDs and holds the App.
//! It runs until the first SIGINT or SIGTERM, then stops its Docker session
//! and returns; the mirrors stay, so the next start re-syncs them in place.
//! A second signal exits at once (130). When its kubeconfig file changes
//! (the rdd service writes new tokens on every start) it stops its session
//! and starts again with a client made from the new file, so it follows a
//! restarted service instead of failing authentication forever.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
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
    let kubeconfig = kubeconfig_path(options.kubeconfig.as_deref());
    let mut seen = read_kubeconfig(kubeconfig.as_deref()).await;
    let mut client = client_from_kubeconfig(options.kubeconfig.as_deref(), options.context.as_deref())
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
    let result = loop {
        // Each run gets its own stop signal: the user's, or a kubeconfig change.
        let (restart, run_stopped) = watch::channel(false);
        let mut user_stop = stopped.clone();
        let session = run(client.clone(), engine.clone(), run_stopped);
        tokio::pin!(session);
        let changed = tokio::select! {
            result = &mut session => break result,
            () = async { let _ = user_stop.wait_for(|s| *s).await; } => None,
            contents = kubeconfig_change(kubeconfig.as_deref(), &seen) => Some(contents),
        };
        let _ = restart.send(true);
        let result = session.await;
        let Some(contents) = changed else { break result };
        seen = contents;
        match client_from_kubeconfig(options.kubeconfig.as_deref(), options.context.as_deref()).await {
            Ok(fresh) => {
                tracing::info!(kubeconfig = ?kubeconfig, "the kubeconfig changed: restarting with its credentials");
                client = fresh;
            }
            // A half-written file is read again at its next change.
            Err(err) => tracing::warn!(error = %err, "the kubeconfig changed but cannot be used; keeping the old one"),
        }
    };
    if let Some(task) = metrics_task {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "the metrics endpoint failed"),
            Err(err) => tracing::warn!(error = %err, "the metrics task panicked"),
        }
    }
    result.map_err(|err| CommandError::failure(err.to_string()))
}

/// The kubeconfig file the client is made from: `--kubeconfig`, else the
/// first file of `$KUBECONFIG`, else `~/.kube/config`.
fn kubeconfig_path(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = flag {
        return Some(path.to_owned());
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).next();
    }
    std::env::home_dir().map(|home| home.join(".kube").join("config"))
}

async fn read_kubeconfig(path: Option<&Path>) -> Option<Vec<u8>> {
    tokio::fs::read(path?).await.ok()
}

/// Resolves with the file's new contents once they differ from `seen`
/// (polled: the file is replaced by rename, which inotify on the file
/// itself would miss). Never resolves without a file to watch.
async fn kubeconfig_change(path: Option<&Path>, seen: &Option<Vec<u8>>) -> Option<Vec<u8>> {
    if path.is_none() {
        return std::future::pending().await;
    }
    loop {
        tokio::time::sleep(KUBECONFIG_POLL).await;
        let now = read_kubeconfig(path).await;
        // A missing file (the service is between stop and start) is no change.
        if now.is_some() && now != *seen {
            return now;
        }
    }
}

const KUBECONFIG_POLL: Duration = Duration::from_secs(1);

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
