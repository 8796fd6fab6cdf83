//! `rdd svc status [-o text|json]`: is the instance created (its data
//! directory exists), is the service running (and its pid), is it ready,
//! and where it listens.

use std::path::PathBuf;

use kube::config::Kubeconfig;
use serde::Serialize;

use super::client::ReadyProbe;
use super::service::{Service, State};
use crate::CommandError;

/// Output format of `rdd svc status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StatusFormat {
    #[default]
    Text,
    Json,
}

/// What `svc status` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    pub instance: String,
    pub created: bool,
    pub running: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Only known while running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// The API server URL, while running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    pub config: PathBuf,
}

/// Looks at the instance's files and, when it runs, asks `/readyz` once.
pub async fn status(service: &Service) -> Result<StatusReport, CommandError> {
    let paths = service.paths();
    let state = service.state()?;
    let (running, pid) = match state {
        State::Stopped => (false, None),
        State::Running { pid } => (true, pid),
    };
    let (ready, server) = if running {
        let ready = ReadyProbe::default().check(&paths.config).await;
        let server = tokio::fs::read_to_string(&paths.config)
            .await
            .ok()
            .and_then(|text| Kubeconfig::from_yaml(&text).ok())
            .and_then(|config| config.clusters.into_iter().next())
            .and_then(|cluster| cluster.cluster)
            .and_then(|cluster| cluster.server);
        (Some(ready), server)
    } else {
        (None, None)
    };
    Ok(StatusReport {
        instance: service.instance().suffix().to_owned(),
        created: paths.dir.is_dir(),
        running,
        pid,
        ready,
        server,
        config: paths.config.clone(),
    })
}

/// Renders the report: aligned `key  value` lines, or one JSON object.
pub fn render(report: &StatusReport, format: StatusFormat) -> String {
    match format {
        // A struct of strings, booleans and numbers always serializes.
        StatusFormat::Json => format!("{}\n", serde_json::to_string_pretty(report).unwrap_or_default()),
        StatusFormat::Text => {
            let mut lines = vec![
                ("instance", report.instance.clone()),
                ("created", report.created.to_string()),
                ("running", report.running.to_string()),
            ];
            if let Some(pid) = report.pid {
                lines.push(("pid", pid.to_string()));
            }
            if let Some(ready) = report.ready {
                lines.push(("ready", ready.to_string()));
            }
            if let Some(server) = &report.server {
                lines.push(("server", server.clone()));
            }
            lines.push(("config", report.config.display().to_string()));
            lines.iter().map(|(key, value)| format!("{key:<8}  {value}\n")).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(running: bool) -> StatusReport {
        StatusReport {
            instance: "2".into(),
            created: true,
            running,
            pid: running.then_some(42),
            ready: running.then_some(true),
            server: running.then(|| "https://127.0.0.1:6445".into()),
            config: "/d/config.yaml".into(),
        }
    }

    #[test]
    fn text_lists_what_is_known() {
        assert_eq!(
            render(&report(true), StatusFormat::Text),
            "instance  2\ncreated   true\nrunning   true\npid       42\nready     true\nserver    https://127.0.0.1:6445\nconfig    /d/config.yaml\n"
        );
        assert_eq!(
            render(&report(false), StatusFormat::Text),
            "instance  2\ncreated   true\nrunning   false\nconfig    /d/config.yaml\n"
        );
    }

    #[test]
    fn json_omits_what_is_unknown() {
        let value: serde_json::Value = serde_json::from_str(&render(&report(false), StatusFormat::Json)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"instance": "2", "created": true, "running": false, "config": "/d/config.yaml"})
        );
        let value: serde_json::Value = serde_json::from_str(&render(&report(true), StatusFormat::Json)).unwrap();
        assert_eq!(value["pid"], 42);
        assert_eq!(value["ready"], true);
    }
}
