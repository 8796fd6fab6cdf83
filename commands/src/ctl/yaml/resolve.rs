//! Whether go-yaml would read a string back as a string if written plain
//! (its `resolve`): YAML 1.1 booleans and nulls (`yes`, `on`, `~`), ints in
//! any base, floats, timestamps and base-60 floats all would not, so the
//! encoder double-quotes them. The patterns are go-yaml's regular
//! expressions, matched by hand.

use super::emitter::Style;

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
pub(super) fn string_style(s: &str) -> Style {
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

#[cfg(test)]
mod tests {
    use super::*;

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
