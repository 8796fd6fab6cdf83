//! The template engine against outputs recorded from kubectl 1.33
//! (`testdata/jsonpath/generate.py`), plus robustness on garbage input.

use serde_json::{Value, json};

use super::{JsonPath, JsonPathError, relaxed_expression};

/// kubectl's stderr line for a failed template, from client-go's message.
fn kubectl_error(template: &str, err: &JsonPathError) -> String {
    match err {
        JsonPathError::Execute(message) => {
            format!(
                "error: error executing jsonpath {template:?}: Error executing template: {message}. Printing more information for debugging the template:"
            )
        }
        other => format!("error: error parsing jsonpath {template}, {other}"),
    }
}

#[test]
fn matches_kubectl_vectors() {
    let vectors: Value = serde_json::from_str(include_str!("../../testdata/jsonpath/vectors.json")).unwrap();
    let object = &vectors["object"];
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() > 300);
    for case in cases {
        let template = case["template"].as_str().unwrap();
        let allow = case["allow_missing"].as_bool().unwrap();
        let as_json = case["as_json"].as_bool().unwrap();
        let got = JsonPath::parse(template).and_then(|p| {
            let p = p.allow_missing_keys(allow);
            if as_json { p.execute_json(object) } else { p.execute(object) }
        });
        let context = format!("template {template:?} allow_missing={allow} as_json={as_json}");
        match got {
            Ok(text) => {
                assert!(case["ok"].as_bool().unwrap(), "{context}: kubectl failed with {}", case["error"]);
                let want = case["stdout"].as_str().unwrap();
                if template.starts_with("{..") && as_json {
                    // Go visits map entries in random order; compare the lines only.
                    let sorted = |s: &str| {
                        let mut v: Vec<String> = s.lines().map(str::to_owned).collect();
                        v.sort();
                        v
                    };
                    assert_eq!(sorted(&text), sorted(want), "{context}");
                } else if template.starts_with("{..") {
                    // Go visits map entries in random order; compare the values only.
                    let sorted = |s: &str| {
                        let mut v: Vec<String> = s.split(' ').map(str::to_owned).collect();
                        v.sort();
                        v
                    };
                    assert_eq!(sorted(&text), sorted(want), "{context}");
                } else {
                    assert_eq!(text, want, "{context}");
                }
            }
            Err(err) => {
                assert!(!case["ok"].as_bool().unwrap(), "{context}: we failed with {err}");
                assert_eq!(kubectl_error(template, &err), case["error"].as_str().unwrap(), "{context}");
            }
        }
    }
}

#[test]
fn relaxed_paths_become_templates() {
    for (input, want) in [
        (".metadata.name", "{.metadata.name}"),
        ("metadata.name", "{.metadata.name}"),
        ("{.metadata.name}", "{.metadata.name}"),
        ("{metadata.name}", "{.metadata.name}"),
        ("", ""),
    ] {
        assert_eq!(relaxed_expression(input).unwrap(), want);
    }
    assert_eq!(relaxed_expression("{.a}{.b}"), Err(JsonPathError::Relaxed));
    let obj = json!({"status": {"phase": "Running"}});
    assert_eq!(JsonPath::parse_relaxed(".status.phase").unwrap().execute(&obj).unwrap(), "Running");
}

#[test]
fn results_and_json_output() {
    let obj = json!({"items": [{"n": "a", "v": 1}, {"n": "b", "v": 2.5}]});
    let path = JsonPath::parse("{.items[*].n}x{.items[1].v}").unwrap();
    assert_eq!(
        path.find_results(&obj).unwrap(),
        vec![vec![json!("a"), json!("b")], vec![json!("x")], vec![json!(2.5)]]
    );
    assert_eq!(JsonPath::parse("{.items[*].n}").unwrap().execute_json(&obj).unwrap(), "[\n    \"a\",\n    \"b\"\n]\n");
    assert_eq!(JsonPath::parse("{.none[*]}").unwrap().allow_missing_keys(true).execute_json(&obj).unwrap(), "[]\n");
}

#[test]
fn garbage_never_panics() {
    let alphabet: Vec<char> = "{}[]().,@$*?:'\"\\-+=!<>&~ \n\tabcxyz019rangeend\u{e9}".chars().collect();
    let obj = json!({"a": [{"b": 1, "c": "x"}, {"b": 2}], "d": {"e": null}, "s": "str"});
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut template = String::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 24) as usize;
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            template.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        if let Ok(path) = JsonPath::parse(&template) {
            let _ = path.clone().execute(&obj);
            let _ = path.allow_missing_keys(true).execute_json(&obj);
        }
    }
    // Deep nesting is handled without recursion in the parser.
    let deep = "[".repeat(100_000);
    assert!(JsonPath::parse(&format!("{{{deep}")).is_err());
    assert!(JsonPath::parse(&" ".repeat(100_000)).is_ok());
}
