//! `rdd ctl get -w/--watch` (and `--watch-only`, `--output-watch-events`)
//! as kubectl 1.33 runs it: a collection is listed (a server Table for
//! human output) and printed, then watched from the list's
//! resourceVersion, every event printed as it arrives: one table row (the
//! header once, column widths remembered) or one object for `-o
//! json|yaml|name|jsonpath|custom-columns`. One named object is read,
//! printed, then watched by name from resourceVersion 0, whose first
//! (synthetic ADDED) event is skipped. The watch ends when the server ends
//! it (exit 0), on SIGINT/SIGTERM/SIGHUP (exit 1, silent, like kubectl) or
//! when stdout is closed.

use futures::TryStreamExt as _;
use kube::Client;
use kube::core::WatchEvent;
use serde_json::Value;

use super::api_resources::ApiResource;
use super::client::encode;
use super::client::{CtlError, get_json, get_typed};
use super::discovery::{Discovery, get_request, resource_path};
use super::get::{GetOptions, print_generic};
use super::lookup::{Grouping, Request, requests, with_query};
use super::reporting::{Written, already_reported, write_stdout};
use super::{CustomColumnsPrinter, TabWriter, Table, TableColumn, TableOptions, TablePrinter};

const TABLE_ACCEPT: &str =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// The watch flags of `get`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WatchFlags {
    /// `--watch-only`: skip the initial listing.
    pub watch_only: bool,
    /// `--output-watch-events`: an EVENT column (tables) or `{type, object}` wrappers.
    pub output_watch_events: bool,
}

/// Whether rdd serves this `get --watch` itself: one resource type and at
/// most one name, and an output whose per-event form is kubectl's (other
/// shapes go to kubectl).
pub fn watch_served(args: &[String], output: Option<&str>, flags: WatchFlags) -> bool {
    let shape_ok = match args {
        [single] => !single.contains(',') && single.matches('/').count() <= 1,
        [typed, _name] => !typed.contains(',') && !typed.contains('/'),
        _ => false,
    };
    // kubectl prints `--output-watch-events` objects in a form of their own
    // (compact JSON with managedFields); those go to kubectl.
    let output_ok = match output {
        None | Some("wide") => true,
        Some(other) => {
            !flags.output_watch_events
                && (["json", "yaml", "name"].contains(&other)
                    || other.starts_with("jsonpath=")
                    || other.starts_with("jsonpath-as-json=")
                    || other.starts_with("custom-columns="))
        }
    };
    shape_ok && output_ok
}

/// How each printed object is rendered.
enum Printer {
    /// `columns`: the last column definitions the server sent; it sends
    /// them with the first event only, which may be one kubectl skips.
    Table {
        printer: Box<TablePrinter>,
        writer: TabWriter,
        columns: Vec<TableColumn>,
    },
    CustomColumns(CustomColumnsPrinter),
    Generic {
        output: String,
        printed: usize,
    },
}

impl Printer {
    fn new(options: &GetOptions, resource: &ApiResource) -> Result<Printer, CtlError> {
        match options.output.as_deref() {
            None | Some("wide") => Ok(Printer::Table {
                printer: Box::new(TablePrinter::new(TableOptions {
                    no_headers: options.no_headers,
                    wide: options.output.is_some(),
                    with_namespace: options.all_namespaces && resource.namespaced,
                    show_labels: options.show_labels,
                    column_labels: Vec::new(),
                    kind: None,
                })),
                writer: TabWriter::new(),
                columns: Vec::new(),
            }),
            Some(other) => match other.strip_prefix("custom-columns=") {
                Some(spec) => CustomColumnsPrinter::new(spec, options.no_headers)
                    .map(Printer::CustomColumns)
                    .map_err(|err| CtlError::message(err.to_string().trim_end().to_owned())),
                None => Ok(Printer::Generic { output: other.to_owned(), printed: 0 }),
            },
        }
    }

    /// Renders one object (a Table for table output); `event` is the watch
    /// event type with `--output-watch-events` (tables only, see `watch_served`).
    fn render(&mut self, object: &Value, event: Option<&str>) -> Result<String, CtlError> {
        match self {
            Printer::Table { printer, writer, columns } => {
                let mut table = Table::from_value(object).map_err(|err| CtlError::message(err.to_string()))?;
                if table.column_definitions.is_empty() {
                    table.column_definitions = columns.clone();
                } else {
                    *columns = table.column_definitions.clone();
                }
                printer.print_event(&table, event, writer);
                Ok(writer.flush())
            }
            Printer::CustomColumns(printer) => {
                printer.print(object).map_err(|err| CtlError::message(err.to_string().trim_end().to_owned()))?;
                Ok(printer.flush())
            }
            Printer::Generic { output, printed } => {
                let mut text = print_generic(object.clone(), output, false)?;
                *printed += 1;
                // kubectl's YAML printer separates documents after the first.
                if output == "yaml" && *printed > 1 {
                    text.insert_str(0, "---\n");
                }
                Ok(text)
            }
        }
    }
}

impl Printer {
    /// Takes note of an event that is not printed (its columns still count).
    fn skip(&mut self, object: &Value) {
        if let Printer::Table { columns, .. } = self
            && let Ok(table) = Table::from_value(object)
            && !table.column_definitions.is_empty()
        {
            *columns = table.column_definitions;
        }
    }
}

fn with_kind(mut item: Value, r: &ApiResource) -> Value {
    if let Some(object) = item.as_object_mut() {
        object.entry("apiVersion").or_insert_with(|| Value::String(r.group_version.clone()));
        object.entry("kind").or_insert_with(|| Value::String(r.kind.clone()));
    }
    item
}

/// Ends on SIGINT, SIGTERM or SIGHUP.
async fn interrupted() -> Result<(), CtlError> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen =
        |kind: SignalKind| signal(kind).map_err(|err| CtlError::message(format!("cannot listen for signals: {err}")));
    let (mut int, mut term, mut hup) =
        (listen(SignalKind::interrupt())?, listen(SignalKind::terminate())?, listen(SignalKind::hangup())?);
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
    Ok(())
}

/// Runs `get --watch`.
pub async fn get_watch(
    client: &Client,
    discovery: &Discovery,
    options: &GetOptions,
    flags: WatchFlags,
) -> Result<(), CtlError> {
    // Signals first, so that an early Ctrl-C is not lost.
    let signals = interrupted();
    tokio::pin!(signals);
    tokio::select! {
        result = watch(client, discovery, options, flags) => result,
        result = &mut signals => {
            result?;
            Err(already_reported(crate::ExitStatus::Failure))
        }
    }
}

async fn watch(
    client: &Client,
    discovery: &Discovery,
    options: &GetOptions,
    flags: WatchFlags,
) -> Result<(), CtlError> {
    // `watch_served` lets through one type with at most one name; the
    // arguments are read as `get` reads them.
    let requests = requests(discovery, &options.args, Grouping::ByResource, options.picking())?;
    let (resource, name) = match requests.as_slice() {
        [Request { resource, names }] if names.len() <= 1 => (*resource, names.first().cloned()),
        _ => return Err(CtlError::message("watch is only supported on individual resources and resource collections")),
    };
    let namespace = (!options.all_namespaces).then_some(options.namespace.as_str());
    let human = matches!(options.output.as_deref(), None | Some("wide"));
    let accept = if human { TABLE_ACCEPT } else { "application/json" };
    let mut printer = Printer::new(options, resource)?;
    let event = |kind: &str| flags.output_watch_events.then(|| kind.to_owned());

    let (watch_path, mut skip_first) = match &name {
        Some(name) => {
            if options.all_namespaces {
                return Err(super::lookup::names_across_namespaces());
            }
            let path = resource_path(resource, Some(&options.namespace), Some(name));
            // kubectl's watch reports a missing object even with --ignore-not-found,
            // and a missing namespace as the namespace's NotFound.
            let object = match get_typed::<Value>(client, &path, accept).await {
                Ok(object) => object,
                Err(err) => {
                    return Err(super::lookup::explain_not_found(client, resource, Some(&options.namespace), err).await);
                }
            };
            if !flags.watch_only {
                let object = if human { object } else { with_kind(object, resource) };
                let text = printer.render(&object, event("ADDED").as_deref())?;
                if write_stdout(&text)? == Written::Closed {
                    return Ok(());
                }
            }
            let selector = format!("fieldSelector={}", encode(&format!("metadata.name={name}")));
            let params = [selector, "resourceVersion=0".to_owned(), "watch=true".to_owned()];
            (with_query(resource_path(resource, Some(&options.namespace), None), &params), true)
        }
        None => {
            let params = options.list_params();
            let path = with_query(resource_path(resource, namespace, None), &params);
            let list =
                if human { get_typed::<Value>(client, &path, accept).await? } else { get_json(client, &path).await? };
            let rv = list.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or("0").to_owned();
            if !flags.watch_only {
                let mut text = String::new();
                if human {
                    text.push_str(&printer.render(&list, event("ADDED").as_deref())?);
                } else {
                    for item in list.get("items").and_then(Value::as_array).into_iter().flatten() {
                        text.push_str(&printer.render(&with_kind(item.clone(), resource), event("ADDED").as_deref())?);
                    }
                }
                if write_stdout(&text)? == Written::Closed {
                    return Ok(());
                }
            }
            let mut params = params;
            params.push(format!("resourceVersion={}", encode(&rv)));
            params.push("watch=true".to_owned());
            (with_query(resource_path(resource, namespace, None), &params), false)
        }
    };

    let request = get_request(&watch_path, accept)?;
    let stream = client.request_events::<Value>(request).await.map_err(CtlError::from_kube)?;
    futures::pin_mut!(stream);
    while let Some(watched) = stream.try_next().await.map_err(CtlError::from_kube)? {
        let (kind, object) = match watched {
            WatchEvent::Added(object) => ("ADDED", object),
            WatchEvent::Modified(object) => ("MODIFIED", object),
            WatchEvent::Deleted(object) => ("DELETED", object),
            WatchEvent::Bookmark(_) => continue,
            WatchEvent::Error(status) => {
                return Err(CtlError {
                    text: format!("error: {}", status.message),
                    status: crate::ExitStatus::Failure,
                });
            }
        };
        if std::mem::take(&mut skip_first) {
            printer.skip(&object);
            continue;
        }
        let object = if human { object } else { with_kind(object, resource) };
        let text = printer.render(&object, event(kind).as_deref())?;
        if write_stdout(&text)? == Written::Closed {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn serves_one_type_and_at_most_one_name() {
        let flags = WatchFlags::default();
        assert!(watch_served(&args(&["containers"]), None, flags));
        assert!(watch_served(&args(&["cm", "one"]), Some("json"), flags));
        assert!(watch_served(&args(&["cm/one"]), Some("name"), flags));
        assert!(!watch_served(&args(&["cm,ns"]), None, flags));
        assert!(!watch_served(&args(&["cm", "a", "b"]), None, flags));
        assert!(!watch_served(&args(&["cm/a", "cm/b"]), None, flags));
        let events = WatchFlags { output_watch_events: true, ..flags };
        assert!(watch_served(&args(&["cm"]), None, events));
        assert!(!watch_served(&args(&["cm"]), Some("yaml"), events));
    }
}
