//! The command lines of the writing verbs of `rdd ctl` — `patch`,
//! `delete`, `create`, `apply`, `label`, `annotate` — with kubectl's flag
//! spellings (`--dry-run` takes its value after `=`, as pflag's optional
//! values do), and running them over one client and one discovery pass.
//! A flag not listed here makes the parse fail, which hands the whole
//! command line to the real kubectl (see `command`).

use clap::{Args, Subcommand};
use kube::Client;
use rdd_api::instance::{Environment, Instance};

use super::apply::{ApplyOptions, apply};
use super::client::CtlError;
use super::create::{CreateOptions, GenerateOptions, Generated, create_from_files, create_generated};
use super::delete::{DeleteOptions, delete, parse_duration};
use super::discovery::Discovery;
use super::labels::{LabelOptions, MetaMap, label};
use super::mutate::{DryRun, Selection};
use super::patch::{PatchOptions, patch};
use crate::CommandError;

/// The writing verbs.
#[derive(Debug, Subcommand)]
pub enum WriteVerb {
    /// Update fields of a resource.
    Patch(PatchArgs),
    /// Delete resources by names or by label selector.
    Delete(DeleteArgs),
    /// Create a resource from a file or from stdin, or a namespace, config map or secret.
    Create(CreateArgs),
    /// Apply a configuration to a resource by file name or stdin (client-side).
    Apply(ApplyArgs),
    /// Update the labels on a resource.
    Label(LabelArgs),
    /// Update the annotations on a resource.
    Annotate(LabelArgs),
}

/// Flags every writing verb takes.
#[derive(Debug, Args)]
pub struct Common {
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    #[arg(short = 'o', long)]
    output: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "unchanged")]
    dry_run: Option<String>,
}

#[derive(Debug, Args)]
pub struct PatchArgs {
    #[arg(value_name = "RESOURCE")]
    args: Vec<String>,
    #[command(flatten)]
    common: Common,
    #[arg(short = 'p', long)]
    patch: Option<String>,
    #[arg(long)]
    patch_file: Option<String>,
    #[arg(long = "type")]
    patch_type: Option<String>,
}

/// How `delete`, `label` and `annotate` pick objects besides names.
#[derive(Debug, Args)]
pub struct SelectArgs {
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    #[arg(short = 'l', long)]
    selector: Option<String>,
    #[arg(long)]
    field_selector: Option<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    all: Option<bool>,
}

impl SelectArgs {
    fn selection(self, args: Vec<String>, namespace: String) -> Selection {
        Selection {
            args,
            namespace,
            all_namespaces: self.all_namespaces,
            selector: self.selector,
            field_selector: self.field_selector,
            all: self.all.unwrap_or(false),
        }
    }
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[arg(value_name = "RESOURCE")]
    args: Vec<String>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    select: SelectArgs,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    ignore_not_found: Option<bool>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    wait: Option<bool>,
    #[arg(long, default_value = "0s")]
    timeout: String,
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    grace_period: i64,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(subcommand)]
    what: Option<CreateWhat>,
    #[arg(short = 'f', long = "filename")]
    files: Vec<String>,
    #[arg(short = 'n', long, global = true)]
    namespace: Option<String>,
    #[arg(short = 'o', long, global = true)]
    output: Option<String>,
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "unchanged")]
    dry_run: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CreateWhat {
    /// Create a namespace with the specified name.
    #[command(alias = "ns")]
    Namespace(NameArgs),
    /// Create a config map from literal values.
    #[command(alias = "cm")]
    Configmap(LiteralArgs),
    /// Create a secret.
    Secret {
        #[command(subcommand)]
        kind: SecretKind,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretKind {
    /// Create a secret from literal values.
    Generic(SecretArgs),
}

#[derive(Debug, Args)]
pub struct NameArgs {
    names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LiteralArgs {
    names: Vec<String>,
    #[arg(long)]
    from_literal: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SecretArgs {
    names: Vec<String>,
    #[arg(long)]
    from_literal: Vec<String>,
    #[arg(long = "type")]
    secret_type: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[arg(short = 'f', long = "filename")]
    files: Vec<String>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    server_side: Option<bool>,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    force_conflicts: Option<bool>,
    #[arg(long)]
    field_manager: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct LabelArgs {
    #[arg(value_name = "RESOURCE")]
    args: Vec<String>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    select: SelectArgs,
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    overwrite: Option<bool>,
}

/// The namespace to use and whether the user named it (`-n`).
fn namespace(flag: Option<String>, default: &str) -> (String, bool) {
    match flag {
        Some(ns) => (ns, true),
        None => (default.to_owned(), false),
    }
}

/// Runs one writing verb against this instance.
pub async fn run(instance: &Instance, env: &Environment, verb: WriteVerb) -> Result<(), CommandError> {
    // Flag errors kubectl finds before it talks to the server come first.
    if let WriteVerb::Create(args) = &verb
        && args.what.is_none()
        && args.files.is_empty()
    {
        return Err(CtlError::message("must specify one of -f and -k").into_command_error());
    }
    let (client, discovery, default_namespace) = super::command::connect(instance, env).await?;
    run_verb(&client, &discovery, &default_namespace, verb).await.map_err(CtlError::into_command_error)
}

async fn run_verb(client: &Client, discovery: &Discovery, default_ns: &str, verb: WriteVerb) -> Result<(), CtlError> {
    match verb {
        WriteVerb::Patch(args) => {
            let dry_run = DryRun::parse(args.common.dry_run.as_deref())?;
            let (namespace, _) = namespace(args.common.namespace, default_ns);
            let options = PatchOptions {
                selection: Selection { args: args.args, namespace, ..Selection::default() },
                patch: args.patch,
                patch_file: args.patch_file,
                patch_type: args.patch_type,
                dry_run,
                output: args.common.output,
            };
            patch(client, discovery, &options).await
        }
        WriteVerb::Delete(args) => {
            let dry_run = DryRun::parse(args.common.dry_run.as_deref())?;
            let (namespace, _) = namespace(args.common.namespace, default_ns);
            let options = DeleteOptions {
                selection: args.select.selection(args.args, namespace),
                ignore_not_found: args.ignore_not_found,
                wait: args.wait.unwrap_or(true),
                timeout: parse_duration(&args.timeout)?,
                dry_run,
                output: args.common.output,
                grace_period: args.grace_period,
            };
            delete(client, discovery, &options).await
        }
        WriteVerb::Create(args) => {
            let dry_run = DryRun::parse(args.dry_run.as_deref())?;
            let (namespace, enforce_namespace) = namespace(args.namespace, default_ns);
            let what = match args.what {
                None => {
                    let options =
                        CreateOptions { files: args.files, namespace, enforce_namespace, dry_run, output: args.output };
                    return create_from_files(client, discovery, &options).await;
                }
                Some(CreateWhat::Namespace(n)) => (Generated::Namespace, n.names),
                Some(CreateWhat::Configmap(c)) => (Generated::ConfigMap { literals: c.from_literal }, c.names),
                Some(CreateWhat::Secret { kind: SecretKind::Generic(s) }) => {
                    (Generated::Secret { literals: s.from_literal, secret_type: s.secret_type }, s.names)
                }
            };
            let options = GenerateOptions {
                what: what.0,
                names: what.1,
                namespace,
                enforce_namespace,
                dry_run,
                output: args.output,
            };
            create_generated(client, discovery, &options).await
        }
        WriteVerb::Apply(args) => {
            let dry_run = DryRun::parse(args.common.dry_run.as_deref())?;
            if args.files.is_empty() {
                return Err(CtlError::message("must specify one of -f and -k"));
            }
            let (namespace, enforce_namespace) = namespace(args.common.namespace, default_ns);
            let options = ApplyOptions {
                files: args.files,
                namespace,
                enforce_namespace,
                dry_run,
                output: args.common.output,
                server_side: args.server_side.unwrap_or(false),
                force_conflicts: args.force_conflicts.unwrap_or(false),
                field_manager: args.field_manager,
            };
            apply(client, discovery, &options).await
        }
        WriteVerb::Label(args) => label_verb(client, discovery, default_ns, args, MetaMap::Labels).await,
        WriteVerb::Annotate(args) => label_verb(client, discovery, default_ns, args, MetaMap::Annotations).await,
    }
}

async fn label_verb(
    client: &Client,
    discovery: &Discovery,
    default_ns: &str,
    args: LabelArgs,
    which: MetaMap,
) -> Result<(), CtlError> {
    let dry_run = DryRun::parse(args.common.dry_run.as_deref())?;
    let (namespace, _) = namespace(args.common.namespace, default_ns);
    let options = LabelOptions {
        which,
        args: args.args,
        selection: args.select.selection(Vec::new(), namespace),
        overwrite: args.overwrite.unwrap_or(false),
        dry_run,
        output: args.common.output,
    };
    label(client, discovery, &options).await
}
