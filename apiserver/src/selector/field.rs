//! Field selectors in kube's string syntax (`fields.ParseSelector`):
//! comma-joined `field=value`, `field==value` and `field!=value` terms,
//! with `\` escaping `\`, `,` and `=` in values. The handler decides which
//! field names are supported; a field the object lacks reads as "".

use super::SelectorError;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: String,
    equal: bool,
    value: String,
}

/// A parsed field selector; the empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<Term>,
}

impl FieldSelector {
    /// Parse kube's field selector syntax; `""` selects everything.
    pub fn parse(text: &str) -> Result<FieldSelector, SelectorError> {
        let mut parts = split_terms(text);
        // kube sorts the raw terms first, which decides which bad term is
        // reported when there are several.
        parts.sort();
        let mut terms = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let Some((field, equal, raw)) = split_term(part) else {
                return Err(SelectorError::new(format!("invalid selector: '{text}'; can't understand '{part}'")));
            };
            let value = unescape_value(raw).map_err(SelectorError::new)?;
            terms.push(Term { field: field.to_owned(), equal, value });
        }
        Ok(FieldSelector { terms })
    }

    /// The field names the selector uses, for the caller to check support.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|t| t.field.as_str())
    }

    /// Whether every term holds; `get` returns a field's value, `None`
    /// (a missing field) compares as the empty string, as in kube.
    pub fn matches(&self, get: impl Fn(&str) -> Option<String>) -> bool {
        self.terms.iter().all(|t| (get(&t.field).unwrap_or_default() == t.value) == t.equal)
    }

    /// Whether the selector restricts nothing.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Split on commas not escaped by a backslash; escapes stay in the terms.
fn split_terms(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in text.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&text[start..i]);
            start = i + 1;
        }
    }
    terms.push(&text[start..]);
    terms
}

/// The first operator occurrence splits the term (no escaping on the left).
fn split_term(term: &str) -> Option<(&str, bool, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op, equal) in [("!=", false), ("==", true), ("=", true)] {
            if let Some(value) = rest.strip_prefix(op) {
                return Some((&term[..i], equal, value));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, String> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => return Err(format!("invalid field selector: invalid escape sequence: \\{c}")),
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // kube prints the rune with %v, i.e. as its number.
            ',' | '=' => return Err(format!("invalid field selector: unescaped character in value: {}", c as u32)),
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(field: &str) -> Option<String> {
        match field {
            "metadata.name" => Some("web".to_owned()),
            "metadata.namespace" => Some("default".to_owned()),
            "status.repoTag" => Some("a,b=c\\d".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn matching_table() {
        let cases: &[(&str, bool)] = &[
            ("", true),
            (",", true),
            ("metadata.name=web", true),
            ("metadata.name==web", true),
            ("metadata.name!=web", false),
            ("metadata.name=db", false),
            ("metadata.name!=db", true),
            ("metadata.name=web,metadata.namespace=default", true),
            ("metadata.name=web,metadata.namespace!=default", false),
            ("status.phase=", true),
            ("status.phase!=", false),
            ("status.phase!=x", true),
            (r"status.repoTag=a\,b\=c\\d", true),
            ("metadata.name=web,", true),
        ];
        for (text, want) in cases {
            let selector = FieldSelector::parse(text).unwrap_or_else(|err| panic!("{text:?}: {err}"));
            assert_eq!(selector.matches(object), *want, "{text:?}");
        }
    }

    #[test]
    fn field_names() {
        let selector = FieldSelector::parse("b=1,a!=2,c==3").unwrap();
        assert_eq!(selector.fields().collect::<Vec<_>>(), vec!["a", "b", "c"]);
        // Like kube, no trimming: the caller reports the odd name.
        let selector = FieldSelector::parse("metadata.name = x").unwrap();
        assert_eq!(selector.fields().collect::<Vec<_>>(), vec!["metadata.name "]);
        assert!(FieldSelector::parse("").unwrap().is_empty());
    }

    #[test]
    fn error_table() {
        let cases: &[(&str, &str)] = &[
            ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
            ("x=1,b", "invalid selector: 'x=1,b'; can't understand 'b'"),
            ("a=b=c", "invalid field selector: unescaped character in value: 61"),
            (r"a=b\x", r"invalid field selector: invalid escape sequence: \x"),
            (r"a=b\!", r"invalid field selector: invalid escape sequence: \!"),
            (r"a=b\", r"invalid field selector: invalid escape sequence: \"),
        ];
        for (text, want) in cases {
            assert_eq!(FieldSelector::parse(text).expect_err(text).to_string(), *want, "{text:?}");
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        let alphabet: Vec<char> = "ab=!,\\ é.".chars().collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 16) as usize;
            let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            if let Ok(selector) = FieldSelector::parse(&text) {
                selector.matches(|_| None);
            }
        }
    }
}
