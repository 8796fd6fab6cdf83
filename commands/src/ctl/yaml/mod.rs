//! `kubectl -o yaml`, byte for byte. kubectl marshals through
//! sigs.k8s.io/yaml: the object becomes Go JSON, go-yaml v2 reads that JSON
//! back (so numbers take YAML's types and a raw U+0085 folds to a space) and
//! writes it with keys in go-yaml's "natural" order (`a9` before `a10`,
//! digits before letters). Strings that would read back as something else
//! (`"true"`, `"1"`, `""`, `"2024-01-01"`, `"1:20"`) are double-quoted; the
//! rest follows the emitter's own analysis (see `emitter`).

mod emitter;

use std::cmp::Ordering;

use rdd_api::jsonpath::golang::{GoNumber, format_float_g, format_float_json};
use serde_json::Value;

use emitter::{Emitter, Style};

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

/// A cursor for the few fixed patterns go-yaml matches with regular
/// expressions; each pattern below quotes the expression it implements.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn new(s: &str) -> Cursor<'_> {
        Cursor { s: s.as_bytes(), i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, set: &[u8]) -> bool {
        match self.peek() {
            Some(c) if set.contains(&c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }

    /// Greedily takes up to `max` bytes of `class`; true if at least `min`.
    fn run(&mut self, class: fn(u8) -> bool, min: usize, max: usize) -> bool {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(class) {
            self.i += 1;
        }
        self.i - start >= min
    }

    fn digits(&mut self, min: usize, max: usize) -> bool {
        self.run(|c| c.is_ascii_digit(), min, max)
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let digit_or_underscore = |c: u8| c.is_ascii_digit() || c == b'_';
    let mut c = Cursor::new(s);
    c.eat(b"+-");
    if !c.digits(1, 1) {
        return false;
    }
    c.run(digit_or_underscore, 0, usize::MAX);
    let mut groups = 0;
    while c.eat(b":") {
        let two = matches!(c.s.get(c.i..c.i + 2), Some([a, b]) if (b'0'..=b'5').contains(a) && b.is_ascii_digit());
        if two {
            c.i += 2;
        } else if !c.digits(1, 1) {
            return false;
        }
        groups += 1;
    }
    if c.eat(b".") {
        c.run(digit_or_underscore, 0, usize::MAX);
    }
    groups > 0 && c.done()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let mut c = Cursor::new(s);
    c.eat(b"+-");
    if c.eat(b".") {
        if !c.digits(1, usize::MAX) {
            return false;
        }
    } else {
        if !c.digits(1, usize::MAX) {
            return false;
        }
        if c.eat(b".") {
            c.digits(0, usize::MAX);
        }
    }
    if c.eat(b"eE") {
        c.eat(b"+-");
        if !c.digits(1, usize::MAX) {
            return false;
        }
    }
    c.done()
}

/// The layouts go-yaml tries with time.Parse ("2006-1-2T15:4:5.999999999Z07:00",
/// its lower-case t variant, "2006-1-2 15:4:5.999999999" and "2006-1-2"):
/// `^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]HMS(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})| HMS(\.[0-9]+)?)?$`
/// with HMS = `[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}`.
fn is_timestamp_shape(s: &str) -> bool {
    let mut c = Cursor::new(s);
    if !(c.digits(4, 4) && c.eat(b"-") && c.digits(1, 2) && c.eat(b"-") && c.digits(1, 2)) {
        return false;
    }
    if c.done() {
        return true;
    }
    let zone = c.peek() != Some(b' ');
    if !c.eat(b"Tt ") {
        return false;
    }
    if !(c.digits(1, 2) && c.eat(b":") && c.digits(1, 2) && c.eat(b":") && c.digits(1, 2)) {
        return false;
    }
    if c.eat(b".") && !c.digits(1, usize::MAX) {
        return false;
    }
    if zone && !c.eat(b"Z") && !(c.eat(b"+-") && c.digits(2, 2) && c.eat(b":") && c.digits(2, 2)) {
        return false;
    }
    c.done()
}

/// go-yaml's encoder: a string goes literal when it has a newline, plain
/// when reading it back unquoted gives the same string, double-quoted
/// otherwise.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// Whether go-yaml's `resolve("", s)` says `!!str`.
fn resolves_to_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO", "false",
        "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
        ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
    ];
    let Some(first) = s.bytes().next() else {
        return false;
    };
    let hinted = matches!(first, b'+' | b'-' | b'0'..=b'9' | b'.') || b"yYnNtTfFoO~".contains(&first);
    if !hinted {
        return true;
    }
    if SPECIAL.contains(&s) {
        return false;
    }
    match first {
        b'.' => s.parse::<f64>().is_err(),
        b'+' | b'-' | b'0'..=b'9' => {
            if is_timestamp_shape(s) && valid_date(s) {
                return false;
            }
            let plain = s.replace('_', "");
            !(go_parse_int(&plain) || is_yaml_float(&plain) || binary_int(&plain))
        }
        _ => true,
    }
}

/// time.Parse also checks the calendar: month 1-12, a real day, hours < 24.
fn valid_date(s: &str) -> bool {
    let parts: Vec<u32> =
        s.split(|c: char| !c.is_ascii_digit()).take(6).map(|p| p.parse().unwrap_or(u32::MAX)).collect();
    let (year, month, day) = (parts[0], parts.get(1).copied().unwrap_or(0), parts.get(2).copied().unwrap_or(0));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    let time_ok = parts.len() < 6 || (parts[3] < 24 && parts[4] < 60 && parts[5] < 60);
    (1..=days).contains(&day) && time_ok
}

/// strconv.ParseInt/ParseUint with base 0 (`0x`, `0o`, `0b`, leading-0
/// octal), or any integer too big for 64 bits (go-yaml keeps a big.Int).
fn go_parse_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(rest) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (rest, 16)
    } else if let Some(rest) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (rest, 8)
    } else if let Some(rest) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (rest, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))
}

fn binary_int(s: &str) -> bool {
    let body = s.strip_prefix("-0b").or_else(|| s.strip_prefix("0b"));
    body.is_some_and(|b| !b.is_empty() && b.chars().all(|c| c == '0' || c == '1'))
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
    fn patterns_match_like_go_yaml() {
        for (s, want) in
            [("1:20", true), ("-1_0:5:59.5_", true), ("1:60", false), ("1:", false), ("1.5:20", false), ("a:1", false)]
        {
            assert_eq!(is_base60_float(s), want, "base60 {s:?}");
        }
        for (s, want) in [
            ("1", true),
            ("-1.", true),
            (".5", true),
            ("1e3", true),
            ("+1.5E-7", true),
            (".", false),
            ("1e", false),
            ("e3", false),
            ("1.5.", false),
        ] {
            assert_eq!(is_yaml_float(s), want, "float {s:?}");
        }
        for (s, want) in [
            ("2024-1-2", true),
            ("2024-01-02T03:04:05Z", true),
            ("2024-01-02t3:4:5.123+01:00", true),
            ("2024-01-02 03:04:05.5", true),
            ("2024-01-02T03:04:05", false),
            ("2024-01-02 03:04:05Z", false),
            ("20240-01-02", false),
            ("2024-001-02", false),
        ] {
            assert_eq!(is_timestamp_shape(s), want, "timestamp {s:?}");
        }
    }

    #[test]
    fn keys_sort_naturally() {
        let mut keys = vec!["b", "a10", "a9", "a09", "10", "2", "", "B", "_x", "-x", "é", "z001", "z1"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, vec!["", "-x", "_x", "2", "10", "B", "a9", "a09", "a10", "b", "z1", "z001", "é"]);
    }

    #[test]
    fn strings_that_read_back_differently_are_quoted() {
        for s in [
            "true",
            "y",
            "No",
            "~",
            "",
            "1",
            "-5",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "1e3",
            ".5",
            "2024-01-01",
            "2024-01-01T00:00:00Z",
            "1:20",
            "+1",
            ".inf",
        ] {
            assert_eq!(string_style(s), Style::Double, "{s:?}");
        }
        for s in ["a", "<<", "2024-13-01", "1.2.3", "..x", "-x", "yesno", "0x", "1e", "0b2"] {
            assert_eq!(string_style(s), Style::Plain, "{s:?}");
        }
    }
}
