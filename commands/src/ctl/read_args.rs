//! The command-line flags of the read verbs served natively (`get
//! --watch`, `describe`, `wait`, `wait-condition`), as kubectl spells
//! them, and their translation into each verb's options.

use clap::Args;

use super::client::CtlError;
use super::condition_wait::ConditionWaitOptions;
use super::describe::DescribeOptions;
use super::wait::WaitOptions;
use super::watch::WatchFlags;
use crate::ExitStatus;

/// `get -w/--watch`, `--watch-only`, `--output-watch-events`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[arg(short = 'w', long)]
    watch: bool,
    #[arg(long)]
    watch_only: bool,
    #[arg(long)]
    output_watch_events: bool,
}

impl WatchArgs {
    /// Whether the request watches at all.
    pub fn any(&self) -> bool {
        self.watch || self.watch_only
    }

    pub fn flags(&self) -> WatchFlags {
        WatchFlags { watch_only: self.watch_only, output_watch_events: self.output_watch_events }
    }
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// TYPE[,TYPE] [NAME_PREFIX...] or TYPE/NAME...
    #[arg(value_name = "RESOURCE")]
    args: Vec<String>,
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    #[arg(short = 'l', long)]
    selector: Option<String>,
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    show_events: bool,
}

impl DescribeArgs {
    pub fn options(self, default_namespace: String) -> DescribeOptions {
        DescribeOptions {
            args: self.args,
            namespace: self.namespace.unwrap_or(default_namespace),
            all_namespaces: self.all_namespaces,
            selector: self.selector,
            show_events: self.show_events,
        }
    }
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// TYPE NAME..., TYPE/NAME..., or TYPE with -l/--field-selector/--all
    #[arg(value_name = "RESOURCE")]
    args: Vec<String>,
    /// delete, create, condition=COND[=VALUE] or jsonpath='{EXPR}'[=VALUE]
    #[arg(long = "for", default_value = "")]
    for_condition: String,
    /// How long to wait (Go duration; 0 checks once, negative waits a week).
    #[arg(long)]
    timeout: Option<String>,
    #[arg(short = 'n', long)]
    namespace: Option<String>,
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    #[arg(short = 'l', long)]
    selector: Option<String>,
    #[arg(long)]
    field_selector: Option<String>,
    #[arg(long)]
    all: bool,
    #[arg(short = 'o', long)]
    output: Option<String>,
}

impl WaitArgs {
    pub fn options(self, default_namespace: String) -> WaitOptions {
        WaitOptions {
            args: self.args,
            namespace: self.namespace.unwrap_or(default_namespace),
            all_namespaces: self.all_namespaces,
            selector: self.selector,
            field_selector: self.field_selector,
            all: self.all,
            for_condition: self.for_condition,
            timeout: self.timeout,
            output: self.output,
        }
    }
}

#[derive(Debug, Args)]
pub struct WaitConditionArgs {
    /// TYPE/NAME, e.g. containers/web
    object: String,
    /// COND[=STATUS] (STATUS defaults to True), e.g. Running or StateReconciled=False
    condition: String,
    /// Also require this reason.
    #[arg(long)]
    reason: Option<String>,
    /// How long to wait (Go duration, default 30s; 0 looks once).
    #[arg(long, default_value = "30s")]
    timeout: String,
    #[arg(short = 'n', long)]
    namespace: Option<String>,
}

impl WaitConditionArgs {
    pub fn options(self, default_namespace: String) -> Result<ConditionWaitOptions, CtlError> {
        let timeout = crate::duration::parse_duration(&self.timeout)
            .map_err(|err| CtlError { text: format!("error: --timeout: {err}"), status: ExitStatus::Usage })?;
        Ok(ConditionWaitOptions {
            object: self.object,
            condition: self.condition,
            reason: self.reason,
            timeout,
            namespace: self.namespace.unwrap_or(default_namespace),
        })
    }
}
