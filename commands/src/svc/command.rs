//! The `rdd svc` subcommands as a user runs them: each calls the
//! service life cycle and prints one line saying what happened.

use std::time::Duration;

use super::delete::{Deleted, delete};
use super::service::{Service, StartOutcome, StopOutcome};
use super::status::{StatusFormat, render, status};
use crate::{CommandError, output};

fn pid_text(pid: Option<u32>) -> String {
    pid.map_or_else(String::new, |pid| format!(" (pid {pid})"))
}

/// `rdd svc start [--wait=BOOL] [--timeout D]`.
pub async fn start(service: &Service, wait: Option<Duration>) -> Result<(), CommandError> {
    let instance = service.instance();
    let line = match service.start(wait).await? {
        StartOutcome::AlreadyRunning { pid } => {
            format!("rdd service of instance {instance} is already running{}\n", pid_text(pid))
        }
        StartOutcome::Started { pid } if wait.is_some() => {
            format!("rdd service of instance {instance} started (pid {pid}) and ready\n")
        }
        StartOutcome::Started { pid } => format!("rdd service of instance {instance} starting (pid {pid})\n"),
    };
    output::print(&line)
}

/// `rdd svc stop [--wait=BOOL] [--timeout D]`.
pub async fn stop(service: &Service, wait: Option<Duration>) -> Result<(), CommandError> {
    let instance = service.instance();
    let line = match service.stop(wait).await? {
        StopOutcome::AlreadyStopped => format!("rdd service of instance {instance} is already stopped\n"),
        StopOutcome::Signalled { pid } => format!("rdd service of instance {instance} stopping (pid {pid})\n"),
        StopOutcome::Stopped { pid } => format!("rdd service of instance {instance} stopped (pid {pid})\n"),
    };
    output::print(&line)
}

/// `rdd svc status [-o text|json]`.
pub async fn show_status(service: &Service, format: StatusFormat) -> Result<(), CommandError> {
    output::print(&render(&status(service).await?, format))
}

/// `rdd svc config`: the kubeconfig as the service wrote it.
pub async fn config(service: &Service) -> Result<(), CommandError> {
    let path = &service.paths().config;
    match tokio::fs::read_to_string(path).await {
        Ok(text) => output::print(&text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(CommandError::failure(format!(
            "no kubeconfig at {}: the service of instance {} has never been started; run `rdd svc start`",
            path.display(),
            service.instance()
        ))),
        Err(err) => Err(CommandError::failure(format!("reading the kubeconfig {}: {err}", path.display()))),
    }
}

/// `rdd svc delete [--timeout D]`.
pub async fn remove(service: &Service, timeout: Duration) -> Result<(), CommandError> {
    let instance = service.instance();
    let Deleted { stopped, removed } = delete(service, timeout).await?;
    let mut text = String::new();
    if let Some(StopOutcome::Stopped { pid }) = stopped {
        text.push_str(&format!("rdd service of instance {instance} stopped (pid {pid})\n"));
    }
    if removed.is_empty() {
        text.push_str(&format!("instance {instance} has no files: nothing to delete\n"));
    } else {
        for path in &removed {
            text.push_str(&format!("removed {}\n", path.display()));
        }
        text.push_str(&format!("instance {instance} deleted\n"));
    }
    output::print(&text)
}
