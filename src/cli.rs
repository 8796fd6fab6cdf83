//! The command line of `rdd` (clap derive). Only commands that work are
//! defined here; each one's logic lives in the `rdd-commands` crate.

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{ArgAction, Args, Parser, Subcommand};
use clap_complete::Shell;
use rdd_api::instance::{DEFAULT_INSTANCE, PathKey};
use rdd_commands::color::ColorChoice;
use rdd_commands::duration::parse_duration;
use rdd_commands::logging::{LogFormat, LogLevel};
use rdd_commands::paths::PathsFormat;
use rdd_commands::svc::ControllerSet;
use rdd_commands::svc::status::StatusFormat;

/// Rancher Desktop daemon: a local Kubernetes-compatible control plane that
/// runs a container engine and mirrors its containers, images and volumes.
#[derive(Debug, Parser)]
#[command(name = "rdd", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Instance to act on: files, ports and sockets of `rancher-desktop-NAME`.
    /// Must come before the command.
    #[arg(long, value_name = "NAME", env = "RDD_INSTANCE", default_value = DEFAULT_INSTANCE)]
    pub instance: String,

    /// Log level for rdd's diagnostics on stderr (default: warn; info for services).
    #[arg(long, global = true, value_name = "LEVEL", env = "RDD_LOG_LEVEL")]
    pub log_level: Option<LogLevel>,

    /// Log line format.
    #[arg(long, global = true, value_name = "FORMAT", default_value = "text")]
    pub log_format: LogFormat,

    /// When to colour output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage this instance's service and files.
    Svc(SvcArgs),
    /// Set properties of the App (PROP=VALUE) and wait until it settles.
    ///
    /// PROP is a dot path into the App's spec as the server's App CRD
    /// defines it (the table below); values are typed by that schema.
    /// Exit codes: 2 bad property or value, 3 the API server rejected the
    /// change, 4 timed out, 5 the engine reported a ...Failed reason,
    /// 130 interrupted.
    Set(SetArgs),
    /// Start the container engine (`set running=true`) and print its DOCKER_HOST.
    ///
    /// Prints `export DOCKER_HOST=...`, so `eval "$(rdd start)"` points
    /// docker at this instance's engine.
    Start(WaitArgs),
    /// Stop the container engine (`set running=false`); no App: nothing to do.
    Stop(WaitArgs),
    /// Delete the App: the engine stops, mirrors go, then the App; waits until it is gone.
    Delete(WaitArgs),
    /// Run CMD with this instance's DOCKER_HOST and KUBECONFIG, starting the engine first.
    ///
    /// CMD's exit code is rdd's (127: not found, 126: not executable).
    Run(RunArgs),
    /// kubectl's verbs against this instance: get, describe, wait, patch, delete, create, apply, label, annotate natively; others through kubectl.
    ///
    /// Output is byte-identical to kubectl 1.33. Any other verb or flag runs
    /// the real kubectl from PATH with this instance's kubeconfig.
    #[command(disable_help_flag = true)]
    Ctl {
        /// The kubectl command line (`rdd ctl --help` lists the native verbs).
        #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Run kubectl from PATH with this instance's kubeconfig.
    #[command(disable_help_flag = true)]
    Kubectl {
        /// kubectl's arguments.
        #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Run the engine controller alone against any cluster that serves rdd's CRDs.
    ///
    /// Mirrors the Docker daemon's containers, images and volumes into the
    /// App's mirror namespace (or --namespace) until SIGINT or SIGTERM.
    EngineController(EngineControllerArgs),
    /// Print the CustomResourceDefinitions of rdd's kinds as YAML.
    Crds,
    /// Print a shell completion script.
    Completion {
        /// Shell to complete for.
        shell: Shell,
    },
    /// Print the version.
    Version,
}

impl Command {
    /// Long-running commands log at info by default, with timestamps.
    pub fn is_long_running(&self) -> bool {
        matches!(self, Command::Svc(SvcArgs { command: SvcCommand::Serve { .. } }) | Command::EngineController(_))
    }
}

/// The default `--timeout` of the App commands, as the user would spell it.
pub const APP_TIMEOUT: &str = "5m";

/// How an App command waits for the App to settle.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Wait until the App settles; --wait=false returns once the change is written.
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
          default_missing_value = "true", action = ArgAction::Set)]
    pub wait: bool,
    /// Longest wait (exit 4 beyond it); 0 waits forever.
    #[arg(long, value_name = "DURATION", default_value = APP_TIMEOUT, value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Validate and send the change as a server-side dry run: nothing is stored, nothing waits.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Properties to set, e.g. running=true containerEngine.name=moby.
    #[arg(value_name = "PROP=VALUE", required = true)]
    pub assignments: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Longest wait for the engine to be running (exit 4 beyond it); 0 waits forever.
    #[arg(long, value_name = "DURATION", default_value = APP_TIMEOUT, value_parser = parse_duration)]
    pub timeout: Duration,
    /// The program and its arguments.
    #[arg(value_name = "CMD", required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct EngineControllerArgs {
    /// Kubeconfig of the cluster [default: $KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: the file's current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Docker endpoint to mirror (e.g. unix:///run/docker.sock) [default:
    /// the engine the App runs].
    #[arg(long, value_name = "URL")]
    pub docker_host: Option<String>,
    /// Mirror into this namespace [default: the App's spec.namespace].
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// How often a full sync repairs dropped events.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub resync_period: Duration,
    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9090).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct SvcArgs {
    #[command(subcommand)]
    pub command: SvcCommand,
}

#[derive(Debug, Subcommand)]
pub enum SvcCommand {
    /// Run the service in the foreground: API server and in-process controllers.
    ///
    /// The first SIGINT or SIGTERM shuts down gracefully, a second one exits
    /// at once.
    Serve {
        /// Controllers to run: a comma list of `*` (all), names (app, engine)
        /// and -NAME exclusions; empty for the API server alone.
        #[arg(long, value_name = "SPEC", default_value = "*", value_parser = ControllerSet::parse)]
        controllers: ControllerSet,
        /// Listen on exactly this port [default: 6443 + instance index, or a
        /// free port when that one is taken].
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// Listen on this address instead of 127.0.0.1. Any non-loopback
        /// address makes the API reachable from other machines.
        #[arg(long, value_name = "ADDR")]
        bind: Option<IpAddr>,
    },
    /// Start the service in the background and wait until it is ready.
    Start {
        /// Wait until the service is ready; --wait=false returns once it is started.
        #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
              default_missing_value = "true", action = ArgAction::Set)]
        wait: bool,
        /// Longest wait for readiness (exit 4 beyond it); 0 does not wait.
        #[arg(long, value_name = "DURATION", default_value = "90s", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// Stop the background service (graceful shutdown) and wait until it is gone.
    Stop {
        /// Wait until the service has exited; --wait=false returns once it is signalled.
        #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
              default_missing_value = "true", action = ArgAction::Set)]
        wait: bool,
        /// Longest wait for the service to exit (exit 4 beyond it); 0 does not wait.
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// Show whether the instance exists and its service runs.
    Status {
        /// Output format.
        #[arg(short = 'o', long, value_name = "FORMAT", default_value = "text")]
        output: StatusFormat,
    },
    /// Print the instance's kubeconfig (contexts root and the read-only user).
    Config,
    /// Print the service's log.
    Logs {
        /// Keep printing new lines until interrupted.
        #[arg(short = 'f', long)]
        follow: bool,
    },
    /// Stop the service, then remove all of the instance's files.
    Delete {
        /// Longest wait for the service to exit (exit 4 beyond it, nothing removed).
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// Print the files and directories this instance uses.
    Paths {
        /// Print only this path.
        #[arg(value_name = "KEY", value_parser = PossibleValuesParser::new(PathKey::ALL.map(PathKey::as_str)))]
        key: Option<String>,
        /// Output format.
        #[arg(short = 'o', long, value_name = "FORMAT", default_value = "table")]
        output: PathsFormat,
    },
}
