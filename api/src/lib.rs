//! rdd's shared vocabulary: the Kubernetes resource types rdd serves and
//! mirrors (SPEC §4), the CustomResourceDefinitions generated from them, the
//! rules that name mirror objects, the condition helpers every controller
//! uses, the per-instance file layout (SPEC §1), and YAML read as
//! Kubernetes reads it.
//!
//! Everything here is pure: no I/O, no clocks read implicitly, no
//! directories created. Callers pass in the time and the environment.

// kube-derive takes one `printcolumn(...)` per column; clippy reads the
// repeated `type_ = "string"` inside them as duplicated attributes.
#![allow(clippy::duplicated_attributes)]

pub mod app;
pub mod conditions;
pub mod container;
pub mod container_namespace;
pub mod crds;
pub mod duration;
pub mod image;
pub mod instance;
pub mod jsonpath;
pub mod mirror;
pub mod volume;
pub mod yaml;

pub use app::{App, AppSpec, AppStatus};
pub use container::{Container, ContainerSpec, ContainerStatus};
pub use container_namespace::ContainerNamespace;
pub use image::{Image, ImageStatus};
pub use volume::{Volume, VolumeStatus};

/// Re-exported so that every crate of the workspace names the same
/// Kubernetes types without adding its own `k8s-openapi` feature set.
pub use k8s_openapi;
/// The timestamp type of `k8s_openapi::...::meta::v1::Time`.
pub use k8s_openapi::jiff;
