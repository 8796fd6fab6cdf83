//! `rdd set --help` (and `rdd help set`) appends the table of settable
//! properties. clap builds help before anything runs, so the arguments are
//! scanned here first: only when they ask for set's help is the table
//! fetched (from the running service's CRD, else the built-in one), and
//! the help printed here, so that clap's wrapping does not break the table.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::CommandFactory;

use rdd_api::instance::{DEFAULT_INSTANCE, Environment, Instance};
use rdd_commands::app::command::{self as app, Target, builtin_schema};
use rdd_commands::app::property::help_table;

/// Global options of `rdd` that take a value (as a separate argument).
const GLOBAL_WITH_VALUE: [&str; 4] = ["--instance", "--log-level", "--log-format", "--color"];

/// A request for `rdd set`'s help.
#[derive(Debug, PartialEq, Eq)]
pub struct HelpRequest {
    pub instance: String,
    /// `--help` or `help set` (long help) rather than `-h`.
    pub long: bool,
}

/// Prints set's help with the table on stdout.
pub fn print(request: &HelpRequest) -> ExitCode {
    let mut command = crate::cli::Cli::command();
    command.build();
    let help = match command.find_subcommand_mut("set") {
        Some(set) if request.long => set.render_long_help(),
        Some(set) => set.render_help(),
        None => return ExitCode::FAILURE,
    };
    // --color is not parsed yet: colour like clap would, on a terminal without NO_COLOR.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let help = if std::io::stdout().is_terminal() && !no_color { help.ansi().to_string() } else { help.to_string() };
    let text = format!("{help}\n{}", table(&request.instance));
    match rdd_commands::output::print(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(err.status.code()),
    }
}

/// What the arguments ask for, when it is `rdd set`'s help.
pub fn requested(args: impl IntoIterator<Item = OsString>) -> Option<HelpRequest> {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut instance = None;
    let mut words = Vec::new();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        if let Some(value) = arg.strip_prefix("--instance=") {
            instance = Some(value.to_owned());
        } else if GLOBAL_WITH_VALUE.contains(&arg.as_str()) && words.is_empty() {
            if arg == "--instance" {
                instance = args.get(index + 1).cloned();
            }
            index += 1;
        } else if !arg.starts_with('-') {
            words.push(arg.as_str());
        }
        index += 1;
    }
    let long = args.iter().any(|a| a == "--help");
    let short = args.iter().any(|a| a == "-h");
    let long = match words.as_slice() {
        ["set", ..] if long || short => long,
        ["help", "set", ..] => true,
        _ => return None,
    };
    let instance = instance
        .or_else(|| std::env::var("RDD_INSTANCE").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_INSTANCE.to_owned());
    Some(HelpRequest { instance, long })
}

/// The table, or the built-in one when anything about the instance is off.
pub fn table(instance: &str) -> String {
    let fallback = |why: String| {
        format!(
            "Settable properties (from the App CRD built into this rdd, since {why}):\n\n{}",
            help_table(&builtin_schema())
        )
    };
    let Ok(instance) = Instance::new(instance) else {
        return fallback(format!("{instance:?} is not a valid instance"));
    };
    let Ok(env) = Environment::from_process() else { return fallback("the home directory is unknown".to_owned()) };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return fallback(format!("no async runtime: {err}")),
    };
    runtime.block_on(app::set_help(&Target { instance: &instance, env: &env }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(args: &[&str]) -> Option<HelpRequest> {
        requested(args.iter().map(OsString::from))
    }

    #[test]
    fn only_set_help_is_recognised() {
        assert!(asks(&["set", "--help"]).is_some());
        assert!(asks(&["set", "running=true", "-h"]).is_some());
        assert!(asks(&["help", "set"]).is_some_and(|r| r.long));
        assert!(asks(&["--log-level", "debug", "set", "--help"]).is_some());
        assert!(asks(&["set", "running=true"]).is_none());
        assert!(asks(&["svc", "--help"]).is_none());
        assert!(asks(&["--help"]).is_none());
    }

    #[test]
    fn the_instance_comes_from_the_arguments_first() {
        assert_eq!(asks(&["--instance", "7", "set", "--help"]), Some(HelpRequest { instance: "7".into(), long: true }));
        assert_eq!(asks(&["--instance=x", "set", "-h"]), Some(HelpRequest { instance: "x".into(), long: false }));
    }
}
