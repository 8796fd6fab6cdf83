//! `rdd ctl ARGS`: parses the kubectl-style command line of the verbs rdd
//! serves natively and runs them against this instance (starting its
//! service when needed). A verb or flag rdd does not serve is handed to
//! the real kubectl with the instance kubeconfig (see `kubectl`). The
//! Kubernetes client and discovery are made once per invocation.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};
use kube::Client;
use rdd_api::instance::{Environment, Instance, Paths};
use serde_json::Value;

use super::api_resources::{ApiResourcesOptions, ApiResourcesOutput, print_api_resources};
use super::client::CtlError;
use super::config_view::{ConfigViewOptions, config_view};
use super::discovery::Discovery;
use super::get::{GetOptions, get};
use super::kubectl::{NATIVE_VERBS, exec_kubectl};
use super::{JsonPathPrinter, to_yaml};
use crate::CommandError;
use crate::output;

/// The verbs of `rdd ctl` served without kubectl.
#[derive(Debug, Parser)]
#[command(
    name = "rdd ctl",
    no_binary_name = true,
    disable_version_flag = true,
    after_help = "Any other verb or flag runs the real kubectl from PATH with this instance's kubeconfig."
)]
struct CtlCli {
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// Display one or many resources.
    Get(GetArgs),
    /// Show details of a specific resource or group of resources.
    Describe(super::read_args::DescribeArgs),
    /// Wait for a specific condition on one or many resources.
    Wait(super::read_args::WaitArgs),
    /// rdd: wait for one condition of one object (exit 4 on timeout, 5 on a ...Failed reason).
    WaitCondition(super::read_args::WaitConditionArgs),
    /// Print the supported API resources on the server.
    ApiResources(ApiResourcesArgs),
    /// Modify kubeconfig files (only `config view` is native).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// patch, delete, create, apply, label, annotate (see `write_cli`).
    #[command(flatten)]
    Write(super::write_cli::WriteVerb),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Display merged kubeconfig settings.
    View(ConfigViewArgs),
}

#[derive(Debug, Args)]
struct GetArgs {
    /// TYPE[,TYPE] [NAME...] or TYPE/NAME...
    #[arg(value_name = "RESOURCE")]
    args: Vec<String>,
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    #[arg(short = 'l', long)]
    selector: Option<String>,
    #[arg(long)]
    field_selector: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    #[arg(long)]
    show_labels: bool,
    #[arg(long)]
    no_headers: bool,
    #[arg(long)]
    ignore_not_found: bool,
    #[command(flatten)]
    watch: super::read_args::WatchArgs,
}

#[derive(Debug, Args)]
struct ApiResourcesArgs {
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    namespaced: Option<bool>,
    #[arg(long)]
    api_group: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    #[arg(long)]
    no_headers: bool,
    #[arg(long)]
    sort_by: Option<String>,
    #[arg(long, value_delimiter = ',')]
    verbs: Vec<String>,
}

#[derive(Debug, Args)]
struct ConfigViewArgs {
    #[arg(long)]
    minify: bool,
    #[arg(long)]
    flatten: bool,
    #[arg(long)]
    raw: bool,
    #[arg(short = 'o', long, default_value = "yaml")]
    output: String,
}

/// `rdd ctl ARGS`.
pub async fn run(instance: &Instance, env: &Environment, args: Vec<OsString>) -> Result<(), CommandError> {
    let paths = Paths::new(instance, env);
    let cli = match CtlCli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
                return output::print(&err.render().to_string());
            }
            let why = match args.first() {
                Some(verb) => format!("rdd ctl does not serve `{}` natively", verb.to_string_lossy()),
                None => "no verb given".to_owned(),
            };
            if super::kubectl::find_kubectl().is_none() {
                let clap_error = err.kind() != ErrorKind::InvalidSubcommand;
                let detail =
                    if clap_error { format!("{}\n", err.render().to_string().trim_end()) } else { String::new() };
                return Err(CommandError::usage(format!(
                    "{detail}{why} and no kubectl is on PATH to run it; native verbs: {}",
                    NATIVE_VERBS.join(", ")
                )));
            }
            crate::svc::ensure_running(instance, env).await?;
            return Err(exec_kubectl(&paths.config, &args, &why));
        }
    };
    let result = match cli.verb {
        Verb::Config { command: ConfigCommand::View(view) } => config(&paths, view).await,
        Verb::Write(verb) => return super::write_cli::run(instance, env, verb).await,
        Verb::Get(get_args) if get_args.watch.any() => {
            let flags = get_args.watch.flags();
            if !super::watch::watch_served(&get_args.args, get_args.output.as_deref(), flags) {
                crate::svc::ensure_running(instance, env).await?;
                return Err(exec_kubectl(&paths.config, &args, "rdd ctl serves `get --watch` of one resource type"));
            }
            let (client, discovery, namespace) = connect(instance, env).await?;
            let options = get_options(get_args, namespace);
            super::watch::get_watch(&client, &discovery, &options, flags).await
        }
        Verb::Describe(read) => {
            let (client, discovery, namespace) = connect(instance, env).await?;
            super::describe::describe(&client, &discovery, &read.options(namespace)).await
        }
        Verb::Wait(read) => {
            let (client, discovery, namespace) = connect(instance, env).await?;
            super::wait::wait(&client, &discovery, &read.options(namespace)).await
        }
        Verb::WaitCondition(read) => {
            let (client, discovery, namespace) = connect(instance, env).await?;
            let options = read.options(namespace).map_err(CtlError::into_command_error)?;
            super::condition_wait::wait_condition(&client, &discovery, &options).await
        }
        Verb::Get(args) => {
            let (client, discovery, namespace) = connect(instance, env).await?;
            get(&client, &discovery, &get_options(args, namespace)).await
        }
        Verb::ApiResources(args) => {
            let (_, discovery, _) = connect(instance, env).await?;
            let output = match args.output.as_deref() {
                None => ApiResourcesOutput::Table,
                Some("wide") => ApiResourcesOutput::Wide,
                Some("name") => ApiResourcesOutput::Name,
                Some(other) => {
                    return Err(CtlError::message(format!("--output {other} is not available")).into_command_error());
                }
            };
            let options = ApiResourcesOptions {
                output,
                no_headers: args.no_headers,
                sort_by: args.sort_by,
                namespaced: args.namespaced,
                api_group: args.api_group,
                verbs: args.verbs,
            };
            output::print(&print_api_resources(&discovery.resources, &options))?;
            Ok(())
        }
    };
    result.map_err(CtlError::into_command_error)
}

fn get_options(args: GetArgs, namespace: String) -> GetOptions {
    GetOptions {
        args: args.args,
        namespace: args.namespace.unwrap_or(namespace),
        all_namespaces: args.all_namespaces,
        selector: args.selector,
        field_selector: args.field_selector,
        output: args.output,
        show_labels: args.show_labels,
        no_headers: args.no_headers,
        ignore_not_found: args.ignore_not_found,
    }
}

/// Starts the service when needed and makes this invocation's client, its
/// one discovery pass, and the kubeconfig's default namespace.
pub(super) async fn connect(
    instance: &Instance,
    env: &Environment,
) -> Result<(Client, Discovery, String), CommandError> {
    let (client, config) = crate::svc::ready_client(instance, env).await?;
    let namespace = config.default_namespace;
    let discovery = Discovery::load(&client).await.map_err(CtlError::into_command_error)?;
    Ok((client, discovery, namespace))
}

async fn config(paths: &Paths, args: ConfigViewArgs) -> Result<(), CtlError> {
    let text = tokio::fs::read_to_string(&paths.config)
        .await
        .map_err(|err| CtlError::message(format!("reading {}: {err}", paths.config.display())))?;
    let kubeconfig: Value = rdd_api::yaml::from_str(&text)
        .map_err(|err| CtlError::message(format!("reading {}: {err}", paths.config.display())))?;
    let options = ConfigViewOptions { minify: args.minify, flatten: args.flatten, raw: args.raw, context: None };
    let view = config_view(&kubeconfig, &options).map_err(|err| CtlError::message(err.to_string()))?;
    let text = match args.output.as_str() {
        "yaml" => to_yaml(&view.to_value()),
        "json" => view.to_json(),
        other => match other.split_once('=') {
            Some(("jsonpath", template)) => JsonPathPrinter::new(template, false, true)
                .and_then(|p| p.print(&view.to_value()))
                .map_err(|err| CtlError::message(err.to_string().trim_end().to_owned()))?,
            _ => return Err(CtlError::message(format!("output format {other} is not supported by config view"))),
        },
    };
    output::print(&text).map_err(|err| CtlError::message(err.message))
}
