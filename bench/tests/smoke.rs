//! A reduced run of the whole harness (`--quick`) against the debug build
//! of rdd: every measure of SPEC §11 prints one well-formed JSON line, and
//! the human table goes to the CI log. No number is asserted (CI machines
//! are not benchmark machines); the run is bounded to two minutes.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The whole reduced run must fit in this (it takes about a minute).
const BOUND: Duration = Duration::from_secs(120);

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdd-bench"))
        .arg("--quick")
        .arg("--rdd")
        .arg(&rdd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a run past the bound is stopped with
        // the service and dockerd it started.
        .process_group(0)
        .spawn()
        .expect("run rdd-bench");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    // Bounded: CI must not hang on a stuck scenario.
    let deadline = Instant::now() + BOUND;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for rdd-bench") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let group = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    // The numbers go to the CI log even when the test passes: written to
    // the real stderr, which the test harness does not capture.
    let _ =
        std::io::stderr().write_all(format!("rdd-bench --quick (numbers are not meaningful):\n{stderr}").as_bytes());
    let Some(status) = status else {
        panic!("rdd-bench --quick did not finish within {}s:\n{stdout}\n{stderr}", BOUND.as_secs())
    };
    assert!(status.success(), "rdd-bench --quick failed ({status}):\n{stdout}\n{stderr}");

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
