//! Handing a command line to the real kubectl: `rdd kubectl ARGS`, the
//! `kubectl` multi-call link, and ctl verbs rdd does not serve natively.
//! kubectl runs with `KUBECONFIG` set to the instance kubeconfig; rdd's own
//! process is replaced (exec), so kubectl's exit code is the command's.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use crate::{CommandError, ExitStatus};

/// The verbs `rdd ctl` serves itself; named in the error when kubectl is missing.
pub const NATIVE_VERBS: &[&str] = &[
    "get",
    "describe",
    "wait",
    "wait-condition",
    "patch",
    "delete",
    "create",
    "apply",
    "label",
    "annotate",
    "api-resources",
    "config view",
];

/// The first `kubectl` on PATH that is not rdd itself (a multi-call link
/// named kubectl would otherwise exec itself forever).
pub fn find_kubectl() -> Option<PathBuf> {
    let own = std::env::current_exe().ok().and_then(|p| p.canonicalize().ok());
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("kubectl")).find(|candidate| {
        is_executable(candidate) && candidate.canonicalize().ok().is_some_and(|real| Some(&real) != own.as_ref())
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Replaces this process with kubectl; returns only on failure.
pub fn exec_kubectl(kubeconfig: &Path, args: &[OsString], why: &str) -> CommandError {
    let Some(kubectl) = find_kubectl() else {
        return CommandError::failure(format!(
            "{why}, and no kubectl was found on PATH to run it; rdd ctl serves natively: {}",
            NATIVE_VERBS.join(", ")
        ));
    };
    tracing::debug!(kubectl = %kubectl.display(), "running kubectl with the instance kubeconfig");
    let err = std::process::Command::new(&kubectl).args(args).env("KUBECONFIG", kubeconfig).exec();
    CommandError::new(ExitStatus::Program(126), format!("cannot run {}: {err}", kubectl.display()))
}
