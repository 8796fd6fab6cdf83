//! kubectl's layout of a server-side `meta.k8s.io/v1` Table
//! (cli-runtime's HumanReadablePrinter): upper-case headers, columns with
//! priority > 0 only with `-o wide`, a NAMESPACE column first with `-A`,
//! label columns (`-L`, `--show-labels`) last, `kind/name` names when
//! several kinds are listed, cells cut at the first line break with `...`,
//! nulls left empty, and headers printed again only when the columns change
//! (watch). Cells arrive formatted by the server (ages included).

use rdd_api::jsonpath::golang::sprint;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::custom_columns::escape_terminal;
use super::printers::PrintError;
use super::tabwriter::TabWriter;

/// Go decodes `null` into an empty slice; so do we.
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A column of a Table.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
}

/// A row: its cells and, with `includeObject=Metadata`, the object's metadata.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct TableRow {
    #[serde(deserialize_with = "null_as_empty")]
    pub cells: Vec<Value>,
    pub object: Option<Value>,
}

/// The parts of a `meta.k8s.io/v1` Table the printer reads.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Table {
    #[serde(deserialize_with = "null_as_empty")]
    pub column_definitions: Vec<TableColumn>,
    #[serde(deserialize_with = "null_as_empty")]
    pub rows: Vec<TableRow>,
}

impl Table {
    pub fn from_value(value: &Value) -> Result<Table, PrintError> {
        Table::deserialize(value).map_err(|err| PrintError::InvalidTable(err.to_string()))
    }
}

/// The NAME/AGE table kubectl prints for objects the server sent without a
/// Table (cli-runtime's default handler): AGE from `creationTimestamp` as
/// `5s`, `3m2s`, `2d3h`, or `<unknown>` without one. A list gives a row per
/// item.
pub fn object_meta_table(object: &Value, now: jiff::Timestamp) -> Table {
    let items: Vec<&Value> = match super::printers::list_items(object) {
        Some(items) => items.iter().collect(),
        None => vec![object],
    };
    let column = |name: &str, format: &str| TableColumn {
        name: name.to_owned(),
        type_: "string".to_owned(),
        format: format.to_owned(),
        ..Default::default()
    };
    let rows = items
        .into_iter()
        .map(|item| {
            let metadata = item.get("metadata");
            let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or_default();
            let created = metadata
                .and_then(|m| m.get("creationTimestamp"))
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<jiff::Timestamp>().ok());
            let age = match created {
                Some(created) => rdd_api::duration::human_duration(now.duration_since(created).as_secs()),
                None => "<unknown>".to_owned(),
            };
            TableRow { cells: vec![Value::String(name.to_owned()), Value::String(age)], object: Some(item.clone()) }
        })
        .collect();
    Table { column_definitions: vec![column("Name", "name"), column("Age", "")], rows }
}

/// kubectl's printing flags that shape a table.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    pub no_headers: bool,
    /// `-o wide`.
    pub wide: bool,
    /// `-A` / `--all-namespaces`.
    pub with_namespace: bool,
    pub show_labels: bool,
    /// `-L key` columns, in order.
    pub column_labels: Vec<String>,
    /// `kind[.group]` to prefix names with, when several kinds are printed.
    pub kind: Option<String>,
}

/// Prints Tables into a tabwriter, remembering the last columns so that
/// watch updates do not repeat the header. kubectl makes one printer per
/// resource kind and shares the tabwriter between them.
#[derive(Debug)]
pub struct TablePrinter {
    options: TableOptions,
    last_columns: Vec<TableColumn>,
    printed_headers: bool,
}

fn format_event_type(event: &str) -> &str {
    match event {
        "ADDED" => "ADDED   ",
        "MODIFIED" => "MODIFIED",
        "DELETED" => "DELETED ",
        "ERROR" => "ERROR   ",
        other => other,
    }
}

/// labels.FormatLabels: `k=v` sorted by key, or `<none>`.
pub fn format_labels(labels: Option<&Value>) -> String {
    let mut pairs: Vec<(String, String)> = labels
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
        .unwrap_or_default();
    if pairs.is_empty() {
        return "<none>".to_owned();
    }
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

impl TablePrinter {
    pub fn new(options: TableOptions) -> TablePrinter {
        TablePrinter { options, last_columns: Vec::new(), printed_headers: false }
    }

    /// Writes a Table; output appears when the tabwriter is flushed.
    pub fn print(&mut self, table: &Table, out: &mut TabWriter) {
        self.print_event(table, None, out);
    }

    /// Adds a Table received in a watch event; with `Some(type)` an EVENT
    /// column comes first (`--output-watch-events`).
    pub fn print_event(&mut self, table: &Table, event: Option<&str>, out: &mut TabWriter) {
        let mut table = table.clone();
        let mut options = self.options.clone();
        if self.printed_headers
            && (table.column_definitions.is_empty() || table.column_definitions == self.last_columns)
        {
            options.no_headers = true;
        }
        if table.column_definitions.is_empty() {
            table.column_definitions = self.last_columns.clone();
        } else if table.column_definitions != self.last_columns {
            self.last_columns = table.column_definitions.clone();
            self.printed_headers = false;
        }
        if !table.rows.is_empty() {
            self.printed_headers = true;
        }
        decorate(&mut table, &options);
        if let Some(event) = event {
            table
                .column_definitions
                .insert(0, TableColumn { name: "Event".into(), type_: "string".into(), ..Default::default() });
            for row in &mut table.rows {
                row.cells.insert(0, Value::String(format_event_type(event).to_owned()));
            }
        }
        out.write(&layout(&table, &options));
    }
}

/// decorateTable: namespace, label and kind decorations.
fn decorate(table: &mut Table, options: &TableOptions) {
    let mut width = table.column_definitions.len() + options.column_labels.len();
    if options.with_namespace {
        width += 1;
    }
    if options.show_labels {
        width += 1;
    }
    let name_column = options
        .kind
        .as_ref()
        .and_then(|_| table.column_definitions.iter().position(|c| c.format == "name" && c.type_ == "string"));
    if width != table.column_definitions.len() {
        let string_column =
            |name: &str| TableColumn { name: name.to_owned(), type_: "string".into(), ..Default::default() };
        let mut columns = Vec::with_capacity(width);
        if options.with_namespace {
            columns.push(string_column("Namespace"));
        }
        columns.extend(table.column_definitions.iter().cloned());
        for label in &options.column_labels {
            let last = label.rsplit('/').next().unwrap_or(label);
            columns.push(string_column(&last.to_uppercase()));
        }
        if options.show_labels {
            columns.push(string_column("Labels"));
        }
        table.column_definitions = columns;
    }
    let include_labels = !options.column_labels.is_empty() || options.show_labels;
    if !(include_labels || options.with_namespace || name_column.is_some()) {
        return;
    }
    for row in &mut table.rows {
        if let (Some(i), Some(kind)) = (name_column, &options.kind)
            && let Some(cell) = row.cells.get_mut(i)
        {
            *cell = Value::String(format!(
                "{}/{}",
                kind.to_lowercase(),
                cell.as_str().map_or_else(|| sprint(cell), str::to_owned)
            ));
        }
        let metadata = row.object.as_ref().and_then(|o| o.get("metadata")).filter(|m| m.is_object());
        let Some(metadata) = metadata else {
            if options.with_namespace {
                row.cells.insert(0, Value::Null);
            }
            // Go's loop re-reads the length it grows, so it only adds about
            // half of the missing cells; the layout depends on that.
            let mut j = 0;
            while j + row.cells.len() < width {
                row.cells.push(Value::Null);
                j += 1;
            }
            continue;
        };
        if options.with_namespace {
            let namespace = metadata.get("namespace").and_then(Value::as_str).unwrap_or_default();
            row.cells.insert(0, Value::String(namespace.to_owned()));
        }
        let labels = metadata.get("labels");
        for key in &options.column_labels {
            let value = labels.and_then(|l| l.get(key)).and_then(Value::as_str).unwrap_or_default();
            row.cells.push(Value::String(value.to_owned()));
        }
        if options.show_labels {
            row.cells.push(Value::String(format_labels(labels)));
        }
    }
}

/// printTable: the tab-separated text handed to the tabwriter.
fn layout(table: &Table, options: &TableOptions) -> String {
    let mut out = String::new();
    let visible = |column: &TableColumn| options.wide || column.priority == 0;
    if !options.no_headers {
        if table.rows.is_empty() {
            return out;
        }
        let headers: Vec<String> =
            table.column_definitions.iter().filter(|c| visible(c)).map(|c| c.name.to_uppercase()).collect();
        out.push_str(&headers.join("\t"));
        out.push('\n');
    }
    for row in &table.rows {
        let mut first = true;
        for (cell, column) in row.cells.iter().zip(&table.column_definitions) {
            if !visible(column) {
                continue;
            }
            if !first {
                out.push('\t');
            }
            first = false;
            match cell {
                Value::Null => {}
                Value::String(text) => match text.find(['\u{c}', '\n', '\r']) {
                    Some(cut) => {
                        out.push_str(&escape_terminal(&text[..cut]));
                        out.push_str("...");
                    }
                    None => out.push_str(&escape_terminal(text)),
                },
                other => out.push_str(&escape_terminal(&sprint(other))),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn object_meta_rows_show_ages() {
        let now: jiff::Timestamp = "2026-01-03T03:00:00Z".parse().unwrap();
        let list = json!({"items": [
            {"metadata": {"name": "a", "creationTimestamp": "2026-01-03T02:56:58Z"}},
            {"metadata": {"name": "bb", "creationTimestamp": "2026-01-01T00:00:00Z"}},
            {"metadata": {"name": "c"}},
        ]});
        let mut out = TabWriter::new();
        TablePrinter::new(TableOptions::default()).print(&object_meta_table(&list, now), &mut out);
        assert_eq!(out.flush(), "NAME   AGE\na      3m2s\nbb     2d3h\nc      <unknown>\n");
    }

    #[test]
    fn labels_format_sorted() {
        assert_eq!(format_labels(Some(&json!({"b": "2", "a": "1"}))), "a=1,b=2");
        assert_eq!(format_labels(Some(&json!({}))), "<none>");
        assert_eq!(format_labels(None), "<none>");
    }
}
