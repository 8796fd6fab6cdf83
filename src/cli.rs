//! The command line of `rdd` (clap derive). Only commands that work are
//! defined here; each one's logic lives in the `rdd-commands` crate.

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use rdd_api::instance::{DEFAULT_INSTANCE, PathKey};
use rdd_commands::color::ColorChoice;
use rdd_commands::logging::{LogFormat, LogLevel};
use rdd_commands::paths::PathsFormat;

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
        false
    }
}

#[derive(Debug, Args)]
pub struct SvcArgs {
    #[command(subcommand)]
    pub command: SvcCommand,
}

#[derive(Debug, Subcommand)]
pub enum SvcCommand {
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
