//! The App singleton (`apps.app.rancherdesktop.io/app`, SPEC §4.1): the
//! user's desired engine state in `spec`, and the conditions the app and
//! engine controllers write to say how far reality has caught up.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The only name an App may have.
pub const APP_NAME: &str = "app";
/// Mirror namespace used when `spec.namespace` is not set.
pub const DEFAULT_MIRROR_NAMESPACE: &str = "rancher-desktop";
/// Finalizer that makes an App delete stop the engine first (SPEC §5.1).
pub const CLEANUP_FINALIZER: &str = "rdd.rancherdesktop.io/cleanup";

/// Desired state of the container engine.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "app.rancherdesktop.io",
    version = "v1alpha1",
    kind = "App",
    status = "AppStatus",
    derive = "PartialEq",
    doc = "The rdd App singleton: whether the container engine runs, which one, and what happened.",
    validation = Rule::new("self.metadata.name == 'app'").message("App resource must be named 'app'"),
    printcolumn(name = "Running", type_ = "boolean", json_path = ".spec.running", description = "Whether the engine should run"),
    printcolumn(name = "Engine", type_ = "string", json_path = ".spec.containerEngine.name", description = "Container engine"),
    printcolumn(name = "Settled", type_ = "string", json_path = ".status.conditions[?(@.type==\"Settled\")].status", description = "Whether the engine reached the desired state"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
pub struct AppSpec {
    /// Whether the container engine should be running.
    pub running: bool,

    /// Namespace that holds the mirrors of the engine's containers, images
    /// and volumes. Set once, when the App is created.
    #[serde(default = "default_mirror_namespace")]
    #[x_kube(validation = Rule::new("self == oldSelf").message("spec.namespace is immutable"))]
    pub namespace: String,

    /// Which container engine to run and how to reach it.
    #[serde(default)]
    pub container_engine: ContainerEngine,
}

fn default_mirror_namespace() -> String {
    DEFAULT_MIRROR_NAMESPACE.to_owned()
}

/// The container engine an App runs.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[x_kube(validation = Rule::new("self.provider != 'external' || (has(self.endpoint) && self.endpoint != '')").message("spec.containerEngine.endpoint is required when provider is external"))]
#[serde(rename_all = "camelCase")]
pub struct ContainerEngine {
    /// The engine: `moby` (dockerd) or `containerd`.
    #[serde(default)]
    pub name: EngineName,
    /// `managed`: rdd runs the engine itself. `external`: rdd uses an
    /// engine that is already running at `endpoint`.
    #[serde(default)]
    pub provider: EngineProvider,
    /// Address of an external engine, e.g. `unix:///var/run/docker.sock`
    /// or `tcp://127.0.0.1:2375`. Required when provider is `external`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// Container engine implementation.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum EngineName {
    #[default]
    Moby,
    Containerd,
}

impl EngineName {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineName::Moby => "moby",
            EngineName::Containerd => "containerd",
        }
    }
}

/// Who runs the container engine.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum EngineProvider {
    #[default]
    Managed,
    External,
}

impl EngineProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineProvider::Managed => "managed",
            EngineProvider::External => "external",
        }
    }
}

/// Observed state of the App.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// Running, ContainerEngineReady and Settled, each stamped with the
    /// generation its writer acted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// Condition types of the App and their reasons (SPEC §4.1).
pub mod condition {
    /// Written by the app controller: is the engine process up?
    pub const RUNNING: &str = "Running";
    /// Written by the engine controller: is the mirror connected?
    pub const CONTAINER_ENGINE_READY: &str = "ContainerEngineReady";
    /// Written by the app controller: has everything caught up with spec?
    pub const SETTLED: &str = "Settled";

    pub mod reason {
        pub const RECONCILING: &str = "Reconciling";
        pub const STARTING: &str = "Starting";
        pub const STARTED: &str = "Started";
        pub const STOPPING: &str = "Stopping";
        pub const STOPPED: &str = "Stopped";
        pub const START_FAILED: &str = "StartFailed";
        pub const STOP_FAILED: &str = "StopFailed";
        pub const CONNECTED: &str = "Connected";
        pub const CONNECTING: &str = "Connecting";
        pub const CONNECT_FAILED: &str = "ConnectFailed";
        pub const NOT_APPLICABLE: &str = "NotApplicable";
        pub const SETTLED: &str = "Settled";
        pub const WAITING_FOR_ENGINE_PROCESS: &str = "WaitingForEngineProcess";
        pub const WAITING_FOR_ENGINE: &str = "WaitingForEngine";
        pub const ENGINE_STALE: &str = "EngineStale";
    }

    /// A reason ending in `Failed` means the writer gave up retrying for
    /// now and the user has to act (SPEC §4.1); `rdd set` exits 5 on it.
    pub fn is_failure_reason(reason: &str) -> bool {
        reason.ends_with("Failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_defaults_fill_namespace_and_engine() {
        let spec: AppSpec = serde_json::from_str(r#"{"running":true}"#).unwrap();
        assert_eq!(spec.namespace, "rancher-desktop");
        assert_eq!(spec.container_engine.name, EngineName::Moby);
        assert_eq!(spec.container_engine.provider, EngineProvider::Managed);
        assert_eq!(spec.container_engine.endpoint, None);
    }

    #[test]
    fn failure_reasons_are_the_ones_ending_in_failed() {
        assert!(condition::is_failure_reason("StartFailed"));
        assert!(condition::is_failure_reason("ConnectFailed"));
        assert!(!condition::is_failure_reason("Starting"));
        assert!(!condition::is_failure_reason("EngineStale"));
    }
}
