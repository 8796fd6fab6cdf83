//! The app controller (SPEC §5): runs or connects to the container engine
//! the App singleton asks for and reports what happened in its Running and
//! Settled conditions.
//!
//! Layers, outermost first: [`run`] is the reconcile loop over the App
//! (kube watch, finalizer, `/status` writes); a supervisor task owns the
//! engine and moves it toward the desired settings (restarts with backoff,
//! switches engines, stops at shutdown); providers behind
//! [`EngineProcess`] start, watch and stop one engine (managed dockerd or
//! containerd as child processes, or an external endpoint); the conditions
//! are pure functions of the App, the supervisor's report and the engine
//! controller's ContainerEngineReady.

mod error;
#[cfg(test)]
mod fake_api;
#[cfg(test)]
mod fake_engine;
mod options;
mod plan;
mod probe;
mod process;
mod provider;
mod reconciler;
mod settings;
mod state;
mod supervisor;

pub use error::{AppControllerError, StartError, StopError};
pub use options::{EngineOptions, START_TIMEOUT, STOP_GRACE};
pub use provider::{EngineProcess, provider};
pub use reconciler::{run, run_with_options};
pub use settings::{EngineSettings, Layout, docker_host, engine_address};
pub use state::{ConditionValue, running_condition, settled_condition};
pub use supervisor::{Desired, EngineFactory, Observed, Phase, SupervisorHandle};
