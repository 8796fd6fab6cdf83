//! `rdd`: parses the command line, sets up logging and colour, dispatches
//! to the command's logic in `rdd-commands`, and turns its result into the
//! exit code of SPEC §2.

mod cli;
mod set_help;

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use rdd_api::instance::{Environment, Instance, PathKey, Paths};
use rdd_commands::app::command as app;
use rdd_commands::color::{StreamColors, error_prefix};
use rdd_commands::logging::{self, LogConfig};
use rdd_commands::{CommandError, output};

use cli::{Cli, Command, SvcCommand, WaitArgs};

fn main() -> ExitCode {
    if let Some(request) = set_help::requested(std::env::args_os().skip(1)) {
        return set_help::print(&request);
    }
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if invoked_as_kubectl(args.first()) {
        // Multi-call (SPEC §2): a link named kubectl behaves as `rdd kubectl`.
        args.insert(1, "kubectl".into());
    }
    let cli = Cli::from_arg_matches(&Cli::command().get_matches_from(args)).unwrap_or_else(|err| err.exit());
    let colors = StreamColors::init(cli.color);
    let log_config = LogConfig {
        level: cli.log_level,
        rust_log: std::env::var("RUST_LOG").ok(),
        format: cli.log_format,
        long_running: cli.command.is_long_running(),
        ansi: colors.stderr,
    };
    let result = logging::init(&log_config).and_then(|()| run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A ctl verb that already wrote its stderr (kubectl's aggregate errors, an interrupted watch).
        Err(err) if err.verbatim && err.message.is_empty() => ExitCode::from(err.status.code()),
        // ctl errors are kubectl's stderr text already (`Error from server ...`).
        Err(err) if err.verbatim => {
            eprintln!("{}", err.message);
            ExitCode::from(err.status.code())
        }
        Err(err) => {
            eprintln!("{} {}", error_prefix(), err.message);
            ExitCode::from(err.status.code())
        }
    }
}

fn run(cli: Cli) -> Result<(), CommandError> {
    let instance = Instance::new(&cli.instance)
        .map_err(|err| CommandError::usage(format!("{err} (from --instance or RDD_INSTANCE)")))?;
    match cli.command {
        Command::Version => output::print(&format!("rdd {}\n", env!("CARGO_PKG_VERSION"))),
        Command::Crds => {
            let yaml = rdd_api::crds::to_yaml()
                .map_err(|err| CommandError::failure(format!("rendering the CRDs as YAML: {err}")))?;
            output::print(&yaml)
        }
        Command::Completion { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rdd", &mut script);
            output::print(&String::from_utf8_lossy(&script))
        }
        Command::Set(args) => {
            let env = environment()?;
            let target = app::Target { instance: &instance, env: &env };
            let wait = wait_options(&args.wait);
            client(app::set_command(&target, args.assignments, args.dry_run, wait))
        }
        Command::Start(args) => {
            let env = environment()?;
            client(app::start(&app::Target { instance: &instance, env: &env }, wait_options(&args)))
        }
        Command::Stop(args) => {
            let env = environment()?;
            client(app::stop(&app::Target { instance: &instance, env: &env }, wait_options(&args)))
        }
        Command::Delete(args) => {
            let env = environment()?;
            client(app::delete(&app::Target { instance: &instance, env: &env }, wait_options(&args)))
        }
        Command::Run(args) => {
            let env = environment()?;
            client(app::run(&app::Target { instance: &instance, env: &env }, &args.command, args.timeout))
        }
        Command::Ctl { args } => {
            let env = environment()?;
            client(rdd_commands::ctl::command::run(&instance, &env, args))
        }
        Command::Kubectl { args } => {
            let env = environment()?;
            let paths = Paths::new(&instance, &env);
            runtime(false)?.block_on(rdd_commands::svc::ensure_running(&instance, &env))?;
            Err(rdd_commands::ctl::kubectl::exec_kubectl(&paths.config, &args, "rdd kubectl runs kubectl"))
        }
        Command::EngineController(args) => {
            let env = environment()?;
            let paths = Paths::new(&instance, &env);
            let options = rdd_commands::engine_controller::EngineControllerOptions {
                kubeconfig: args.kubeconfig,
                context: args.context,
                docker_host: args.docker_host,
                managed_docker_host: Some(format!("unix://{}", paths.docker_socket.display())),
                namespace: args.namespace,
                resync_period: args.resync_period,
                metrics_addr: args.metrics_addr,
            };
            runtime(true)?.block_on(rdd_commands::engine_controller::run_standalone(options))
        }
        Command::Svc(svc) => {
            let env = environment()?;
            let paths = Paths::new(&instance, &env);
            tracing::debug!(instance = %instance, dir = %paths.dir.display(), "resolved instance paths");
            run_svc(svc.command, instance, env, paths)
        }
    }
}

fn run_svc(command: SvcCommand, instance: Instance, env: Environment, paths: Paths) -> Result<(), CommandError> {
    use rdd_commands::svc::{self, command as svc_command};
    let wait_for = |wait: bool, timeout: Duration| Some(timeout).filter(|t| wait && !t.is_zero());
    match command {
        SvcCommand::Paths { key, output: format } => {
            // clap already restricted KEY to the valid names.
            let key = key.as_deref().and_then(PathKey::parse);
            output::print(&rdd_commands::paths::render(&paths, key, format))
        }
        SvcCommand::Logs { follow } => svc::logs::print(&paths, follow),
        SvcCommand::Serve { controllers, port, bind } => {
            let options = svc::serve::ServeOptions { controllers, port, bind };
            runtime(true)?.block_on(svc::serve::serve(&instance, &paths, options))
        }
        SvcCommand::Start { wait, timeout } => {
            client(svc_command::start(&svc::Service::new(instance, env)?, wait_for(wait, timeout)))
        }
        SvcCommand::Stop { wait, timeout } => {
            client(svc_command::stop(&svc::Service::new(instance, env)?, wait_for(wait, timeout)))
        }
        SvcCommand::Status { output: format } => {
            client(svc_command::show_status(&svc::Service::new(instance, env)?, format))
        }
        SvcCommand::Config => client(svc_command::config(&svc::Service::new(instance, env)?)),
        SvcCommand::Delete { timeout } => client(svc_command::remove(&svc::Service::new(instance, env)?, timeout)),
    }
}

/// Whether argv[0] names `kubectl` (a multi-call link to rdd).
fn invoked_as_kubectl(program: Option<&std::ffi::OsString>) -> bool {
    program
        .and_then(|p| std::path::Path::new(p).file_name())
        .is_some_and(|name| name == "kubectl" || name == "kubectl.exe")
}

fn environment() -> Result<Environment, CommandError> {
    Environment::from_process().map_err(|err| CommandError::failure(err.to_string()))
}

fn wait_options(args: &WaitArgs) -> app::WaitOptions {
    app::WaitOptions { wait: args.wait, timeout: args.timeout }
}

/// Runs a client command's future to completion.
fn client(future: impl Future<Output = Result<(), CommandError>>) -> Result<(), CommandError> {
    runtime(false)?.block_on(future)
}

/// A multi-threaded runtime for the service, a single thread for clients.
fn runtime(service: bool) -> Result<tokio::runtime::Runtime, CommandError> {
    let mut builder = if service {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().map_err(|err| CommandError::failure(format!("cannot start the async runtime: {err}")))
}
