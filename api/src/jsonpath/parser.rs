//! The JSONPath template parser of k8s.io/client-go/util/jsonpath, rule for
//! rule: text outside braces, and inside them fields (with `\.` escapes),
//! `[i]`/`[a:b:c]`/`[*]`/`['key']`/unions, `[?(...)]` filters, `..`,
//! `*`, numbers, booleans, quoted strings and the `range`/`end` keywords.
//! kubectl's quirks are kept (`['a.b']` still splits at the dot, `&&` is not
//! an operator) because scripts written against kubectl rely on them. The
//! parser loops rather than recursing per token, so no input can exhaust the
//! stack.

use std::sync::LazyLock;

use regex::Regex;

use super::JsonPathError;

/// One bound of an array selection `[start:end:step]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Param {
    pub value: i64,
    pub known: bool,
    /// `end` implied by a lone index (`[3]` is `[3:4]`).
    pub derived: bool,
}

/// A node of the parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Text(String),
    List(Vec<Node>),
    Field(String),
    Array([Param; 3]),
    Filter { left: Vec<Node>, right: Vec<Node>, op: String },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
}

static FILTER: LazyLock<Regex> = LazyLock::new(|| {
    // Same pattern as client-go; it is a constant, so compiling cannot fail.
    Regex::new(r"^([^!<>=]+)([!<>=]+)(.+?)$").expect("constant regex")
});

const EOF: Option<char> = None;

struct Parser<'s> {
    input: &'s str,
    pos: usize,
    start: usize,
    width: usize,
}

fn syntax(message: impl Into<String>) -> JsonPathError {
    JsonPathError::Parse(message.into())
}

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => matches!(c, ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'),
    }
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// Go's `%#U`: `U+0026 '&'`.
fn go_rune(c: char) -> String {
    if c.is_control() { format!("U+{:04X}", c as u32) } else { format!("U+{:04X} '{c}'", c as u32) }
}

/// Parses a whole template into its top-level nodes (texts and actions).
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, JsonPathError> {
    let mut parser = Parser { input: text, pos: 0, start: 0, width: 0 };
    parser.parse_text()
}

/// Parses the inside of one action (`text` without braces) into its nodes.
fn parse_action(text: &str) -> Result<Vec<Node>, JsonPathError> {
    let nodes = parse(&format!("{{{text}}}"))?;
    match nodes.into_iter().next() {
        Some(Node::List(list)) => Ok(list),
        _ => Err(syntax(format!("invalid action {text}"))),
    }
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        &self.input[self.pos..]
    }

    fn consume_text(&mut self) -> &'s str {
        let value = &self.input[self.start..self.pos];
        self.start = self.pos;
        value
    }

    fn next(&mut self) -> Option<char> {
        match self.rest().chars().next() {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    /// The byte two before `pos` (the one before the rune just read).
    fn escaped(&self) -> bool {
        self.pos >= 2 && self.input.as_bytes()[self.pos - 2] == b'\\'
    }

    fn parse_text(&mut self) -> Result<Vec<Node>, JsonPathError> {
        let mut root = Vec::new();
        loop {
            if self.rest().starts_with('{') {
                if self.pos > self.start {
                    root.push(Node::Text(self.consume_text().to_owned()));
                }
                self.pos += 1;
                self.consume_text();
                let mut list = Vec::new();
                self.parse_inside_action(&mut list)?;
                root.push(Node::List(list));
                continue;
            }
            if self.next().is_none() {
                break;
            }
        }
        if self.pos > self.start {
            root.push(Node::Text(self.consume_text().to_owned()));
        }
        Ok(root)
    }

    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                self.consume_text();
                return Ok(());
            }
            if rest.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if rest.starts_with("..") {
                self.parse_recursive(cur)?;
                continue;
            }
            match self.next() {
                None | Some('\r' | '\n') => return Err(syntax("unclosed action")),
                Some(' ' | '@' | '$') => {
                    self.consume_text();
                }
                Some('[') => self.parse_array(cur)?,
                Some(quote @ ('"' | '\'')) => self.parse_quote(cur, quote)?,
                Some('.') => self.parse_field(cur),
                Some(c) if c == '+' || c == '-' || c.is_numeric() => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                Some(c) => return Err(syntax(format!("unrecognized character in action: {}", go_rune(c)))),
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        cur.push(match value {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            other => Node::Identifier(other.to_owned()),
        });
    }

    fn parse_recursive(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        if matches!(cur.last(), Some(Node::Recursive)) {
            return Err(syntax("invalid multiple recursive descent"));
        }
        self.pos += 2;
        self.consume_text();
        cur.push(Node::Recursive);
        if self.peek().is_some_and(is_alphanumeric) {
            self.parse_field(cur);
        }
        Ok(())
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || c.is_numeric() => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        let value = self.consume_text();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
        } else if let Some(f) = parse_go_float(value) {
            cur.push(Node::Float(f));
        } else {
            return Err(syntax(format!("cannot parse number {value}")));
        }
        Ok(())
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        loop {
            match self.next() {
                None | Some('\n') => return Err(syntax("unterminated array")),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let whole = self.consume_text();
        let mut text = &whole[1..whole.len() - 1];
        if text == "*" {
            text = ":";
        }

        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::with_capacity(parts.len());
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }

        if let Some(key) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\''))
            && text.len() >= 2
            && !key.contains('\'')
        {
            cur.extend(parse_action(&format!(".{key}"))?);
            return Ok(());
        }

        let groups = slice_groups(text).ok_or_else(|| syntax(format!("invalid array index {text}")))?;
        let mut params = [Param::default(); 3];
        for i in 0..3 {
            match groups[i] {
                Some(raw) if i > 0 && raw.is_empty() => params[i].known = false,
                Some(raw) if !(i == 0 && raw.is_empty()) => {
                    params[i].known = true;
                    params[i].value = raw.parse().map_err(|_| syntax(format!("array index {raw} is not a number")))?;
                }
                _ if i == 1 => {
                    params[1] = Param { value: params[0].value.wrapping_add(1), known: true, derived: true };
                }
                _ => params[i] = Param::default(),
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        self.pos += 3;
        self.consume_text();
        let mut begin = false;
        let mut end = false;
        let mut pair = '\0';
        loop {
            match self.next() {
                None | Some('\n') => return Err(syntax("unterminated filter")),
                Some(quote @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = quote;
                        continue;
                    }
                    if !self.escaped() && quote == pair {
                        end = true;
                    }
                }
                Some(')') if begin == end => break,
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err(syntax("unclosed array expect ]"));
        }
        let whole = self.consume_text();
        let text = &whole[..whole.len() - 2];
        match FILTER.captures(text) {
            None => cur.push(Node::Filter { left: parse_action(text)?, right: Vec::new(), op: "exists".to_owned() }),
            Some(caps) => cur.push(Node::Filter {
                left: parse_action(&caps[1])?,
                right: parse_action(&caps[3])?,
                op: caps[2].to_owned(),
            }),
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, quote: char) -> Result<(), JsonPathError> {
        loop {
            match self.next() {
                None | Some('\n') => return Err(syntax("unterminated quoted string")),
                Some(c) if c == quote && !self.escaped() => break,
                Some(_) => {}
            }
        }
        let value = self.consume_text();
        let text = unquote_extend(value).map_err(|err| syntax(format!("unquote string {value} error {err}")))?;
        cur.push(Node::Text(text));
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume_text();
        while self.advance() {}
        let value = self.consume_text();
        cur.push(if value == "*" { Node::Wildcard } else { Node::Field(value.replace('\\', "")) });
    }

    /// Steps over one rune of a field name; `\x` always counts as part of it.
    fn advance(&mut self) -> bool {
        let r = self.next();
        if r == Some('\\') {
            self.next();
        } else if is_terminator(r) {
            self.backup();
            return false;
        }
        true
    }
}

/// The groups of client-go's `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`, the leading
/// colon stripped: `None` for an absent group.
fn slice_groups(text: &str) -> Option<[Option<&str>; 3]> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let valid = |p: &str| {
        let digits = p.strip_prefix('-').unwrap_or(p);
        digits.bytes().all(|b| b.is_ascii_digit())
    };
    if !parts.iter().all(|p| valid(p)) {
        return None;
    }
    // In Go an empty first group is "", which the caller treats as absent.
    let first = if parts[0].is_empty() { None } else { Some(parts[0]) };
    Some([first, parts.get(1).copied(), parts.get(2).copied()])
}

/// strconv.ParseFloat for the digits-and-dots text parseNumber collects.
fn parse_go_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    if body.is_empty() || body == "." || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    text.parse().ok()
}

/// client-go's UnquoteExtend: strconv.Unquote that also takes multi-rune
/// single-quoted strings.
fn unquote_extend(s: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let bytes = s.as_bytes();
    if bytes.len() < 2 {
        return Err(SYNTAX);
    }
    let quote = bytes[0];
    if quote != bytes[bytes.len() - 1] || (quote != b'"' && quote != b'\'') {
        return Err(SYNTAX);
    }
    let body = &s[1..s.len() - 1];
    if !body.contains('\\') && !body.contains(quote as char) {
        return Ok(body.to_owned());
    }
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c as u32 == quote as u32 {
            return Err(SYNTAX);
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let escape = chars.next().ok_or(SYNTAX)?;
        let mut push_char = |v: u32| -> Result<(), &'static str> {
            let c = char::from_u32(v).ok_or(SYNTAX)?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            Ok(())
        };
        match escape {
            'a' => push_char(7)?,
            'b' => push_char(8)?,
            'f' => push_char(12)?,
            'n' => push_char(10)?,
            'r' => push_char(13)?,
            't' => push_char(9)?,
            'v' => push_char(11)?,
            '\\' => push_char('\\' as u32)?,
            '\'' | '"' => {
                if escape as u32 != quote as u32 {
                    return Err(SYNTAX);
                }
                push_char(escape as u32)?;
            }
            'x' | 'u' | 'U' => {
                let n = match escape {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..n {
                    let d = chars.next().and_then(|c| c.to_digit(16)).ok_or(SYNTAX)?;
                    v = v.checked_mul(16).ok_or(SYNTAX)? + d;
                }
                if escape == 'x' {
                    // \xNN is one byte, as in Go.
                    out.push(v as u8);
                } else {
                    push_char(v)?;
                }
            }
            '0'..='7' => {
                let mut v = escape.to_digit(8).ok_or(SYNTAX)?;
                for _ in 0..2 {
                    let d = chars.next().and_then(|c| c.to_digit(8)).ok_or(SYNTAX)?;
                    v = v * 8 + d;
                }
                if v > 255 {
                    return Err(SYNTAX);
                }
                out.push(v as u8);
            }
            _ => return Err(SYNTAX),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Node {
        Node::Field(name.to_owned())
    }

    #[test]
    fn parses_the_node_kinds() {
        assert_eq!(
            parse("a{.b.c\\.d}e").unwrap(),
            vec![Node::Text("a".into()), Node::List(vec![field("b"), field("c.d")]), Node::Text("e".into())]
        );
        assert_eq!(
            parse("{range .items[*]}{end}").unwrap(),
            vec![
                Node::List(vec![
                    Node::Identifier("range".into()),
                    field("items"),
                    Node::Array([
                        Param { value: 0, known: false, derived: false },
                        Param { value: 0, known: false, derived: false },
                        Param { value: 0, known: false, derived: false }
                    ])
                ]),
                Node::List(vec![Node::Identifier("end".into())])
            ]
        );
        assert_eq!(
            parse("{[-1]}").unwrap(),
            vec![Node::List(vec![Node::Array([
                Param { value: -1, known: true, derived: false },
                Param { value: 0, known: true, derived: true },
                Param::default()
            ])])]
        );
        assert_eq!(parse("{['a.b']}").unwrap(), vec![Node::List(vec![field("a"), field("b")])]);
        let Node::List(filter) = &parse(r#"{[?(@.type=="Ready")]}"#).unwrap()[0] else { panic!() };
        assert_eq!(
            filter[0],
            Node::Filter { left: vec![field("type")], right: vec![Node::Text("Ready".into())], op: "==".into() }
        );
        assert_eq!(parse("{..name}").unwrap(), vec![Node::List(vec![Node::Recursive, field("name")])]);
        assert_eq!(parse(r#"{"\n"}{'\t'}"#).unwrap()[1], Node::List(vec![Node::Text("\t".into())]));
    }

    #[test]
    fn reports_malformed_templates() {
        for (template, message) in [
            ("{.a", "unclosed action"),
            ("{.a[0}", "unterminated array"),
            ("{.a[x]}", "invalid array index x"),
            ("{.a[?(@.x==1}", "unterminated filter"),
            ("{.a[?(@.x==1)}", "unclosed array expect ]"),
            ("{\"abc}", "unterminated quoted string"),
            ("{.a && .b}", "unrecognized character in action: U+0026 '&'"),
            ("{....a}", "invalid multiple recursive descent"),
            ("{+}", "cannot parse number +"),
            ("{.a[1:2:3:4]}", "invalid array index 1:2:3:4"),
            ("{.a[-]}", "array index - is not a number"),
            (r#"{"\q"}"#, r#"unquote string "\q" error invalid syntax"#),
        ] {
            assert_eq!(parse(template).unwrap_err().to_string(), message, "{template}");
        }
    }
}
