//! rdd's controllers. `app` owns the engine lifecycle (SPEC §5): it runs
//! or connects to a container engine and reports Running and Settled on
//! the App. `engine` owns the mirror (SPEC §6): Docker containers, images
//! and volumes as Kubernetes resources, and Kubernetes-side changes back
//! into Docker calls.

pub mod app;
pub mod engine;
