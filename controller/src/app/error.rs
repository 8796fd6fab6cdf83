//! Errors of the app controller: why an engine did not start or stop (the
//! text becomes a Running condition message, so each one says what to do),
//! and why the controller loop itself gave up.

use std::path::PathBuf;
use std::time::Duration;

use super::options::human_duration;

/// Why an engine did not come up. The message is what the user reads in
/// `Running=False/StartFailed`, so it names the path, socket or status
/// involved and what to change.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{program} not found in PATH; install {package} or set {env_var}")]
    NotInPath { program: &'static str, package: &'static str, env_var: &'static str },
    #[error(
        "{program} not found at {path} (from {env_var}); point {env_var} at a {program} binary or unset it to use PATH"
    )]
    NotAtPath { program: &'static str, path: PathBuf, env_var: &'static str },
    #[error("could not run {path}: {source}; check that it is an executable {program} binary")]
    Spawn {
        program: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} exited during start ({status}); last lines of its output (full log: {log}):\n{tail}")]
    Exited { program: &'static str, status: String, tail: String, log: PathBuf },
    #[error("no answer from {endpoint} within {}", human_duration(*.timeout))]
    NoAnswer { endpoint: String, timeout: Duration },
    #[error("could not {doing} {path}: {source}; check the permissions of its parent directory")]
    Filesystem {
        doing: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "endpoint {endpoint:?} is not a unix:// or tcp:// address; set spec.containerEngine.endpoint to e.g. unix:///var/run/docker.sock"
    )]
    BadEndpoint { endpoint: String },
}

/// Why an engine did not stop cleanly. The process is gone either way.
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    #[error("{program} (pid {pid}) did not stop within {}; killed", human_duration(*.grace))]
    Killed { program: &'static str, pid: i32, grace: Duration },
    #[error("could not signal {program} (pid {pid}): {source}")]
    Signal {
        program: &'static str,
        pid: i32,
        #[source]
        source: nix::Error,
    },
}

/// Why the app controller stopped before being asked to.
#[derive(Debug, thiserror::Error)]
pub enum AppControllerError {
    #[error("app controller: the App watch ended unexpectedly; restart the service")]
    WatchEnded,
    #[error("app controller: the engine supervisor task failed: {0}; restart the service")]
    Supervisor(String),
}

/// Why one reconcile pass failed; the loop retries it with backoff.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReconcileError {
    #[error("could not {doing} the App: {source}")]
    Kube {
        doing: &'static str,
        #[source]
        source: kube::Error,
    },
    #[error("the App's status kept changing under the writer ({attempts} conflicts in a row); will retry")]
    Conflicts { attempts: u32 },
}
