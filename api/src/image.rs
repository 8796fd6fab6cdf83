//! The Image mirror (`images.containers.rancherdesktop.io`, SPEC §4.3):
//! one object per tag of an engine image, or one for a dangling image.
//! Mirrors carry no spec; deleting one asks the engine to remove the tag.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An Image mirror has no desired state: it only reflects the engine.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "containers.rancherdesktop.io",
    version = "v1alpha1",
    kind = "Image",
    namespaced,
    status = "ImageStatus",
    derive = "PartialEq",
    category = "all",
    no_spec,
    doc = "A mirror of one tag of an engine image (or of a dangling image).",
    printcolumn(name = "Tag", type_ = "string", json_path = ".status.repoTag", description = "Repository tag"),
    printcolumn(name = "Size", type_ = "integer", json_path = ".status.size", description = "Size in bytes"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    selectable = ".status.repoTag",
    selectable = ".status.id",
    selectable = ".status.namespace"
)]
pub struct ImageFields {}

/// The engine's view of the image.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ImageStatus {
    /// Engine namespace, `moby` for dockerd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Image ID (`sha256:...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The tag this mirror stands for; absent for a dangling image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_tag: Option<String>,
    /// Repository digests, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_digests: Vec<String>,
    /// When the engine created the image (RFC 3339, seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}
