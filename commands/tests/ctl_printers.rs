//! `rdd ctl`'s printers against output recorded from kubectl 1.33
//! (`testdata/ctl/generate.py`): `-o json`, `-o yaml`, `-o name`, tables
//! from server Tables with every layout flag, and custom columns.

use rdd_commands::ctl::{
    CustomColumnsPrinter, TabWriter, Table, TableOptions, TablePrinter, list_of, name_lines, to_json, to_yaml,
};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../testdata/ctl/vectors.json")).unwrap()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap()
}

/// assert_eq for long outputs: on a mismatch, names the first differing
/// line; with CTL_DUMP=dir, also writes both texts there for diffing.
fn same(got: &str, want: &str, what: &str) {
    if got == want {
        return;
    }
    if let Ok(dir) = std::env::var("CTL_DUMP") {
        let stem = what.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        std::fs::write(format!("{dir}/{stem}.got"), got).unwrap();
        std::fs::write(format!("{dir}/{stem}.want"), want).unwrap();
    }
    let line = got.lines().zip(want.lines()).position(|(g, w)| g != w).unwrap_or(0);
    panic!(
        "{what}: first difference at line {}:\n got: {:?}\nwant: {:?}",
        line + 1,
        got.lines().nth(line),
        want.lines().nth(line)
    );
}

#[test]
fn ctl_object_printers_match_kubectl() {
    let vectors = vectors();
    for object in vectors["objects"].as_array().unwrap() {
        let file = text(&object["file"]);
        let input = &object["input"];
        same(&to_json(input), text(&object["json"]), &format!("-o json of {file}"));
        same(&to_yaml(input), text(&object["yaml"]), &format!("-o yaml of {file}"));
        same(&name_lines(input, None).unwrap(), text(&object["name"]), &format!("-o name of {file}"));
    }
}

#[test]
fn ctl_lists_print_like_kubectl_get() {
    let vectors = vectors();
    let list = &vectors["list"];
    let items = list["input"]["items"].as_array().unwrap().clone();
    let wrapped = list_of(items);
    assert_eq!(to_json(&wrapped), text(&list["json"]));
    assert_eq!(to_yaml(&wrapped), text(&list["yaml"]));
    assert_eq!(name_lines(&wrapped, None).unwrap(), text(&list["name"]));
}

fn options(flags: &[Value]) -> TableOptions {
    let flags: Vec<&str> = flags.iter().map(text).collect();
    let mut options = TableOptions::default();
    let mut i = 0;
    while i < flags.len() {
        match flags[i] {
            "-o" => {
                options.wide = flags[i + 1] == "wide";
                i += 1;
            }
            "--no-headers" => options.no_headers = true,
            "--show-labels" => options.show_labels = true,
            "-A" => options.with_namespace = true,
            "-L" => {
                options.column_labels.push(flags[i + 1].to_owned());
                i += 1;
            }
            other => panic!("flag {other} not handled"),
        }
        i += 1;
    }
    options
}

#[test]
fn ctl_tables_match_kubectl() {
    let vectors = vectors();
    let cases = vectors["tables"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let file = text(&case["file"]);
        let table_json: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{}/testdata/ctl/tables/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
        )
        .unwrap();
        let table = Table::from_value(&table_json).unwrap();
        let flags = case["flags"].as_array().unwrap();
        let mut writer = TabWriter::new();
        let got = match case["kind"].as_array() {
            None => {
                TablePrinter::new(options(flags)).print(&table, &mut writer);
                writer.flush()
            }
            Some(kinds) => {
                // `get a,b`: a printer per kind over one tabwriter whose widths
                // are forgotten between kinds, and a blank line between kinds
                // once something was printed.
                let mut out = String::new();
                for (i, kind) in kinds.iter().enumerate() {
                    out.push_str(&writer.flush());
                    writer.forget_widths();
                    if i > 0 && !out.is_empty() {
                        out.push('\n');
                    }
                    let kind = Some(text(kind).to_owned());
                    TablePrinter::new(TableOptions { kind, ..options(flags) }).print(&table, &mut writer);
                }
                out.push_str(&writer.flush());
                out
            }
        };
        assert_eq!(got, text(&case["stdout"]), "table {file} with {flags:?} kinds {:?}", case["kind"]);
    }
}

#[test]
fn ctl_custom_columns_match_kubectl() {
    let vectors = vectors();
    let list = &vectors["list"]["input"];
    for case in vectors["custom_columns"].as_array().unwrap() {
        let spec = text(&case["spec"]);
        let no_headers = case["no_headers"].as_bool().unwrap();
        let context = format!("custom-columns={spec} no_headers={no_headers}");
        match CustomColumnsPrinter::new(spec, no_headers) {
            Err(err) => {
                assert_eq!(format!("error: {err}"), text(&case["error"]), "{context}");
                assert_eq!(text(&case["stdout"]), "", "{context}");
            }
            Ok(mut printer) => {
                let result = printer.print(list);
                assert_eq!(printer.flush(), text(&case["stdout"]), "{context}");
                match result {
                    Ok(()) => assert!(case["ok"].as_bool().unwrap(), "{context}"),
                    Err(err) => assert_eq!(format!("error: {err}"), text(&case["error"]), "{context}"),
                }
            }
        }
    }
}

/// kubectl's CheckErr: `error: ` + message, plus a newline if missing.
fn kubectl_stderr(err: &rdd_commands::ctl::PrintError) -> String {
    let mut text = format!("error: {err}");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[test]
fn ctl_jsonpath_printer_matches_kubectl() {
    use rdd_commands::ctl::JsonPathPrinter;
    let vectors: Value = serde_json::from_str(include_str!("../../api/testdata/jsonpath/vectors.json")).unwrap();
    let object = &vectors["object"];
    for case in vectors["cases"].as_array().unwrap() {
        let template = text(&case["template"]);
        let as_json = case["as_json"].as_bool().unwrap();
        let allow = case["allow_missing"].as_bool().unwrap();
        let got = JsonPathPrinter::new(template, as_json, allow).and_then(|p| p.print(object));
        let context = format!("{template:?} as_json={as_json} allow={allow}");
        match got {
            Ok(out) if !template.starts_with("{..") => assert_eq!(out, text(&case["stdout"]), "{context}"),
            Ok(_) => {}
            Err(err) => {
                let stderr = kubectl_stderr(&err);
                assert_eq!(stderr.lines().next().unwrap(), text(&case["error"]), "{context}");
            }
        }
    }
    // The whole stderr of an execution error, as kubectl 1.33 wrote it.
    let object = serde_json::json!({"apiVersion": "v1", "data": {"a": "x\"y", "b": [1, 2.5, null, true, {"c": "é\u{1}"}]},
        "kind": "ConfigMap", "metadata": {"annotations": {}, "name": "q"}});
    let err = JsonPathPrinter::new("{.nope}é", false, false).unwrap().print(&object).unwrap_err();
    assert_eq!(
        kubectl_stderr(&err),
        "error: error executing jsonpath \"{.nope}é\": Error executing template: nope is not found. Printing more \
         information for debugging the template:\n\ttemplate was:\n\t\t{.nope}é\n\tobject given to jsonpath engine \
         was:\n\t\tmap[string]interface {}{\"apiVersion\":\"v1\", \"data\":map[string]interface {}{\"a\":\"x\\\"y\", \
         \"b\":[]interface {}{1, 2.5, interface {}(nil), true, map[string]interface {}{\"c\":\"é\\x01\"}}}, \
         \"kind\":\"ConfigMap\", \"metadata\":map[string]interface {}{\"annotations\":map[string]interface {}{}, \
         \"name\":\"q\"}}\n\n\n"
    );
    let err = JsonPathPrinter::new("{.a[}", false, true).unwrap_err();
    assert_eq!(kubectl_stderr(&err), "error: error parsing jsonpath {.a[}, unterminated array\n");
}

#[test]
fn ctl_watch_tables_match_kubectl() {
    let vectors = vectors();
    let dir = format!("{}/testdata/ctl", env!("CARGO_MANIFEST_DIR"));
    let list: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/tables/configmaps.json")).unwrap()).unwrap();
    let events: Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/watch.json")).unwrap()).unwrap();
    for case in vectors["watch"].as_array().unwrap() {
        let flags: Vec<&str> = case["flags"].as_array().unwrap().iter().map(text).collect();
        let with_events = flags.contains(&"--output-watch-events");
        let options = TableOptions { with_namespace: flags.contains(&"-A"), ..TableOptions::default() };
        let mut printer = TablePrinter::new(options);
        let mut writer = TabWriter::new();
        let mut out = String::new();
        // kubectl flushes after the list and after every event.
        if !flags.contains(&"--watch-only") {
            printer.print_event(&Table::from_value(&list).unwrap(), with_events.then_some("ADDED"), &mut writer);
            out.push_str(&writer.flush());
        }
        for event in events.as_array().unwrap() {
            let table = Table::from_value(&event["object"]).unwrap();
            printer.print_event(&table, with_events.then(|| text(&event["type"])), &mut writer);
            out.push_str(&writer.flush());
        }
        same(&out, text(&case["stdout"]), &format!("watch {flags:?}"));
    }
}

#[test]
fn ctl_wait_conditions_match_kubectl() {
    use rdd_commands::ctl::WaitFor;
    let vectors = vectors();
    let dir = format!("{}/testdata/ctl", env!("CARGO_MANIFEST_DIR"));
    let object: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/objects/pod_like.json")).unwrap()).unwrap();
    let cases = vectors["wait"].as_array().unwrap();
    assert!(cases.len() >= 50);
    for case in cases {
        let condition = text(&case["for"]);
        let outcome = WaitFor::parse(condition).and_then(|w| w.is_met(Some(&object)));
        let (ok, error) = match outcome {
            Ok(true) => (true, String::new()),
            Ok(false) => (false, "error: condition not met for configmaps/demo".to_owned()),
            Err(err) => (false, format!("error: {err}")),
        };
        assert_eq!(ok, case["ok"].as_bool().unwrap(), "--for={condition}: {error}");
        assert_eq!(error, text(&case["error"]), "--for={condition}");
        if ok {
            assert_eq!(name_lines(&object, Some("condition met")).unwrap(), text(&case["stdout"]), "--for={condition}");
        }
    }
    // What --for=delete and --for=create see when the object is gone.
    assert!(WaitFor::parse("delete").unwrap().is_met(None).unwrap());
    assert!(!WaitFor::parse("create").unwrap().is_met(None).unwrap());
}

#[test]
fn ctl_api_resources_match_kubectl() {
    use rdd_commands::ctl::{ApiResourcesOptions, ApiResourcesOutput, print_api_resources, resources_from_discovery};
    let vectors = vectors();
    let dir = format!("{}/testdata/ctl", env!("CARGO_MANIFEST_DIR"));
    let discovery: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/discovery.json")).unwrap()).unwrap();
    // Core first, then the groups in the order /apis lists them.
    let mut resources = resources_from_discovery(&discovery["/api/v1"]);
    for group in discovery["/apis"]["groups"].as_array().unwrap() {
        let gv = text(&group["preferredVersion"]["groupVersion"]);
        resources.extend(resources_from_discovery(&discovery[format!("/apis/{gv}").as_str()]));
    }
    for case in vectors["api_resources"].as_array().unwrap() {
        let flags: Vec<&str> = case["flags"].as_array().unwrap().iter().map(text).collect();
        let mut options = ApiResourcesOptions::default();
        let mut i = 0;
        while i < flags.len() {
            match flags[i] {
                "-o" => {
                    options.output =
                        if flags[i + 1] == "wide" { ApiResourcesOutput::Wide } else { ApiResourcesOutput::Name };
                    i += 1;
                }
                "--no-headers" => options.no_headers = true,
                flag => {
                    let (name, value) = flag.split_once('=').unwrap();
                    match name {
                        "--namespaced" => options.namespaced = Some(value == "true"),
                        "--sort-by" => options.sort_by = Some(value.to_owned()),
                        "--api-group" => options.api_group = Some(value.to_owned()),
                        "--verbs" => options.verbs = value.split(',').map(str::to_owned).collect(),
                        other => panic!("flag {other} not handled"),
                    }
                }
            }
            i += 1;
        }
        same(&print_api_resources(&resources, &options), text(&case["stdout"]), &format!("api-resources {flags:?}"));
    }
}

#[test]
fn ctl_config_view_matches_kubectl() {
    use rdd_commands::ctl::{ConfigViewOptions, JsonPathPrinter, config_view};
    let vectors = vectors();
    let dir = format!("{}/testdata/ctl", env!("CARGO_MANIFEST_DIR"));
    let full: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(format!("{dir}/kubeconfig.yaml")).unwrap()).unwrap();
    let empty = serde_json::json!({"apiVersion": "v1", "kind": "Config"});
    for case in vectors["config_view"].as_array().unwrap() {
        let config = if text(&case["kubeconfig"]).is_empty() { &empty } else { &full };
        let flags: Vec<&str> = case["flags"].as_array().unwrap().iter().map(text).collect();
        let mut options = ConfigViewOptions::default();
        let mut output = "yaml".to_owned();
        let mut i = 0;
        while i < flags.len() {
            match flags[i] {
                "--minify" => options.minify = true,
                "--flatten" => options.flatten = true,
                "--raw" => options.raw = true,
                "-o" => {
                    output = flags[i + 1].to_owned();
                    i += 1;
                }
                flag => options.context = Some(flag.strip_prefix("--context=").unwrap().to_owned()),
            }
            i += 1;
        }
        let context = format!("config view {flags:?} of {:?}", case["kubeconfig"]);
        match config_view(config, &options) {
            Err(err) => assert_eq!(format!("error: {err}"), text(&case["error"]), "{context}"),
            Ok(view) => {
                let got = match output.as_str() {
                    "yaml" => to_yaml(&view.to_value()),
                    "json" => view.to_json(),
                    jsonpath => JsonPathPrinter::new(jsonpath.strip_prefix("jsonpath=").unwrap(), false, true)
                        .unwrap()
                        .print(&view.to_value())
                        .unwrap(),
                };
                same(&got, text(&case["stdout"]), &context);
            }
        }
    }
}

#[test]
fn ctl_typed_objects_match_kubectl() {
    use rdd_commands::ctl::TypedObject;
    let vectors = vectors();
    let cases = vectors["typed"].as_array().unwrap();
    assert!(cases.len() >= 24);
    for case in cases {
        let input = &case["input"];
        let show = case["show_managed_fields"].as_bool().unwrap();
        let output = text(&case["output"]);
        let typed = TypedObject::from_value(input, show).unwrap();
        let got = match output {
            "json" => typed.to_json(),
            "yaml" => to_yaml(&typed.to_value()),
            _ => name_lines(&typed.to_value(), None).unwrap(),
        };
        same(&got, text(&case["stdout"]), &format!("-o {output} (managed fields {show}) of {}", input["kind"]));
    }
    // Kinds kubectl keeps as maps are not typed.
    assert!(
        TypedObject::from_value(
            &serde_json::json!({"apiVersion": "app.rancherdesktop.io/v1alpha1", "kind": "App"}),
            false
        )
        .is_none()
    );
}
