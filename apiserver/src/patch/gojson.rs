//! What Go's `encoding/json` says about a body, so patch errors read like
//! kube's: the syntax-error texts of Go's scanner, the "cannot unmarshal"
//! type errors (also used by `validation::go_decode` for built-in kinds),
//! and Go's `%v` / `%s` / reflect type names for values that
//! strategic-merge-patch messages print.

use serde_json::Value;

use crate::validation::field::go_quote;

/// Go's limit on nesting depth while decoding.
const MAX_DEPTH: usize = 10_000;

/// Decode a body as Go's `json.Unmarshal` would see it: syntax errors with
/// Go's texts, then the value.
pub fn decode(data: &[u8]) -> Result<Value, String> {
    if let Some(err) = syntax_error(data) {
        return Err(err);
    }
    // Go decodes invalid UTF-8 inside strings as U+FFFD where serde_json
    // refuses it; the scanner has already confined such bytes to strings.
    let parsed = match std::str::from_utf8(data) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_str(&String::from_utf8_lossy(data)),
    };
    // serde_json stops at 128 levels, far below Go's cap; no Kubernetes
    // object comes near either.
    parsed.map_err(|err| {
        if err.to_string().contains("recursion limit") { "exceeded max depth".to_owned() } else { err.to_string() }
    })
}

/// What `json: cannot unmarshal X into Go value of type T` calls a value.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's `UnmarshalTypeError` text.
pub fn cannot_unmarshal(value: &Value, go_type: &str) -> String {
    format!("json: cannot unmarshal {} into Go value of type {go_type}", json_kind(value))
}

/// `reflect.TypeOf(v).String()` for a decoded value (`%s` of a nil type).
pub fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "%!s(<nil>)",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Go's `%v` of a decoded value: `map[k:v]` with sorted keys, `[a b]`.
pub fn go_v(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => go_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let body: Vec<String> = keys.iter().map(|k| format!("{k}:{}", go_v(&map[k.as_str()]))).collect();
            format!("map[{}]", body.join(" "))
        }
    }
}

/// Go's `%s` of an interface value: strings as they are, other scalars in
/// Go's `%!s(type=value)` form.
pub fn go_s(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "%!s(<nil>)".to_owned(),
        Value::Bool(_) | Value::Number(_) => format!("%!s({}={})", go_type(value), go_v(value)),
        _ => go_v(value),
    }
}

/// `%v` of a float64 (`%g` with the shortest representation).
fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => text,
        }
    } else {
        format!("{f}")
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    ObjectKey,
    ObjectValue,
    Array,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// A literal: which one, and how many of its bytes were seen.
    Literal(&'static str, usize),
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: the byte as a rune in single quotes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        _ => {
            let quoted = go_quote(&char::from(c).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

struct Scanner {
    state: State,
    stack: Vec<Frame>,
    end_top: bool,
}

impl Scanner {
    fn error(c: u8, context: &str) -> Result<(), String> {
        Err(format!("invalid character {} {context}", quote_char(c)))
    }

    fn push(&mut self, frame: Frame) -> Result<(), String> {
        self.stack.push(frame);
        if self.stack.len() > MAX_DEPTH {
            return Err("exceeded max depth".to_owned());
        }
        Ok(())
    }

    fn pop(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn begin_value(&mut self, c: u8) -> Result<(), String> {
        if is_space(c) {
            return Ok(());
        }
        self.state = match c {
            b'{' => {
                self.push(Frame::ObjectKey)?;
                State::BeginStringOrEmpty
            }
            b'[' => {
                self.push(Frame::Array)?;
                State::BeginValueOrEmpty
            }
            b'"' => State::InString,
            b'-' => State::Neg,
            b'0' => State::Zero,
            b't' => State::Literal("true", 1),
            b'f' => State::Literal("false", 1),
            b'n' => State::Literal("null", 1),
            b'1'..=b'9' => State::One,
            _ => return Self::error(c, "looking for beginning of value"),
        };
        Ok(())
    }

    fn end_value(&mut self, c: u8) -> Result<(), String> {
        let Some(top) = self.stack.last().copied() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.step(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Ok(());
        }
        match (top, c) {
            (Frame::ObjectKey, b':') => {
                self.set_top(Frame::ObjectValue);
                self.state = State::BeginValue;
            }
            (Frame::ObjectKey, _) => return Self::error(c, "after object key"),
            (Frame::ObjectValue, b',') => {
                self.set_top(Frame::ObjectKey);
                self.state = State::BeginString;
            }
            (Frame::ObjectValue, b'}') => self.pop(),
            (Frame::ObjectValue, _) => return Self::error(c, "after object key:value pair"),
            (Frame::Array, b',') => self.state = State::BeginValue,
            (Frame::Array, b']') => self.pop(),
            (Frame::Array, _) => return Self::error(c, "after array element"),
        }
        Ok(())
    }

    fn set_top(&mut self, frame: Frame) {
        if let Some(top) = self.stack.last_mut() {
            *top = frame;
        }
    }

    fn step(&mut self, c: u8) -> Result<(), String> {
        match self.state {
            State::BeginValue => self.begin_value(c),
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    Ok(())
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    Ok(())
                } else if c == b'}' {
                    self.set_top(Frame::ObjectValue);
                    self.end_value(c)
                } else {
                    self.state = State::BeginString;
                    self.step(c)
                }
            }
            State::BeginString => {
                if is_space(c) {
                    Ok(())
                } else if c == b'"' {
                    self.state = State::InString;
                    Ok(())
                } else {
                    Self::error(c, "looking for beginning of object key string")
                }
            }
            State::EndValue => self.end_value(c),
            State::EndTop => {
                if is_space(c) {
                    Ok(())
                } else {
                    Self::error(c, "after top-level value")
                }
            }
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    c if c < 0x20 => return Self::error(c, "in string literal"),
                    _ => {}
                }
                Ok(())
            }
            State::InStringEsc => {
                self.state = match c {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => State::InString,
                    b'u' => State::InStringEscU(0),
                    _ => return Self::error(c, "in string escape code"),
                };
                Ok(())
            }
            State::InStringEscU(seen) => {
                if !c.is_ascii_hexdigit() {
                    return Self::error(c, "in \\u hexadecimal character escape");
                }
                self.state = if seen == 3 { State::InString } else { State::InStringEscU(seen + 1) };
                Ok(())
            }
            State::Neg => {
                self.state = match c {
                    b'0' => State::Zero,
                    b'1'..=b'9' => State::One,
                    _ => return Self::error(c, "in numeric literal"),
                };
                Ok(())
            }
            State::One if c.is_ascii_digit() => Ok(()),
            State::One | State::Zero => match c {
                b'.' => {
                    self.state = State::Dot;
                    Ok(())
                }
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::Dot => {
                if !c.is_ascii_digit() {
                    return Self::error(c, "after decimal point in numeric literal");
                }
                self.state = State::Dot0;
                Ok(())
            }
            State::Dot0 => match c {
                b'0'..=b'9' => Ok(()),
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::E => {
                if c == b'+' || c == b'-' {
                    self.state = State::ESign;
                    return Ok(());
                }
                self.state = State::ESign;
                self.step(c)
            }
            State::ESign => {
                if !c.is_ascii_digit() {
                    return Self::error(c, "in exponent of numeric literal");
                }
                self.state = State::E0;
                Ok(())
            }
            State::E0 => {
                if c.is_ascii_digit() {
                    Ok(())
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(word, seen) => {
                let want = word.as_bytes()[seen];
                if c != want {
                    return Self::error(c, &format!("in literal {word} (expecting {})", quote_char(want)));
                }
                self.state = if seen + 1 == word.len() { State::EndValue } else { State::Literal(word, seen + 1) };
                Ok(())
            }
        }
    }
}

/// Go's `checkValid`: the syntax error Go reports for `data`, if any.
pub fn syntax_error(data: &[u8]) -> Option<String> {
    let mut scanner = Scanner { state: State::BeginValue, stack: Vec::new(), end_top: false };
    for &c in data {
        if let Err(err) = scanner.step(c) {
            return Some(err);
        }
    }
    if scanner.end_top {
        return None;
    }
    // Go feeds a space at the end: it finishes numbers, and may itself fail
    // inside a literal.
    if let Err(err) = scanner.step(b' ') {
        return Some(err);
    }
    if scanner.end_top { None } else { Some("unexpected end of JSON input".to_owned()) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn go_syntax_errors() {
        let cases: &[(&str, Option<&str>)] = &[
            ("{}", None),
            (" [1, 2.5e-3, -0, \"a\\u00e9\", true, false, null, {\"a\": {}}] ", None),
            ("1", None),
            ("", Some("unexpected end of JSON input")),
            ("{", Some("unexpected end of JSON input")),
            ("{\"a\":1", Some("unexpected end of JSON input")),
            ("x", Some("invalid character 'x' looking for beginning of value")),
            ("{a}", Some("invalid character 'a' looking for beginning of object key string")),
            ("{\"a\" 1}", Some("invalid character '1' after object key")),
            ("{\"a\":1 \"b\"}", Some("invalid character '\"' after object key:value pair")),
            ("[1 2]", Some("invalid character '2' after array element")),
            ("{} x", Some("invalid character 'x' after top-level value")),
            ("\"a\nb\"", Some("invalid character '\\n' in string literal")),
            ("\"\\x\"", Some("invalid character 'x' in string escape code")),
            ("\"\\u12g4\"", Some("invalid character 'g' in \\u hexadecimal character escape")),
            ("-a", Some("invalid character 'a' in numeric literal")),
            ("1.x", Some("invalid character 'x' after decimal point in numeric literal")),
            ("1e+x", Some("invalid character 'x' in exponent of numeric literal")),
            ("tru", Some("invalid character ' ' in literal true (expecting 'e')")),
            ("nul!", Some("invalid character '!' in literal null (expecting 'l')")),
            ("[1,]", Some("invalid character ']' looking for beginning of value")),
            ("'a'", Some("invalid character '\\'' looking for beginning of value")),
        ];
        for (text, want) in cases {
            assert_eq!(syntax_error(text.as_bytes()).as_deref(), *want, "{text:?}");
        }
        assert_eq!(syntax_error(&[0xff]).as_deref(), Some("invalid character 'ÿ' looking for beginning of value"));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(syntax_error(deep.as_bytes()).as_deref(), Some("exceeded max depth"));
    }

    #[test]
    fn go_formatting() {
        let value = json!({"b": [1, "x", null], "a": {"c": true}, "f": 1.5});
        assert_eq!(go_v(&value), "map[a:map[c:true] b:[1 x <nil>] f:1.5]");
        assert_eq!(go_type(&json!([])), "[]interface {}");
        assert_eq!(go_type(&json!(1)), "int64");
        assert_eq!(go_type(&json!(1.5)), "float64");
        assert_eq!(go_s(&json!(2)), "%!s(int64=2)");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1.5e-7), "1.5e-07");
        assert_eq!(
            cannot_unmarshal(&json!({}), "jsonpatch.Patch"),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
    }

    #[test]
    fn invalid_utf8_in_strings_decodes_like_go() {
        assert_eq!(decode(b"{\"a\":\"x\xffy\"}").unwrap(), json!({"a": "x\u{fffd}y"}));
        assert_eq!(decode(b"{\"a\":1}\xff").unwrap_err(), "invalid character 'ÿ' after top-level value");
    }
}
