//! The Volume mirror (`volumes.containers.rancherdesktop.io`, SPEC §4.4).
//! The object name is derived from the volume name (which may hold
//! characters Kubernetes names cannot); `status.name` keeps the original.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Volume mirror has no desired state: it only reflects the engine.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "containers.rancherdesktop.io",
    version = "v1alpha1",
    kind = "Volume",
    namespaced,
    status = "VolumeStatus",
    derive = "PartialEq",
    category = "all",
    no_spec,
    doc = "A mirror of one engine volume.",
    printcolumn(name = "Volume", type_ = "string", json_path = ".status.name", description = "Volume name"),
    printcolumn(name = "Driver", type_ = "string", json_path = ".status.driver", description = "Volume driver"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    selectable = ".status.name",
    selectable = ".status.namespace"
)]
pub struct VolumeFields {}

/// The engine's view of the volume.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct VolumeStatus {
    /// The engine's volume name, unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Engine namespace, `moby` for dockerd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// When the engine created the volume (RFC 3339, seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mountpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}
