//! `rdd ctl get`: what kubectl's get does for one request without
//! `--watch`. Tables come from the server (`as=Table`), one printer per
//! kind sharing a tabwriter whose widths reset between kinds; every other
//! output asks for plain objects, wraps several in a `List`, and prints it
//! once. Errors for missing names come after the output, as kubectl's do.

use std::io::Write;

use kube::Client;
use serde_json::Value;

use super::client::{CtlError, get_json, get_typed};
use super::discovery::{Discovery, resource_path};
use super::lookup::{Grouping, Picking, explain_not_found, requests, selector_params, with_query};
use super::{CustomColumnsPrinter, JsonPathPrinter, TabWriter, TableOptions, TablePrinter};
use super::{Table, list_of, name_lines, strip_managed_fields, to_json, to_yaml};

const TABLE_ACCEPT: &str =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// The flags of `get` served natively.
#[derive(Debug, Clone, Default)]
pub struct GetOptions {
    pub args: Vec<String>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub selector: Option<String>,
    pub field_selector: Option<String>,
    pub output: Option<String>,
    pub show_labels: bool,
    pub no_headers: bool,
    pub ignore_not_found: bool,
}

/// kubectl's `SuggestAPIResources`, which `get` without a type prints
/// before its usage error.
const SUGGEST_API_RESOURCES: &str = "Use \"kubectl api-resources\" for a complete list of supported resources.";

const MISSING_TYPE: &str = "Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples";

impl GetOptions {
    /// `get` lists a lone type; `-l` and `--field-selector` are its selectors.
    pub(super) fn picking(&self) -> Picking {
        Picking::by_flags(self.selector.as_deref(), self.field_selector.as_deref(), true)
    }

    /// The query parameters of its lists.
    pub(super) fn list_params(&self) -> Vec<String> {
        selector_params(self.selector.as_deref(), self.field_selector.as_deref())
    }
}

/// Runs `get`, writing to stdout; stderr text and exit code in the error.
pub async fn get(client: &Client, discovery: &Discovery, options: &GetOptions) -> Result<(), CtlError> {
    if options.args.is_empty() {
        eprint!("You must specify the type of resource to get. {SUGGEST_API_RESOURCES}\n\n");
        return Err(CtlError::message(MISSING_TYPE));
    }
    let requests = requests(discovery, &options.args, Grouping::ByResource, options.picking())?;
    // One object asked for by name is printed as itself, not in a List
    // (the builder's single item implied: exactly one name or pair).
    let single = requests.iter().map(|r| r.names.len()).sum::<usize>() == 1;
    if options.all_namespaces && requests.iter().any(|r| !r.names.is_empty()) {
        return Err(super::lookup::names_across_namespaces());
    }
    let namespace = (!options.all_namespaces).then_some(options.namespace.as_str());
    let mut errors = Vec::new();
    let mut stdout = std::io::stdout().lock();
    let human = matches!(options.output.as_deref(), None | Some("wide"));
    if human {
        let mut fetched = Vec::with_capacity(requests.len());
        for request in &requests {
            let mut tables = Vec::new();
            if request.names.is_empty() {
                let path = with_query(resource_path(request.resource, namespace, None), &options.list_params());
                tables.push(get_typed::<Table>(client, &path, TABLE_ACCEPT).await?);
            } else {
                for name in &request.names {
                    let path = resource_path(request.resource, namespace, Some(name));
                    match get_typed::<Table>(client, &path, TABLE_ACCEPT).await {
                        Ok(table) => tables.push(table),
                        Err(err) if err.is_not_found() && options.ignore_not_found => {}
                        Err(err) => errors.push(explain_not_found(client, request.resource, namespace, err).await),
                    }
                }
            }
            fetched.push((request, tables));
        }
        // kubectl names rows `kind/name` when what it got spans several
        // kinds: every listed kind counts (even an empty list), a named
        // kind only when one of its objects was found.
        let kinds_got =
            fetched.iter().filter(|(request, tables)| request.names.is_empty() || !tables.is_empty()).count();
        let several_kinds = kinds_got > 1;
        let mut writer = TabWriter::new();
        let mut printed_any = false;
        let mut scope_namespaced = false;
        for (request, tables) in &fetched {
            scope_namespaced |= request.resource.namespaced;
            let kind = several_kinds.then(|| {
                let r = request.resource;
                if r.group.is_empty() { r.kind.clone() } else { format!("{}.{}", r.kind, r.group) }
            });
            let mut printer = TablePrinter::new(TableOptions {
                no_headers: options.no_headers,
                wide: options.output.is_some(),
                with_namespace: options.all_namespaces && request.resource.namespaced,
                show_labels: options.show_labels,
                column_labels: Vec::new(),
                kind,
            });
            let mut rows = 0;
            for table in tables {
                rows += table.rows.len();
                if rows > 0 && table.rows.len() == rows && printed_any {
                    writer.forget_widths();
                    write_out(&mut stdout, &writer.flush())?;
                    write_out(&mut stdout, "\n")?;
                }
                printer.print(table, &mut writer);
            }
            printed_any |= rows > 0;
        }
        write_out(&mut stdout, &writer.flush())?;
        if !printed_any && errors.is_empty() && !options.ignore_not_found {
            match namespace {
                Some(ns) if scope_namespaced => eprintln!("No resources found in {ns} namespace."),
                _ => eprintln!("No resources found"),
            }
        }
    } else {
        let mut items = Vec::new();
        for request in &requests {
            if request.names.is_empty() {
                let path = with_query(resource_path(request.resource, namespace, None), &options.list_params());
                let list = get_json(client, &path).await?;
                let kind = list.get("kind").and_then(Value::as_str).unwrap_or_default();
                let item_kind = kind.strip_suffix("List").unwrap_or(&request.resource.kind).to_owned();
                let api_version = list.get("apiVersion").cloned().unwrap_or(Value::Null);
                for mut item in list.get("items").and_then(Value::as_array).cloned().unwrap_or_default() {
                    // The server may leave apiVersion and kind out of items; kubectl sets them.
                    if let Some(object) = item.as_object_mut() {
                        object.entry("apiVersion").or_insert(api_version.clone());
                        object.entry("kind").or_insert(Value::String(item_kind.clone()));
                    }
                    items.push(item);
                }
            } else {
                for name in &request.names {
                    let path = resource_path(request.resource, namespace, Some(name));
                    match get_json(client, &path).await {
                        Ok(object) => items.push(object),
                        Err(err) if err.is_not_found() && options.ignore_not_found => {}
                        Err(err) => errors.push(explain_not_found(client, request.resource, namespace, err).await),
                    }
                }
            }
        }
        if !(items.is_empty() && (options.ignore_not_found || !errors.is_empty() && single)) {
            let object = if single && items.len() == 1 { items.remove(0) } else { list_of(items) };
            let text = print_generic(object, options.output.as_deref().unwrap_or_default(), options.no_headers)?;
            write_out(&mut stdout, &text)?;
        }
    }
    report(errors)
}

fn write_out(out: &mut impl Write, text: &str) -> Result<(), CtlError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CtlError::message(format!("writing to stdout: {err}"))),
    }
}

/// Prints errors collected along the way, all but the last one directly.
fn report(mut errors: Vec<CtlError>) -> Result<(), CtlError> {
    let Some(last) = errors.pop() else { return Ok(()) };
    for err in errors {
        eprintln!("{}", err.text);
    }
    Err(last)
}

/// The non-table outputs of one object or list.
pub fn print_generic(mut object: Value, output: &str, no_headers: bool) -> Result<String, CtlError> {
    let print_error = |err: super::PrintError| {
        let text = err.to_string();
        CtlError::message(text.strip_suffix('\n').unwrap_or(&text).to_owned())
    };
    match output {
        "json" => {
            strip_managed_fields(&mut object);
            Ok(to_json(&object))
        }
        "yaml" => {
            strip_managed_fields(&mut object);
            Ok(to_yaml(&object))
        }
        "name" => name_lines(&object, None).map_err(print_error),
        other => {
            let (format, template) = other.split_once('=').unwrap_or((other, ""));
            match format {
                "jsonpath" | "jsonpath-as-json" => {
                    let printer =
                        JsonPathPrinter::new(template, format == "jsonpath-as-json", true).map_err(print_error)?;
                    printer.print(&object).map_err(print_error)
                }
                "custom-columns" => {
                    let mut printer = CustomColumnsPrinter::new(template, no_headers).map_err(print_error)?;
                    printer.print(&object).map_err(print_error)?;
                    Ok(printer.flush())
                }
                _ => Err(CtlError::message(format!(
                    "unable to match a printer suitable for the output format \"{other}\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
                ))),
            }
        }
    }
}
