//! The controllers `rdd svc serve` runs in-process (SPEC §3.1): started
//! once the API server listens, as ordinary kube clients of it through the
//! instance kubeconfig, and stopped before the API server shuts down so
//! their last status writes still land.

use rdd_api::instance::Paths;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::client::{Context, client_config};
use super::controllers::{Controller, ControllerSet};
use crate::CommandError;

/// The running in-process controllers.
pub struct InProcessControllers {
    stop: watch::Sender<bool>,
    tasks: Vec<(Controller, JoinHandle<Result<(), String>>)>,
}

impl InProcessControllers {
    /// Starts every controller of `set` against this instance's API server.
    pub async fn start(set: &ControllerSet, paths: &Paths) -> Result<InProcessControllers, CommandError> {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        if set.is_empty() {
            return Ok(InProcessControllers { stop, tasks });
        }
        let config = client_config(paths, Context::Root).await?;
        let client = kube::Client::try_from(config)
            .map_err(|err| CommandError::failure(format!("making the controllers' API client: {err}")))?;
        for controller in set.iter() {
            let task = match controller {
                Controller::App => {
                    let (client, paths, stopped) = (client.clone(), paths.clone(), stopped.clone());
                    tokio::spawn(async move {
                        rdd_controller::app::run(client, paths, stopped).await.map_err(|err| err.to_string())
                    })
                }
                Controller::Engine => {
                    let (client, stopped) = (client.clone(), stopped.clone());
                    let options = rdd_controller::engine::EngineOptions {
                        managed_docker_host: Some(format!("unix://{}", paths.docker_socket.display())),
                        ..Default::default()
                    };
                    tokio::spawn(async move {
                        rdd_controller::engine::run(client, options, stopped).await.map_err(|err| err.to_string())
                    })
                }
            };
            tracing::info!(controller = controller.as_str(), "controller started");
            tasks.push((controller, task));
        }
        Ok(InProcessControllers { stop, tasks })
    }

    /// Asks every controller to stop and waits for them (a managed engine
    /// is stopped by the app controller on the way out).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (controller, task) in self.tasks {
            match task.await {
                Ok(Ok(())) => tracing::info!(controller = controller.as_str(), "controller stopped"),
                Ok(Err(err)) => tracing::error!(controller = controller.as_str(), error = %err, "controller failed"),
                Err(err) => tracing::error!(controller = controller.as_str(), error = %err, "controller task panicked"),
            }
        }
    }
}
