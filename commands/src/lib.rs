//! The logic behind rdd's user-facing commands. The binary's `src/` only
//! parses arguments and dispatches here; everything a command does, how it
//! reports errors (SPEC §2 exit codes), how it logs and colours its output,
//! lives in this crate.

pub mod app;
pub mod color;
pub mod ctl;
pub mod duration;
pub mod engine_controller;
pub mod exit;
pub mod kube_error;
pub mod logging;
pub mod output;
pub mod paths;
pub mod svc;

pub use exit::{CommandError, ExitStatus};
