//! The CustomResourceDefinitions of rdd's kinds, generated from the Rust
//! types (never written by hand), in a fixed order, and their YAML form
//! printed by `rdd crds` and installed by the control plane.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::{App, Container, ContainerNamespace, Image, Volume};

/// Every CRD rdd serves: the App first, then the mirror kinds.
pub fn all() -> Vec<CustomResourceDefinition> {
    vec![App::crd(), Container::crd(), Image::crd(), Volume::crd(), ContainerNamespace::crd()]
}

/// The CRDs as one multi-document YAML stream.
pub fn to_yaml() -> Result<String, serde_saphyr::ser_error::Error> {
    let mut out = String::new();
    for crd in all() {
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&crd)?);
    }
    Ok(out)
}
