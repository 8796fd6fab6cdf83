//! Table tests for label selector parsing, matching and error texts.

use std::collections::BTreeMap;

use super::LabelSelector;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn matching_table() {
    let set = labels(&[("app", "web"), ("tier", "front"), ("n", "5"), ("empty", "")]);
    let cases: &[(&str, bool)] = &[
        ("", true),
        ("app=web", true),
        ("app==web", true),
        ("app = web", true),
        ("  app   ==   web  ", true),
        ("app=db", false),
        ("app!=db", true),
        ("app!=web", false),
        ("missing!=x", true),
        ("app in (web,db)", true),
        ("app in (db)", false),
        ("app notin (db)", true),
        ("app notin (web)", false),
        ("missing notin (web)", true),
        ("missing in (web)", false),
        ("app", true),
        ("missing", false),
        ("!missing", true),
        ("!app", false),
        ("app=web,tier=front", true),
        ("app=web,tier=back", false),
        ("app=web , tier in (front)", true),
        ("empty=", true),
        ("empty==", true),
        ("app=", false),
        ("empty in ()", true),
        ("empty in (,x)", true),
        ("empty in (x,)", true),
        ("empty in (x,,y)", true),
        ("app in (x,,y)", false),
        ("n>4", true),
        ("n>5", false),
        ("n<6", true),
        ("app>1", false),
        ("missing<1", false),
        ("in in (in)", false),
        ("app in (in,web)", true),
        ("example.com/app", false),
        ("a=b \0garbage", false),
        ("app=\0web", true),
    ];
    for (text, want) in cases {
        let selector = LabelSelector::parse(text).unwrap_or_else(|err| panic!("{text:?}: {err}"));
        assert_eq!(selector.matches(&set), *want, "{text:?}");
    }
    let notin_set = labels(&[("in", "in")]);
    assert!(LabelSelector::parse("in in (in)").unwrap().matches(&notin_set));
    assert!(LabelSelector::parse("notin notin (x)").unwrap().matches(&notin_set));
    assert!(LabelSelector::parse("").unwrap().is_empty());
}

const NAME_PART: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

#[test]
fn error_table() {
    let cases: Vec<(&str, String)> = vec![
        ("app:monolith", format!("unable to parse requirement: <nil>: Invalid value: \"app:monolith\": {NAME_PART}")),
        ("*bar", format!("unable to parse requirement: <nil>: Invalid value: \"*bar\": {NAME_PART}")),
        (
            "a/b/c ?=? def",
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_owned(),
        ),
        ("app=web,", "found '', expected: identifier after ','".to_owned()),
        ("app=web,,", "found ',', expected: identifier after ','".to_owned()),
        (",app", "found ',', expected: !, identifier, or 'end of string'".to_owned()),
        ("=web", "found '=', expected: !, identifier, or 'end of string'".to_owned()),
        ("app web", "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt".to_owned()),
        ("app in web", "unable to parse requirement: found 'web' expected: '('".to_owned()),
        ("app in (web", "unable to parse requirement: found '', expected: ',' or ')'".to_owned()),
        ("app in (web x)", "unable to parse requirement: found 'x', expected: ',' or ')'".to_owned()),
        ("app in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier".to_owned()),
        ("app in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier".to_owned()),
        ("app==(x)", "unable to parse requirement: found '(', expected: identifier".to_owned()),
        ("!app=x", "found '=', expected: ',' or 'end of string'".to_owned()),
        ("!", "unable to parse requirement: found '', expected: identifier".to_owned()),
        ("!!a", "unable to parse requirement: found '!', expected: identifier".to_owned()),
        ("a=b c", "found 'c', expected: ',' or 'end of string'".to_owned()),
        ("a=b\0garbage", "found 'garbage', expected: ',' or 'end of string'".to_owned()),
        ("app=-bad", format!("unable to parse requirement: values[0][app]: Invalid value: \"-bad\": {VALUE_MSG}")),
        (
            "app in (-a,-b)",
            format!(
                "unable to parse requirement: [values[0][app]: Invalid value: \"-a\": {VALUE_MSG}, values[1][app]: Invalid value: \"-b\": {VALUE_MSG}]"
            ),
        ),
        (
            "n>abc",
            "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer".to_owned(),
        ),
        (
            "app.kubernetes_io/name=x",
            "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned(),
        ),
    ];
    for (text, want) in cases {
        let err = LabelSelector::parse(text).expect_err(text);
        assert_eq!(err.to_string(), want, "{text:?}");
    }
}

#[test]
fn never_panics_on_garbage() {
    let alphabet: Vec<char> = "ab=!(),<> \t\n\0in notin-_./é\\1".chars().collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        if let Ok(selector) = LabelSelector::parse(&text) {
            selector.matches(&labels(&[("a", "b")]));
        }
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = LabelSelector::parse(&String::from_utf8_lossy(&bytes));
    }
}

/// kube's selector_test.go TestSelectorParse.
#[test]
fn upstream_parse_cases() {
    for good in ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"] {
        assert!(LabelSelector::parse(good).is_ok(), "{good:?}");
    }
    for bad in ["x=a||y=b", "x==a==b", "!x=a", "x<a"] {
        assert!(LabelSelector::parse(bad).is_err(), "{bad:?}");
    }
}
