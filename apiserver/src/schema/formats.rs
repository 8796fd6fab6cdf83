//! The string formats kube validates in CRD schemas (apiextensions'
//! supported format list, checked as kube-openapi's strfmt registry does).
//! `isbn`, `isbn10`, `isbn13`, `creditcard`, `quantity` and `password`
//! values are accepted without checks; unknown formats are ignored, as kube
//! strips them from the schema.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

fn re(pattern: &str) -> Regex {
    // Constant patterns of this file; the tests compile every one.
    Regex::new(pattern).expect("constant regex compiles")
}

static UUID: LazyLock<Regex> =
    LazyLock::new(|| re("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"));
static UUID3: LazyLock<Regex> =
    LazyLock::new(|| re("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$"));
static UUID4: LazyLock<Regex> =
    LazyLock::new(|| re("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"));
static UUID5: LazyLock<Regex> =
    LazyLock::new(|| re("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"));
static HOSTNAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$",
    )
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| re(r"^[^@\s<>]+@[^@\s<>]+$"));
static URI: LazyLock<Regex> = LazyLock::new(|| re(r"^(/|[A-Za-z][A-Za-z0-9+.\-]*:)[^\s]*$"));
static TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$"));
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^([-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+|0|[-+]?\d+\s*(ns|nanos?|nanoseconds?|us|micros?|microseconds?|ms|millis?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?|w|wk|weeks?))$",
    )
});
static HEXCOLOR: LazyLock<Regex> = LazyLock::new(|| re(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"));
static RGBCOLOR: LazyLock<Regex> = LazyLock::new(|| {
    let c = r"\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*";
    re(&format!(r"^rgb\({c},{c},{c}\)$"))
});
static BSON_OBJECT_ID: LazyLock<Regex> = LazyLock::new(|| re("^[0-9a-fA-F]{24}$"));
static SSN: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{3}[- ]?\d{2}[- ]?\d{4}$"));
static MAC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^([0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}|[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){7}|[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){19}|[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){2}|[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){3}|[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){9})$",
    )
});

/// Whether kube checks `format` (the name normalized as go-openapi does,
/// dashes removed) on strings.
pub(super) fn is_checked(format: &str) -> bool {
    matches!(
        format.replace('-', "").as_str(),
        "bsonobjectid"
            | "uri"
            | "email"
            | "hostname"
            | "ipv4"
            | "ipv6"
            | "cidr"
            | "mac"
            | "uuid"
            | "uuid3"
            | "uuid4"
            | "uuid5"
            | "ssn"
            | "hexcolor"
            | "rgbcolor"
            | "byte"
            | "date"
            | "duration"
            | "datetime"
    )
}

/// Whether `value` conforms to `format` (true for formats not checked).
pub(super) fn conforms(format: &str, value: &str) -> bool {
    match format.replace('-', "").as_str() {
        "bsonobjectid" => BSON_OBJECT_ID.is_match(value),
        "uri" => URI.is_match(value),
        "email" => EMAIL.is_match(value),
        "hostname" => value.len() <= 255 && HOSTNAME.is_match(value),
        "ipv4" => value.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => value.contains(':') && value.parse::<IpAddr>().is_ok(),
        "cidr" => is_cidr(value),
        "mac" => MAC.is_match(value),
        "uuid" => UUID.is_match(value),
        "uuid3" => UUID3.is_match(value),
        "uuid4" => UUID4.is_match(value),
        "uuid5" => UUID5.is_match(value),
        "ssn" => SSN.is_match(value),
        "hexcolor" => HEXCOLOR.is_match(value),
        "rgbcolor" => RGBCOLOR.is_match(value),
        "byte" => base64_error_offset(value.as_bytes()).is_none(),
        "date" => is_date(value),
        "duration" => DURATION.is_match(value),
        "datetime" => is_date_time(value),
        _ => true,
    }
}

fn is_cidr(value: &str) -> bool {
    let Some((addr, bits)) = value.split_once('/') else { return false };
    let Ok(bits) = bits.parse::<u8>() else { return false };
    if bits.to_string() != value.split_once('/').map_or("", |(_, b)| b) {
        return false;
    }
    if addr.contains(':') {
        addr.parse::<Ipv6Addr>().is_ok() && bits <= 128
    } else {
        addr.parse::<Ipv4Addr>().is_ok() && bits <= 32
    }
}

/// Where Go's `base64.StdEncoding.Decode` stops with a
/// `CorruptInputError`, if it does: its `decodeQuantum` step by step
/// (padding required, `\r` and `\n` skipped, nothing after the padding).
/// strfmt's `byte` format and Go's decoding of `[]byte` fields both decode
/// this way.
pub(crate) fn base64_error_offset(src: &[u8]) -> Option<usize> {
    let is_digit = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let skip_newlines = |mut at: usize| {
        while at < src.len() && (src[at] == b'\n' || src[at] == b'\r') {
            at += 1;
        }
        at
    };
    let mut si = 0;
    while si < src.len() {
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                // Input ended inside a quantum: a padded encoding needs all four.
                return (j > 0).then(|| si - j);
            }
            let c = src[si];
            si += 1;
            if is_digit(c) {
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' || j < 2 {
                return Some(si - 1);
            }
            if j == 2 {
                // `==` is expected; the first `=` is consumed.
                si = skip_newlines(si);
                if si == src.len() {
                    return Some(src.len());
                }
                if src[si] != b'=' {
                    return Some(si - 1);
                }
                si += 1;
            }
            si = skip_newlines(si);
            // Anything after the padding is trailing garbage.
            return (si < src.len()).then_some(si);
        }
    }
    None
}

/// An RFC 3339 full-date (`2006-01-02`), a real calendar day.
fn is_date(value: &str) -> bool {
    value.len() == 10 && value.parse::<jiff::civil::Date>().is_ok() && value.as_bytes()[4] == b'-'
}

/// strfmt's `IsDateTime`: a full-date, `T`, and a time with zone.
fn is_date_time(value: &str) -> bool {
    if value.len() < 4 {
        return false;
    }
    let lower = value.to_lowercase();
    let mut parts = lower.splitn(2, 't');
    let (Some(date), Some(time)) = (parts.next(), parts.next()) else { return false };
    if !is_date(date) {
        return false;
    }
    let Some(caps) = TIME.captures(time) else { return false };
    let field = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok()).unwrap_or(99);
    field(1) <= 23 && field(2) <= 59 && field(3) <= 59
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_fails_where_gos_std_encoding_does() {
        let cases: [(&str, Option<usize>); 12] = [
            ("", None),
            ("YQ==", None),
            ("YWJj", None),
            ("YW\nJj\r\n", None),
            ("not base64!", Some(3)),
            ("abc", Some(0)),
            ("dGVzdA", Some(4)),
            ("YQ=", Some(3)),
            ("YQ==x", Some(4)),
            ("Y===", Some(1)),
            ("YWJ=", None),
            ("YQ=x", Some(2)),
        ];
        for (text, offset) in cases {
            assert_eq!(base64_error_offset(text.as_bytes()), offset, "{text:?}");
        }
    }

    #[test]
    fn formats_accept_and_reject_like_strfmt() {
        let cases = [
            ("date-time", "2024-01-02T03:04:05Z", true),
            ("date-time", "2024-01-02T03:04:05.123+02:00", true),
            ("date-time", "2024-01-02 03:04:05", false),
            ("date-time", "2024-13-02T03:04:05Z", false),
            ("date-time", "2024-01-02T03:04:05", false),
            ("date", "2024-02-29", true),
            ("date", "2023-02-29", false),
            ("byte", "aGVsbG8=", true),
            ("byte", "aGVsbG8", false),
            ("uuid", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", true),
            ("uuid", "xyz", false),
            ("ipv4", "10.0.0.1", true),
            ("ipv4", "10.0.0.256", false),
            ("ipv6", "::1", true),
            ("ipv6", "10.0.0.1", false),
            ("cidr", "10.0.0.0/8", true),
            ("cidr", "10.0.0.0/33", false),
            ("mac", "aa:bb:cc:dd:ee:ff", true),
            ("mac", "aa:bb", false),
            ("hostname", "example.com", true),
            ("hostname", "-bad-", false),
            ("email", "a@b.c", true),
            ("email", "nope", false),
            ("uri", "https://example.com/x", true),
            ("uri", "not a uri", false),
            ("duration", "1h30m", true),
            ("duration", "5 days", true),
            ("duration", "soon", false),
            ("hexcolor", "#ffaa00", true),
            ("rgbcolor", "rgb(1, 2, 255)", true),
            ("rgbcolor", "rgb(1, 2, 256)", false),
            ("bsonobjectid", "507f1f77bcf86cd799439011", true),
            ("ssn", "123-45-6789", true),
            ("int32", "anything", true),
            ("password", "anything", true),
        ];
        for (format, value, ok) in cases {
            assert_eq!(conforms(format, value), ok, "{format} {value}");
        }
        assert!(is_checked("date-time") && is_checked("datetime") && !is_checked("int64") && !is_checked("password"));
        for regex in [&UUID3, &UUID4, &UUID5] {
            assert!(!regex.is_match("x"));
        }
    }
}
