//! A reduced run of the whole harness (`--quick`) against the debug build
//! of rdd: every measure of SPEC §11 prints one well-formed JSON line. No
//! number is asserted (CI machines are not benchmark machines).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The rdd binary `cargo test --workspace` builds next to this test.
fn rdd() -> PathBuf {
    if let Ok(path) = std::env::var("RDD_BENCH_RDD") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug/rdd")
}

#[test]
fn a_quick_run_prints_every_measure_as_a_json_line() {
    let rdd = rdd();
    assert!(
        rdd.exists(),
        "{} is missing: run `cargo build -p rdd` first (cargo test --workspace builds it), or set RDD_BENCH_RDD",
        rdd.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rdd-bench"))
        .arg("--quick")
        .arg("--rdd")
        .arg(&rdd)
        .output()
        .expect("run rdd-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rdd-bench --quick failed ({}):\n{stdout}\n{stderr}", out.status);

    let mut ids = Vec::new();
    for line in stdout.lines() {
        let m: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        for field in ["id", "name", "unit", "target"] {
            assert!(m[field].is_string(), "{field} is not a string: {line}");
        }
        for field in ["value", "pass", "baseline", "ratio"] {
            assert!(m.get(field).is_some(), "{field} missing: {line}");
        }
        assert!(m["pass"].is_boolean() || m["pass"].is_null(), "{line}");
        assert!(m["context"].is_object(), "{line}");
        if m["skipped"] == true {
            assert!(m["value"].is_null(), "a skipped measure has a value: {line}");
            let reason = m["reason"].as_str().unwrap_or_else(|| panic!("a skipped measure without a reason: {line}"));
            assert!(!reason.starts_with("error:"), "a scenario failed: {line}");
        } else {
            assert_eq!(m["skipped"], false, "{line}");
            assert!(m["value"].is_number(), "a measure without a value: {line}");
        }
        ids.push(m["id"].as_str().unwrap_or_default().to_owned());
    }
    for id in ["P1", "P2", "P3", "P4", "P5", "P6", "P7"] {
        assert!(ids.iter().any(|i| i == id), "no {id} line in:\n{stdout}");
    }
}
