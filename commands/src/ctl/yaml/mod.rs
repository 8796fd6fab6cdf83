//! `kubectl -o yaml`, byte for byte. kubectl marshals through
//! sigs.k8s.io/yaml: the object becomes Go JSON, go-yaml v2 reads that JSON
//! back (so numbers take YAML's types and a raw U+0085 folds to a space) and
//! writes it with keys in go-yaml's "natural" order (`a9` before `a10`,
//! digits before letters). Strings that would read back as something else
//! (`"true"`, `"1"`, `""`, `"2024-01-01"`, `"1:20"`) are double-quoted; the
//! rest follows the emitter's own analysis (see `emitter`).

mod emitter;
mod resolve;

use std::cmp::Ordering;

use rdd_api::jsonpath::golang::{GoNumber, format_float_g, format_float_json};
use serde_json::Value;

use emitter::{Emitter, Style};
use resolve::string_style;

/// `-o yaml` over several objects (watch): kubectl's YAMLPrinter writes
/// `---` before every document after the first.
#[derive(Debug, Default)]
pub struct YamlPrinter {
    printed: usize,
}

impl YamlPrinter {
    pub fn new() -> YamlPrinter {
        YamlPrinter::default()
    }

    /// The next document, separator included.
    pub fn print(&mut self, value: &Value) -> String {
        self.printed += 1;
        let document = to_yaml(value);
        if self.printed > 1 { format!("---\n{document}") } else { document }
    }
}

/// The YAML tree handed to the emitter.
enum Node {
    Mapping(Vec<(String, Node)>),
    Sequence(Vec<Node>),
    Scalar(String, Style),
}

/// One object as `kubectl -o yaml` prints it (ends with a newline).
pub fn to_yaml(value: &Value) -> String {
    let mut emitter = Emitter::new();
    emitter.document(&node(value));
    emitter.out
}

fn node(value: &Value) -> Node {
    match value {
        Value::Null => Node::Scalar("null".to_owned(), Style::Plain),
        Value::Bool(b) => Node::Scalar(b.to_string(), Style::Plain),
        Value::Number(n) => Node::Scalar(number(GoNumber::of(n)), Style::Plain),
        Value::String(s) => {
            let s = fold_next_line(s);
            let style = string_style(&s);
            Node::Scalar(s, style)
        }
        Value::Array(items) => Node::Sequence(items.iter().map(node).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(String, Node)> = map.iter().map(|(k, v)| (fold_next_line(k), node(v))).collect();
            entries.sort_by(|a, b| key_order(&a.0, &b.0));
            Node::Mapping(entries)
        }
    }
}

/// A number after the JSON round trip: Go writes the JSON text, go-yaml
/// reads it as an int when it fits 64 bits and as a float otherwise.
fn number(n: GoNumber) -> String {
    match n {
        GoNumber::Int(i) => i.to_string(),
        GoNumber::Float(f) => {
            let json = format_float_json(f);
            if json.parse::<i64>().is_ok() || json.parse::<u64>().is_ok() { json } else { format_float_g(f) }
        }
    }
}

/// Go's JSON leaves U+0085 (NEL) unescaped, and go-yaml's reader treats it
/// as a line break inside the double-quoted scalar: the break and the spaces
/// around it fold to one space, or to n-1 newlines for n breaks in a row.
fn fold_next_line(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut pending_spaces = 0usize;
    while let Some(c) = chars.next() {
        match c {
            ' ' => pending_spaces += 1,
            '\u{85}' => {
                let mut breaks = 1;
                loop {
                    match chars.peek() {
                        Some(' ') => {
                            chars.next();
                        }
                        Some('\u{85}') => {
                            chars.next();
                            breaks += 1;
                        }
                        _ => break,
                    }
                }
                pending_spaces = 0;
                if breaks == 1 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', breaks - 1));
                }
            }
            other => {
                out.extend(std::iter::repeat_n(' ', pending_spaces));
                pending_spaces = 0;
                out.push(other);
            }
        }
    }
    out.extend(std::iter::repeat_n(' ', pending_spaces));
    out
}

/// go-yaml v2's keyList.Less for string keys: letters after other
/// characters, runs of digits compared as numbers.
fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

fn key_order(a: &str, b: &str) -> Ordering {
    if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        a.cmp(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn text(&mut self) -> String {
            const PALETTE: &[char] = &[
                ' ',
                '\n',
                '\t',
                '\r',
                ':',
                '#',
                '-',
                '?',
                '\'',
                '"',
                '\\',
                '{',
                '[',
                ',',
                '|',
                '>',
                '.',
                '0',
                '1',
                'a',
                'y',
                'é',
                '\u{85}',
                '\u{2028}',
                '\u{feff}',
                '\u{1f600}',
                '\u{0}',
                '\u{1b}',
                '\u{7f}',
            ];
            let len = (self.next() % 40) as usize;
            (0..len).map(|_| PALETTE[(self.next() % PALETTE.len() as u64) as usize]).collect()
        }

        fn value(&mut self, depth: u32) -> Value {
            match self.next() % if depth > 4 { 4 } else { 6 } {
                0 => Value::String(self.text()),
                1 => serde_json::json!(self.next() as i64),
                2 => serde_json::json!(f64::from_bits(self.next() >> 2)),
                3 => Value::Bool(self.next().is_multiple_of(2)),
                4 => Value::Array((0..self.next() % 4).map(|_| self.value(depth + 1)).collect()),
                _ => Value::Object((0..self.next() % 4).map(|_| (self.text(), self.value(depth + 1))).collect()),
            }
        }
    }

    #[test]
    fn random_values_print_without_panicking() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        for _ in 0..3000 {
            let value = rng.value(0);
            // No trailing-newline check: like go-yaml, a literal ending in
            // U+2028 leaves the column at 0 and so adds no final break.
            assert!(!to_yaml(&value).is_empty());
            assert!(crate::ctl::to_json(&value).ends_with('\n'));
        }
    }

    #[test]
    fn documents_after_the_first_are_separated() {
        // Recorded from `kubectl get cm -w -o yaml --output-watch-events`.
        let a =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}});
        let b = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}});
        let mut printer = YamlPrinter::new();
        let out = printer.print(&crate::ctl::watch_event("ADDED", &a))
            + &printer.print(&crate::ctl::watch_event("MODIFIED", &b));
        assert_eq!(
            out,
            "object:\n  apiVersion: v1\n  data:\n    k: v\n  kind: ConfigMap\n  metadata:\n    name: a\ntype: ADDED\n---\n\
             object:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\ntype: MODIFIED\n"
        );
    }

    #[test]
    fn keys_sort_naturally() {
        let mut keys = vec!["b", "a10", "a9", "a09", "10", "2", "", "B", "_x", "-x", "é", "z001", "z1"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, vec!["", "-x", "_x", "2", "10", "B", "a9", "a09", "a10", "b", "z1", "z001", "é"]);
    }
}
