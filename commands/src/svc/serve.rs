//! `rdd svc serve` (SPEC §3.1): the foreground service of one instance.
//! It takes the instance's pid file (one service per instance), starts the
//! API server shell on the instance's port, and runs until the first
//! SIGINT or SIGTERM, which shuts down gracefully; a second signal exits at
//! once.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use futures::FutureExt;
use rdd_api::instance::{Instance, Paths};
use rdd_apiserver::handler::{ControlPlane, PlaneHandler};
use rdd_apiserver::server::{PidFile, PortChoice, Server, ServerOptions};
use rdd_apiserver::storage::StoreOptions;
use tokio::signal::unix::{SignalKind, signal};

use super::controllers::ControllerSet;
use super::in_process::InProcessControllers;
use crate::CommandError;

/// How `serve` listens and what it runs.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    pub controllers: ControllerSet,
    /// `--port`: exactly this port (no fallback).
    pub port: Option<u16>,
    /// `--bind`: this address instead of 127.0.0.1.
    pub bind: Option<IpAddr>,
}

/// Runs the service until a signal stops it.
pub async fn serve(instance: &Instance, paths: &Paths, options: ServeOptions) -> Result<(), CommandError> {
    // Handlers first, so a signal during start-up already shuts down gracefully.
    let shutdown = shutdown_signals(paths)?;
    let pid_file = PidFile::acquire(&paths.pid_file).map_err(|err| CommandError::failure(err.to_string()))?;
    let mut server_options = ServerOptions::new(paths.tls_dir.clone(), paths.config.clone(), instance.preferred_port());
    server_options.ip = options.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if let Some(port) = options.port {
        server_options.port = PortChoice::Exact(port);
    }
    if !server_options.ip.is_loopback() {
        tracing::warn!(address = %server_options.ip, "listening beyond loopback as --bind asks");
    }
    let plane = ControlPlane::open(&paths.db, StoreOptions::default())
        .await
        .map_err(|err| CommandError::failure(format!("starting the control plane: {err}")))?;
    let server = Server::bind(server_options).await.map_err(|err| CommandError::failure(err.to_string()))?;
    plane.set_server_address(server.local_addr().to_string());
    let readiness = server.readiness();
    tracing::info!(
        instance = %instance,
        pid = std::process::id(),
        url = server.url(),
        controllers = %options.controllers,
        "rdd service started"
    );
    // Controllers are kube clients of this server: they connect once
    // `serve` accepts, and must stop before it does.
    let controllers = InProcessControllers::start(&options.controllers, paths).await?;
    let (controllers_stopped_tx, controllers_stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        controllers.stop().await;
        let _ = controllers_stopped_tx.send(());
    };
    readiness.set_ready(true);
    server.serve(Arc::new(PlaneHandler(plane.clone())), shutdown).await;
    let _ = controllers_stopped.await;
    plane.stop();
    plane.store().shutdown().await;
    drop(pid_file);
    tracing::info!(instance = %instance, "rdd service stopped");
    Ok(())
}

/// A future that completes at the first SIGINT or SIGTERM; the second one
/// ends the process at once (exit 130), leaving no pid file behind.
fn shutdown_signals(paths: &Paths) -> Result<impl Future<Output = ()> + use<>, CommandError> {
    let install = |kind: SignalKind| {
        signal(kind).map_err(|err| CommandError::failure(format!("cannot install the signal handlers: {err}")))
    };
    let (mut interrupt, mut terminate) = (install(SignalKind::interrupt())?, install(SignalKind::terminate())?);
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    let pid_file = paths.pid_file.clone();
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "shutting down gracefully; send the signal again to exit at once");
        let _ = first_tx.send(());
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::warn!("second signal: exiting at once");
        // Destructors do not run on exit(): remove the pid file by hand
        // (this process still holds its lock, so no other owner exists).
        let _ = std::fs::remove_file(&pid_file);
        std::process::exit(130);
    });
    Ok(first_rx.map(|_| ()))
}
