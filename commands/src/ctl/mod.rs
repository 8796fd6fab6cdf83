//! `rdd ctl`: kubectl's verbs served natively, with output byte-identical to
//! kubectl 1.33 (SPEC §8). This part holds the printers every verb shares:
//! `-o json`, `-o yaml`, `-o name`, `-o jsonpath`/`jsonpath-as-json` (through
//! `rdd_api::jsonpath`), `-o custom-columns`, and the table layout of a
//! server-side `meta.k8s.io/v1` Table, over the Go tabwriter kubectl uses;
//! the `api-resources` listing, `config view`; and how `wait --for=...` is
//! read and checked. `command` parses `rdd ctl ARGS` and runs the native
//! verbs (`get`, `api-resources`, `config view`; `get --watch`, `describe`,
//! `wait` and rdd's `wait-condition` in `watch`, `describe`, `wait` and
//! `condition_wait`) over one client and one
//! discovery pass (`discovery`); anything else goes to the real kubectl
//! (`kubectl`).

pub mod api_resources;
pub mod apply;
pub mod client;
pub mod command;
pub mod condition_wait;
pub mod config_view;
pub mod create;
pub mod custom_columns;
pub mod delete;
pub mod describe;
pub mod describe_text;
pub mod discovery;
pub mod get;
pub mod jsonpath_printer;
pub mod kubectl;
pub mod labels;
pub mod lookup;
pub mod manifest;
pub mod mutate;
mod ordered;
pub mod patch;
pub mod printers;
mod read_args;
pub mod reporting;
pub mod table;
pub mod tabwriter;
pub mod three_way;
pub mod typed;
pub mod wait;
pub mod wait_condition;
pub mod watch;
pub mod write_cli;
pub mod yaml;

pub use api_resources::{
    ApiResource, ApiResourcesOptions, ApiResourcesOutput, print_api_resources, resources_from_discovery,
};
pub use config_view::{ConfigView, ConfigViewError, ConfigViewOptions, config_view};
pub use custom_columns::CustomColumnsPrinter;
pub use jsonpath_printer::JsonPathPrinter;
pub use printers::{PrintError, list_of, name_lines, to_json, watch_event};
pub use table::{Table, TableColumn, TableOptions, TablePrinter, TableRow, format_labels, object_meta_table};
pub use tabwriter::TabWriter;
pub use typed::{TypedObject, strip_managed_fields};
pub use wait_condition::{WaitError, WaitFor};
pub use yaml::{YamlPrinter, to_yaml};
