//! The ContainerNamespace mirror (`containernamespaces.containers.rancherdesktop.io`,
//! short name `cns`, SPEC §4.5): metadata only. The engine controller keeps
//! exactly one, `moby`, while it mirrors a moby engine.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The namespace of the moby engine.
pub const MOBY: &str = "moby";

/// A ContainerNamespace carries nothing but its name.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[kube(
    group = "containers.rancherdesktop.io",
    version = "v1alpha1",
    kind = "ContainerNamespace",
    namespaced,
    derive = "PartialEq",
    category = "all",
    shortname = "cns",
    no_spec,
    doc = "A namespace of the container engine (dockerd has one: moby)."
)]
pub struct ContainerNamespaceFields {}
