//! Diagnostics on stderr through `tracing` (SPEC §2). The level comes from
//! `--log-level` or `RDD_LOG_LEVEL`, else from `RUST_LOG` (full filter
//! syntax), else the default: `warn` for CLI commands, `info` for
//! long-running services. A level applies to rdd's own crates; libraries
//! stay at `warn` unless the level is `error` or `trace`, where one level
//! for everything is what a user asking for it wants. kube's per-request
//! error lines and its warnings about dropped watch streams are silenced
//! below debug (see [`KUBE_CLIENT_REQUESTS`] and [`KUBE_CLIENT`]).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::CommandError;

/// A log level as the user names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// How log lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Everything that decides the logging set-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// `--log-level` or `RDD_LOG_LEVEL`.
    pub level: Option<LogLevel>,
    /// `RUST_LOG`, used only when no level was given.
    pub rust_log: Option<String>,
    pub format: LogFormat,
    /// Services log at `info` by default and stamp each line with the time.
    pub long_running: bool,
    /// Colour the level names.
    pub ansi: bool,
}

/// The `EnvFilter` directives for a configuration.
pub fn filter_directives(config: &LogConfig) -> String {
    let level = match (config.level, config.rust_log.as_deref()) {
        (Some(level), _) => level,
        (None, Some(rust_log)) if !rust_log.trim().is_empty() => return rust_log.to_owned(),
        (None, _) if config.long_running => LogLevel::Info,
        (None, _) => LogLevel::Warn,
    };
    match level {
        LogLevel::Trace => level.as_str().to_owned(),
        LogLevel::Error => format!("error,{KUBE_CLIENT_REQUESTS}=off"),
        LogLevel::Warn => format!("warn,{KUBE_CLIENT}=error,{KUBE_CLIENT_REQUESTS}=off"),
        // Targets match by prefix: `rdd` covers rdd_api, rdd_apiserver, ...
        LogLevel::Info => format!("warn,rdd=info,{KUBE_CLIENT}=error,{KUBE_CLIENT_REQUESTS}=off"),
        LogLevel::Debug => "warn,rdd=debug".to_owned(),
    }
}

/// kube's client logs every failed request at ERROR ("failed with error
/// client error (Connect)") before returning the error to its caller, who
/// reports it with context (or retries, as a watcher does). Below debug
/// those lines are noise; at debug and trace they are kept.
const KUBE_CLIENT_REQUESTS: &str = "kube_client::client::builder";

/// kube's client also warns when a watch stream ends early ("eof in poll"),
/// which the watchers rdd uses recover from by themselves.
const KUBE_CLIENT: &str = "kube_client::client";

/// Installs the global subscriber. Fails only on a malformed `RUST_LOG`.
pub fn init(config: &LogConfig) -> Result<(), CommandError> {
    let directives = filter_directives(config);
    let filter = EnvFilter::builder().parse(&directives).map_err(|err| {
        CommandError::usage(format!(
            "invalid RUST_LOG filter {directives:?}: {err}; use e.g. RUST_LOG=info or RUST_LOG=rdd=debug"
        ))
    })?;
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_span_events(FmtSpan::NONE);
    // A second init (tests calling into commands) keeps the first subscriber.
    let _ = match (config.format, config.long_running) {
        (LogFormat::Json, _) => builder.json().try_init(),
        (LogFormat::Text, true) => builder.with_ansi(config.ansi).try_init(),
        (LogFormat::Text, false) => builder.with_ansi(config.ansi).without_time().with_target(false).try_init(),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(level: Option<LogLevel>, rust_log: Option<&str>, long_running: bool) -> LogConfig {
        LogConfig { level, rust_log: rust_log.map(str::to_owned), format: LogFormat::Text, long_running, ansi: false }
    }

    #[test]
    fn defaults_depend_on_the_kind_of_command() {
        assert_eq!(
            filter_directives(&config(None, None, false)),
            "warn,kube_client::client=error,kube_client::client::builder=off"
        );
        assert_eq!(
            filter_directives(&config(None, None, true)),
            "warn,rdd=info,kube_client::client=error,kube_client::client::builder=off"
        );
    }

    #[test]
    fn explicit_level_beats_rust_log() {
        assert_eq!(filter_directives(&config(Some(LogLevel::Debug), Some("trace"), false)), "warn,rdd=debug");
        assert_eq!(filter_directives(&config(None, Some("hyper=debug"), false)), "hyper=debug");
        assert_eq!(
            filter_directives(&config(None, Some("  "), false)),
            "warn,kube_client::client=error,kube_client::client::builder=off"
        );
    }

    #[test]
    fn error_and_trace_apply_to_everything() {
        assert_eq!(
            filter_directives(&config(Some(LogLevel::Error), None, true)),
            "error,kube_client::client::builder=off"
        );
        assert_eq!(filter_directives(&config(Some(LogLevel::Trace), None, false)), "trace");
    }
}
