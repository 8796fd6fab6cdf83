//! The engine controller (SPEC §6): mirrors a Docker daemon's containers,
//! images and volumes into Kubernetes resources in the App's mirror
//! namespace, and turns Kubernetes-side deletes and `spec.state` changes
//! into Docker calls.
//!
//! Three parts with narrow seams: a Docker source ([`docker`], bollard in
//! [`bollard_source`]); pure decisions ([`mapping`], [`plan`], [`events`],
//! [`reconcile`], the [`queue`]); and the mirror writer over kube
//! ([`store`], [`kube_store`]). [`handlers`] and [`session`] tie them into
//! the mirror loop; [`supervisor`] follows the App and owns the session.
//! Entry point: [`run`].

pub mod bollard_source;
pub mod docker;
pub mod error;
pub mod events;
pub mod handlers;
pub mod kube_client;
pub mod kube_store;
pub mod lanes;
pub mod mapping;
pub mod metrics;
pub mod plan;
pub mod queue;
pub mod reconcile;
pub mod session;
pub mod store;
pub mod supervisor;

pub use docker::{DockerConnector, DockerSource};
pub use error::{DockerError, DockerErrorKind, EngineError, StoreError, WorkError};
pub use kube_client::client_from_kubeconfig;
pub use metrics::{Metrics, serve_metrics};
pub use supervisor::{EngineOptions, run, run_with};

#[cfg(test)]
mod handlers_tests;
#[cfg(test)]
mod session_docker_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod testing;
