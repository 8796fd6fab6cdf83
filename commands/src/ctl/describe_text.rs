//! The text pieces every `describe` output shares, as kubectl 1.33's
//! describe package writes them: the prefix writer (two spaces a level,
//! terminal escapes replaced), multi-line `Labels:` and `Annotations:`
//! (the last-applied annotation hidden, long or multi-line values folded),
//! the field labels of the generic describer (`apiVersion` → `API Version`,
//! fatih/camelcase's split), and the `Events:` table with its ages.

use rdd_api::duration::human_duration;
use rdd_api::jsonpath::golang::sprint;
use serde_json::{Map, Value};

use super::custom_columns::escape_terminal;
use super::tabwriter::TabWriter;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const MAX_ANNOTATION_LEN: usize = 140;

/// kubectl's prefixWriter over the describe tabwriter.
pub struct PrefixWriter {
    out: TabWriter,
    text: String,
}

impl Default for PrefixWriter {
    fn default() -> Self {
        PrefixWriter::new()
    }
}

impl PrefixWriter {
    pub fn new() -> PrefixWriter {
        PrefixWriter { out: TabWriter::describe(), text: String::new() }
    }

    /// `Write(level, ...)`: the text indented two spaces per level.
    pub fn write(&mut self, level: usize, text: &str) {
        let mut line = "  ".repeat(level);
        line.push_str(text);
        self.out.write(&escape_terminal(&line));
    }

    /// `WriteLine(...)`: the text and a newline, not indented.
    pub fn write_line(&mut self, text: &str) {
        self.out.write(&escape_terminal(&format!("{text}\n")));
    }

    /// Ends the current column block (kubectl flushes before the events table).
    pub fn flush(&mut self) {
        self.text.push_str(&self.out.flush());
    }

    /// Everything written, laid out.
    pub fn finish(mut self) -> String {
        self.flush();
        self.text
    }
}

fn string_map(value: Option<&Value>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = value
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| sprint(v), str::to_owned))).collect())
        .unwrap_or_default();
    pairs.sort();
    pairs
}

/// printLabelsMultiline.
pub fn labels(w: &mut PrefixWriter, title: &str, labels: Option<&Value>) {
    w.write(0, &format!("{title}:\t"));
    let pairs = string_map(labels);
    if pairs.is_empty() {
        w.write_line("<none>");
        return;
    }
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        w.write(0, &format!("{key}={value}\n"));
    }
}

/// printAnnotationsMultiline: sorted, the last-applied configuration left
/// out, values longer than 140 characters or spanning lines folded and cut.
pub fn annotations(w: &mut PrefixWriter, title: &str, annotations: Option<&Value>) {
    w.write(0, &format!("{title}:\t"));
    let pairs: Vec<(String, String)> = string_map(annotations).into_iter().filter(|(k, _)| k != LAST_APPLIED).collect();
    if pairs.is_empty() {
        w.write_line("<none>");
        return;
    }
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.write(0, &format!("{key}:\n"));
            for line in value.split('\n') {
                w.write(0, &format!("\t  {}\n", shorten(line, MAX_ANNOTATION_LEN - 2)));
            }
        } else {
            w.write(0, &format!("{key}: {value}\n"));
        }
    }
}

/// Go's `s[:max] + "..."`, on bytes; a cut inside a UTF-8 sequence keeps
/// the broken bytes as Go would print them (replacement characters here).
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    format!("{}...", String::from_utf8_lossy(&s.as_bytes()[..max]))
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if c.is_lowercase() {
        Class::Lower
    } else if c.is_uppercase() {
        Class::Upper
    } else if c.is_numeric() {
        Class::Digit
    } else {
        Class::Other
    }
}

/// github.com/fatih/camelcase.Split.
pub fn camelcase_split(src: &str) -> Vec<String> {
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = None;
    for c in src.chars() {
        let current = class(c);
        match runs.last_mut() {
            Some(run) if last == Some(current) => run.push(c),
            _ => runs.push(vec![c]),
        }
        last = Some(current);
    }
    // "PDFL", "oader" -> "PDF", "Loader".
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower =
            runs[i].first().is_some_and(|c| c.is_uppercase()) && runs[i + 1].first().is_some_and(|c| c.is_lowercase());
        if upper_then_lower && let Some(moved) = runs[i].pop() {
            runs[i + 1].insert(0, moved);
        }
    }
    runs.into_iter().filter(|run| !run.is_empty()).map(|run| run.into_iter().collect()).collect()
}

/// strings.Title of one camelcase part (its runs share a class, so only the
/// first letter can change).
fn title(part: &str) -> String {
    let mut chars = part.chars();
    match chars.next() {
        Some(first) if first.is_alphabetic() => first.to_uppercase().chain(chars).collect(),
        _ => part.to_owned(),
    }
}

/// smartLabelFor: `apiVersion` → `API Version`; names with characters other
/// than letters and `-` stay as they are.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_owned();
    }
    const ACRONYMS: &[&str] = &["API", "URL", "UID", "OSB", "GUID"];
    let parts: Vec<String> = camelcase_split(field)
        .into_iter()
        .filter(|part| part != "_")
        .map(|part| {
            let upper = part.to_uppercase();
            if ACRONYMS.contains(&upper.as_str()) { upper } else { title(&part) }
        })
        .collect();
    parts.join(" ")
}

/// printUnstructuredContent: every field sorted, maps as nested sections,
/// lists item by item, scalars as Go prints them; `skip` holds dotted paths.
pub fn unstructured(w: &mut PrefixWriter, level: usize, content: &Map<String, Value>, prefix: &str, skip: &[&str]) {
    let mut fields: Vec<&String> = content.keys().collect();
    fields.sort();
    for field in fields {
        let value = &content[field];
        let path = format!("{prefix}.{field}");
        if skip.contains(&path.as_str()) {
            continue;
        }
        match value {
            Value::Object(map) => {
                w.write(level, &format!("{}:\n", smart_label(field)));
                unstructured(w, level + 1, map, &path, skip);
            }
            Value::Array(items) => {
                w.write(level, &format!("{}:\n", smart_label(field)));
                for item in items {
                    match item {
                        Value::Object(map) => unstructured(w, level + 1, map, &path, skip),
                        other => w.write(level + 1, &format!("{}\n", sprint(other))),
                    }
                }
            }
            other => w.write(level, &format!("{}:\t{}\n", smart_label(field), sprint(other))),
        }
    }
}

fn timestamp(value: Option<&Value>) -> Option<jiff::Timestamp> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}

/// translateTimestampSince: `<unknown>` for a zero time, else the age.
fn since(time: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    match time {
        None => "<unknown>".to_owned(),
        // time.Since truncated to whole seconds, as duration.HumanDuration reads it.
        Some(time) => human_duration(now.duration_since(time).as_secs()),
    }
}

/// The time kubectl sorts events by: the series' last observation, else
/// the last timestamp, else the event time.
fn sort_time(event: &Value) -> Option<jiff::Timestamp> {
    if event.get("series").is_some_and(|s| !s.is_null()) {
        return timestamp(event.pointer("/series/lastObservedTime"));
    }
    timestamp(event.get("lastTimestamp")).or_else(|| timestamp(event.get("eventTime")))
}

/// DescribeEvents: `Events:  <none>`, or a table oldest first.
pub fn events(w: &mut PrefixWriter, events: &[Value], now: jiff::Timestamp) {
    if events.is_empty() {
        w.write(0, "Events:\t<none>\n");
        return;
    }
    w.flush();
    let mut events: Vec<&Value> = events.iter().collect();
    events.sort_by_key(|e| sort_time(e));
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(1, "----\t------\t----\t----\t-------\n");
    let text = |e: &Value, key: &str| e.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    for e in events {
        let first = match timestamp(e.get("eventTime")) {
            Some(time) => since(Some(time), now),
            None => since(timestamp(e.get("firstTimestamp")), now),
        };
        let count = e.get("count").and_then(Value::as_i64).unwrap_or(0);
        let interval = if e.get("series").is_some_and(|s| !s.is_null()) {
            let series_count = e.pointer("/series/count").and_then(Value::as_i64).unwrap_or(0);
            let last = since(timestamp(e.pointer("/series/lastObservedTime")), now);
            format!("{last} (x{series_count} over {first})")
        } else if count > 1 {
            format!("{} (x{count} over {first})", since(timestamp(e.get("lastTimestamp")), now))
        } else {
            first
        };
        let mut source = e.pointer("/source/component").and_then(Value::as_str).unwrap_or_default().to_owned();
        if source.is_empty() {
            source = text(e, "reportingComponent");
        }
        w.write(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{}\n",
                text(e, "type"),
                text(e, "reason"),
                text(e, "message").trim()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn labels_follow_camelcase_and_acronyms() {
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("creationTimestamp"), "Creation Timestamp");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("hostIp"), "Host Ip");
        assert_eq!(smart_label("hostIP"), "Host IP");
        assert_eq!(smart_label("PDFLoader"), "PDF Loader");
        assert_eq!(smart_label("foo-bar"), "Foo - Bar");
        assert_eq!(smart_label("80/tcp"), "80/tcp");
        assert_eq!(smart_label("exitCode2"), "exitCode2");
        assert_eq!(camelcase_split("aBc"), vec!["a", "Bc"]);
    }

    #[test]
    fn generic_content_aligns_like_kubectl() {
        let mut w = PrefixWriter::new();
        let object = json!({"spec": {"state": "running"}, "status": {"args": ["a", "b"], "pid": 42,
            "conditions": [{"type": "Ready", "status": "True"}], "name": "web"}});
        unstructured(&mut w, 0, object.as_object().unwrap(), "", &[]);
        events(&mut w, &[], jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            w.finish(),
            "Spec:\n  State:  running\nStatus:\n  Args:\n    a\n    b\n  Conditions:\n    Status:  True\n    Type:    Ready\n  Name:      web\n  Pid:       42\nEvents:      <none>\n"
        );
    }

    #[test]
    fn annotations_hide_last_applied_and_fold_long_values() {
        let mut w = PrefixWriter::new();
        annotations(&mut w, "Annotations", Some(&json!({LAST_APPLIED: "{}"})));
        labels(&mut w, "Labels", Some(&json!({"b": "2", "a": "1"})));
        let long = "x".repeat(150);
        annotations(&mut w, "Annotations", Some(&json!({"k": long, "m": "one\ntwo\n"})));
        let cut = "x".repeat(138);
        assert_eq!(
            w.finish(),
            format!(
                "Annotations:  <none>\nLabels:       a=1\n              b=2\nAnnotations:  k:\n                {cut}...\n              m:\n                one\n                two\n"
            )
        );
    }

    #[test]
    fn events_table_sorts_and_counts() {
        let now: jiff::Timestamp = "2026-01-01T00:10:00Z".parse().unwrap();
        let list = [
            json!({"type": "Normal", "reason": "Started", "message": " up ", "count": 3,
                   "source": {"component": "engine"},
                   "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:09:58Z"}),
            json!({"type": "Warning", "reason": "Failed", "message": "no", "reportingComponent": "ctl",
                   "eventTime": "2026-01-01T00:05:00.123456Z"}),
        ];
        let mut w = PrefixWriter::new();
        events(&mut w, &list, now);
        assert_eq!(
            w.finish(),
            "Events:\n  Type     Reason   Age               From    Message\n  ----     ------   ----              ----    -------\n  Warning  Failed   4m59s             ctl     no\n  Normal   Started  2s (x3 over 10m)  engine  up\n"
        );
    }
}
