//! How Go prints the values that kubectl handles, to the byte: `encoding/json`
//! (compact and indented, keys sorted, `<`, `>`, `&` escaped, Go's float
//! notation) and `fmt.Sprint` of decoded JSON (`map[a:1]`, `[x y]`, `<nil>`,
//! `1e+06`). kubectl decodes every object into Go maps whose integral numbers
//! are `int64` and the others `float64`; the helpers here read a
//! `serde_json::Value` the same way, so output matches kubectl's.

use serde_json::{Map, Number, Value};

/// A JSON number as kubectl holds it after decoding: `int64` when the text
/// was an integer that fits, `float64` otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoNumber {
    Int(i64),
    Float(f64),
}

impl GoNumber {
    /// Classifies a decoded number the way apimachinery's JSON decoder does.
    pub fn of(number: &Number) -> GoNumber {
        if let Some(i) = number.as_i64() {
            GoNumber::Int(i)
        } else {
            // u64 beyond int64 and every non-integer become float64 in Go.
            GoNumber::Float(number.as_f64().unwrap_or(f64::NAN))
        }
    }
}

/// The shortest decimal digits that round-trip `f` (no sign, no leading
/// zeros) and the exponent of the first digit: `1234.5` → ("12345", 3).
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-trip digits, like Go's
    // strconv with precision -1.
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent.parse().unwrap_or(0))
}

/// strconv.FormatFloat(f, 'e', -1, 64).
fn format_e(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

/// strconv.FormatFloat(f, 'f', -1, 64).
fn format_f(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let mut out = String::new();
    if f.is_sign_negative() && f != 0.0 {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return out;
    }
    if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(&digits);
    }
    out
}

/// Go's `%v` / strconv.FormatFloat(f, 'g', -1, 64): exponent form below
/// 1e-4 and from 1e+06 on (`1e+06`, `2.5`, `1.2345675e+06`).
pub fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let (_, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) { format_e(f) } else { format_f(f) }
}

/// encoding/json's float64 text: plain notation, exponent form below 1e-6
/// and from 1e21 on, with `e-07` shortened to `e-7`.
pub fn format_float_json(f: f64) -> String {
    if !f.is_finite() {
        // encoding/json refuses these; a decoded JSON value never holds one.
        return format_float_g(f);
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut text = format_e(f);
        let n = text.len();
        let bytes = text.as_bytes();
        if n >= 4 && bytes[n - 4] == b'e' && bytes[n - 3] == b'-' && bytes[n - 2] == b'0' {
            text.remove(n - 2);
        }
        text
    } else {
        format_f(f)
    }
}

/// A number's JSON text as kubectl writes it.
pub fn number_json(number: &Number) -> String {
    match GoNumber::of(number) {
        GoNumber::Int(i) => i.to_string(),
        GoNumber::Float(f) => format_float_json(f),
    }
}

/// A number as `fmt.Sprint` prints it.
pub fn number_text(number: &Number) -> String {
    match GoNumber::of(number) {
        GoNumber::Int(i) => i.to_string(),
        GoNumber::Float(f) => format_float_g(f),
    }
}

/// Appends `s` as a JSON string with encoding/json's escaping (HTML-safe).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// json.Marshal of a decoded object: compact, keys sorted.
pub fn marshal_compact(value: &Value) -> String {
    let mut out = String::new();
    write_compact(&mut out, value);
    out
}

fn write_compact(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_json(n)),
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, key);
                out.push(':');
                write_compact(out, item);
            }
            out.push('}');
        }
    }
}

/// json.MarshalIndent(value, "", indent): empty containers stay `{}`/`[]`.
pub fn marshal_indent(value: &Value, indent: &str) -> String {
    let mut out = String::new();
    write_indent(&mut out, value, indent, 0);
    out
}

/// json.MarshalIndent of a value that sits `depth` levels deep in a larger
/// document (its nested lines are indented accordingly).
pub fn marshal_indent_at(value: &Value, indent: &str, depth: usize) -> String {
    let mut out = String::new();
    write_indent(&mut out, value, indent, depth);
    out
}

fn newline(out: &mut String, indent: &str, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(indent);
    }
}

fn write_indent(out: &mut String, value: &Value, indent: &str, depth: usize) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_indent(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                push_json_string(out, key);
                out.push_str(": ");
                write_indent(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
        other => write_compact(out, other),
    }
}

/// fmt.Sprint of a decoded JSON value: strings raw, `<nil>` for null,
/// `map[k:v k2:v2]` with sorted keys, `[a b]` for arrays.
pub fn sprint(value: &Value) -> String {
    let mut out = String::new();
    write_sprint(&mut out, value);
    out
}

fn write_sprint(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_sprint(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            for (i, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_sprint(out, item);
            }
            out.push(']');
        }
    }
}

/// strconv.Quote: double-quoted, printable characters kept, the rest
/// escaped the way Go escapes them.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// fmt's `%#v` of a decoded JSON value, as kubectl's jsonpath errors show
/// the object: `map[string]interface {}{"a":1, "b":[]interface {}{true}}`.
pub fn sharp_v(value: &Value) -> String {
    let mut out = String::new();
    write_sharp_v(&mut out, value, true);
    out
}

fn write_sharp_v(out: &mut String, value: &Value, top: bool) {
    match value {
        Value::Null if top => out.push_str("<nil>"),
        Value::Null => out.push_str("interface {}(nil)"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_sharp_v(out, item, false);
            }
            out.push('}');
        }
        Value::Object(map) => {
            out.push_str("map[string]interface {}{");
            for (i, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(key));
                out.push(':');
                write_sharp_v(out, item, false);
            }
            out.push('}');
        }
    }
}

/// The Go type name kubectl's errors mention for a decoded value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "interface {}",
        Value::Bool(_) => "bool",
        Value::Number(n) => match GoNumber::of(n) {
            GoNumber::Int(_) => "int64",
            GoNumber::Float(_) => "float64",
        },
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_like_go() {
        for (f, g, j) in [
            (2.5, "2.5", "2.5"),
            (1e6, "1e+06", "1000000"),
            (123456.0, "123456", "123456"),
            (1234567.5, "1.2345675e+06", "1234567.5"),
            (0.0001, "0.0001", "0.0001"),
            (0.00001, "1e-05", "0.00001"),
            (1e-7, "1e-07", "1e-7"),
            (1e21, "1e+21", "1e+21"),
            (1.5e300, "1.5e+300", "1.5e+300"),
            (-0.5, "-0.5", "-0.5"),
            (1e20, "1e+20", "100000000000000000000"),
            (0.1, "0.1", "0.1"),
            (f64::NAN, "NaN", "NaN"),
            (f64::INFINITY, "+Inf", "+Inf"),
        ] {
            assert_eq!(format_float_g(f), g, "%v of {f}");
            assert_eq!(format_float_json(f), j, "json of {f}");
        }
    }

    #[test]
    fn json_escapes_like_encoding_json() {
        let v = json!({"b": "<a&b>\u{2028}\u{1}\t\u{8}", "a": [1, 2.0, 1e21, 18446744073709551615u64]});
        assert_eq!(
            marshal_compact(&v),
            r#"{"a":[1,2,1e+21,18446744073709552000],"b":"\u003ca\u0026b\u003e\u2028\u0001\t\b"}"#
        );
        assert_eq!(
            marshal_indent(&json!({"a": {}, "b": [], "c": [1]}), "  "),
            "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1\n  ]\n}"
        );
    }

    #[test]
    fn sharp_v_matches_fmt() {
        let v = json!({"data": {"a": "x\"y", "b": [1, 2.5, null, true, {"c": "\u{e9}\u{1}"}]}, "kind": "ConfigMap"});
        assert_eq!(
            sharp_v(&v),
            "map[string]interface {}{\"data\":map[string]interface {}{\"a\":\"x\\\"y\", \"b\":[]interface {}{1, 2.5, \
             interface {}(nil), true, map[string]interface {}{\"c\":\"\u{e9}\\x01\"}}}, \"kind\":\"ConfigMap\"}"
        );
    }

    #[test]
    fn sprint_matches_fmt() {
        let v = json!({"b": [1, "x", null], "a": {"k": true}, "c": 1.5e7});
        assert_eq!(sprint(&v), "map[a:map[k:true] b:[1 x <nil>] c:1.5e+07]");
    }
}
