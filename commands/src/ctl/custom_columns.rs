//! `kubectl get -o custom-columns=HEADER:path,...`: one column per spec
//! part, paths relaxed like kubectl (`.a.b`, `a.b`, `{.a.b}`), missing
//! values `<none>`, several values joined with commas, each value as Go's
//! `fmt.Sprint` prints it (`map[k:v]`, `[a b]`) with ESC and CR made visible.

use rdd_api::jsonpath::JsonPath;
use rdd_api::jsonpath::golang::sprint;
use serde_json::Value;

use super::printers::{PrintError, list_items};
use super::tabwriter::TabWriter;

/// One `HEADER:path` column; `template` is the relaxed path (`{.a.b}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub template: String,
}

/// kubectl's terminal escaping of printed cells (issue #101695).
pub(crate) fn escape_terminal(text: &str) -> String {
    text.replace('\u{1b}', "^[").replace('\r', "\\r")
}

/// Parses the text after `custom-columns=`.
pub fn parse_columns(spec: &str) -> Result<Vec<Column>, PrintError> {
    if spec.is_empty() {
        return Err(PrintError::NoCustomColumns);
    }
    spec.split(',')
        .map(|part| {
            let (header, path) = part.split_once(':').ok_or_else(|| PrintError::CustomColumnSpec(part.to_owned()))?;
            let template = rdd_api::jsonpath::relaxed_expression(path)?;
            Ok(Column { header: header.to_owned(), template })
        })
        .collect()
}

/// Prints objects as custom columns; the header comes once, before the
/// first object.
#[derive(Debug)]
pub struct CustomColumnsPrinter {
    columns: Vec<Column>,
    no_headers: bool,
    printed_header: bool,
    writer: TabWriter,
}

impl CustomColumnsPrinter {
    pub fn new(spec: &str, no_headers: bool) -> Result<CustomColumnsPrinter, PrintError> {
        Ok(CustomColumnsPrinter {
            columns: parse_columns(spec)?,
            no_headers,
            printed_header: false,
            writer: TabWriter::new(),
        })
    }

    /// Adds one object (a list adds a row per item). On error, what was
    /// already written (at least the header) is still in [`Self::flush`].
    pub fn print(&mut self, object: &Value) -> Result<(), PrintError> {
        if !self.no_headers && !self.printed_header {
            let headers: Vec<&str> = self.columns.iter().map(|c| c.header.as_str()).collect();
            self.writer.write(&headers.join("\t"));
            self.writer.write("\n");
            self.printed_header = true;
        }
        // kubectl parses the paths only now, after the header is out.
        let paths = self
            .columns
            .iter()
            .map(|c| Ok(JsonPath::parse(&c.template)?.allow_missing_keys(true)))
            .collect::<Result<Vec<_>, PrintError>>()?;
        match list_items(object) {
            Some(items) => items.iter().try_for_each(|item| self.row(&paths, item)),
            None => self.row(&paths, object),
        }
    }

    fn row(&mut self, paths: &[JsonPath], object: &Value) -> Result<(), PrintError> {
        let mut cells = Vec::with_capacity(paths.len());
        for path in paths {
            let values = path.find_results(object)?;
            let mut texts = Vec::new();
            if values.first().is_none_or(Vec::is_empty) {
                texts.push("<none>".to_owned());
            }
            texts.extend(values.iter().flatten().map(|v| escape_terminal(&sprint(v))));
            cells.push(texts.join(","));
        }
        self.writer.write(&cells.join("\t"));
        self.writer.write("\n");
        Ok(())
    }

    /// The formatted output so far.
    pub fn flush(&mut self) -> String {
        self.writer.flush()
    }
}
