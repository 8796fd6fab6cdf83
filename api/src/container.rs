//! The Container mirror (`containers.containers.rancherdesktop.io`, SPEC
//! §4.2): Docker's view of one container in `status`, and the user's
//! intent for it in `spec.state`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the user wants the container to be.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "containers.rancherdesktop.io",
    version = "v1alpha1",
    kind = "Container",
    namespaced,
    status = "ContainerStatus",
    derive = "PartialEq",
    category = "all",
    doc = "A mirror of one container of the engine; metadata.name is the full container ID.",
    printcolumn(name = "Name", type_ = "string", json_path = ".status.name", description = "Container name"),
    printcolumn(name = "Status", type_ = "string", json_path = ".status.status", description = "Container status"),
    printcolumn(name = "Image", type_ = "string", json_path = ".status.image", description = "Image ID"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    selectable = ".status.name",
    selectable = ".status.namespace",
    selectable = ".status.status"
)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSpec {
    /// `unknown` mirrors Docker without intent; `running` or `created`
    /// ask the engine controller to start or stop the container.
    #[serde(default)]
    pub state: DesiredState,
}

/// The state a user asks a container to be in.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum DesiredState {
    #[default]
    Unknown,
    Running,
    Created,
}

impl DesiredState {
    pub fn as_str(self) -> &'static str {
        match self {
            DesiredState::Unknown => "unknown",
            DesiredState::Running => "running",
            DesiredState::Created => "created",
        }
    }
}

/// Docker's `State.Status` of a container.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ObservedState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    #[default]
    Unknown,
}

impl ObservedState {
    /// Maps Docker's status string; anything Docker may add later is
    /// `unknown` rather than an error, so a new engine never breaks the
    /// mirror.
    pub fn from_docker(status: &str) -> Self {
        match status {
            "created" => ObservedState::Created,
            "running" => ObservedState::Running,
            "paused" => ObservedState::Paused,
            "restarting" => ObservedState::Restarting,
            "removing" => ObservedState::Removing,
            "exited" => ObservedState::Exited,
            "dead" => ObservedState::Dead,
            _ => ObservedState::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObservedState::Created => "created",
            ObservedState::Running => "running",
            ObservedState::Paused => "paused",
            ObservedState::Restarting => "restarting",
            ObservedState::Removing => "removing",
            ObservedState::Exited => "exited",
            ObservedState::Dead => "dead",
            ObservedState::Unknown => "unknown",
        }
    }
}

/// Docker's view of the container.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// Container name without the leading `/` or namespace prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `moby`, or the prefix of a `/prefix/name` container name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Entrypoint path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Entrypoint arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Image ID; matches `Image.status.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Exposed ports, sorted by name (`80/tcp`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub ports: Vec<ContainerPort>,
    /// Container labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Docker's container status.
    #[serde(default)]
    pub status: ObservedState,
    /// Process ID of the main process while running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    /// Exit code of the last run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Docker's last error for this container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the engine created the container (RFC 3339, seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
    /// When the container last started; absent if it never did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    /// When the container last stopped; absent if it never did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    /// Running, Paused, Restarting, OOMKilled, Dead (from Docker) and
    /// StateReconciled (whether `spec.state` is met).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// One exposed container port and where it is published.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    /// Port and protocol, e.g. `80/tcp`.
    pub name: String,
    /// Host addresses the port is published on, sorted by host IP and port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bindings: Option<Vec<PortBinding>>,
}

/// A host address a container port is published on.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct PortBinding {
    #[serde(default)]
    pub host_ip: String,
    #[serde(default)]
    pub host_port: String,
}

/// Condition types of a Container (SPEC §4.2).
pub mod condition {
    pub const RUNNING: &str = "Running";
    pub const PAUSED: &str = "Paused";
    pub const RESTARTING: &str = "Restarting";
    pub const OOM_KILLED: &str = "OOMKilled";
    pub const DEAD: &str = "Dead";
    pub const STATE_RECONCILED: &str = "StateReconciled";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_docker_status_maps_to_unknown() {
        assert_eq!(ObservedState::from_docker("paused"), ObservedState::Paused);
        assert_eq!(ObservedState::from_docker("hibernating"), ObservedState::Unknown);
        for state in [
            ObservedState::Created,
            ObservedState::Running,
            ObservedState::Paused,
            ObservedState::Restarting,
            ObservedState::Removing,
            ObservedState::Exited,
            ObservedState::Dead,
            ObservedState::Unknown,
        ] {
            assert_eq!(ObservedState::from_docker(state.as_str()), state);
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }

    #[test]
    fn spec_state_defaults_to_unknown() {
        let spec: ContainerSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(spec.state, DesiredState::Unknown);
    }
}
