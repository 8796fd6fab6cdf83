//! Process-environment knobs of the engine providers (`RDD_DOCKERD`,
//! `RDD_DOCKERD_ARGS`, `RDD_CONTAINERD`, `RDD_CONTAINERD_ARGS`) and the
//! start/stop time limits, read once when the controller starts so that
//! every start attempt uses the same settings.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// How long an engine gets to answer its first ping (SPEC §5.1).
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an engine gets between SIGTERM and SIGKILL (SPEC §5.1).
pub const STOP_GRACE: Duration = Duration::from_secs(30);

/// Settings the providers take from the service's environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    /// `RDD_DOCKERD`: the dockerd binary; `None` searches PATH.
    pub dockerd: Option<PathBuf>,
    /// `RDD_DOCKERD_ARGS`, split on whitespace: appended to dockerd's
    /// arguments (e.g. `--bridge=none --iptables=false` when several
    /// dockerds share a machine).
    pub dockerd_args: Vec<String>,
    /// `RDD_CONTAINERD`: the containerd binary; `None` searches PATH.
    pub containerd: Option<PathBuf>,
    /// `RDD_CONTAINERD_ARGS`, split on whitespace.
    pub containerd_args: Vec<String>,
    /// Cap on waiting for the first answer after spawning or connecting.
    pub start_timeout: Duration,
    /// Time between SIGTERM and SIGKILL when stopping a managed engine.
    pub stop_grace: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            dockerd: None,
            dockerd_args: Vec::new(),
            containerd: None,
            containerd_args: Vec::new(),
            start_timeout: START_TIMEOUT,
            stop_grace: STOP_GRACE,
        }
    }
}

impl EngineOptions {
    /// Reads the `RDD_*` variables of this process.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// Builds the options from a variable lookup; empty values count as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Self {
        let path = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let args = |name: &str| {
            var(name).map(|v| v.to_string_lossy().split_whitespace().map(str::to_owned).collect()).unwrap_or_default()
        };
        EngineOptions {
            dockerd: path("RDD_DOCKERD"),
            dockerd_args: args("RDD_DOCKERD_ARGS"),
            containerd: path("RDD_CONTAINERD"),
            containerd_args: args("RDD_CONTAINERD_ARGS"),
            ..EngineOptions::default()
        }
    }
}

/// `30s`, `1m30s`, `500ms`: the way condition messages print a duration.
pub fn human_duration(d: Duration) -> String {
    if d.subsec_millis() != 0 || d.as_secs() == 0 {
        return format!("{}ms", d.as_millis());
    }
    let secs = d.as_secs();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_and_args_split_on_whitespace() {
        let options = EngineOptions::from_vars(|name| match name {
            "RDD_DOCKERD" => Some("/opt/dockerd".into()),
            "RDD_DOCKERD_ARGS" => Some("  --bridge=none\t--iptables=false \n".into()),
            "RDD_CONTAINERD" => Some("".into()),
            _ => None,
        });
        assert_eq!(options.dockerd, Some(PathBuf::from("/opt/dockerd")));
        assert_eq!(options.dockerd_args, ["--bridge=none", "--iptables=false"]);
        assert_eq!(options.containerd, None, "empty means unset");
        assert!(options.containerd_args.is_empty());
        assert_eq!((options.start_timeout, options.stop_grace), (START_TIMEOUT, STOP_GRACE));
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
        assert_eq!(human_duration(Duration::from_secs(60)), "1m");
        assert_eq!(human_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(human_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(human_duration(Duration::ZERO), "0ms");
    }
}
