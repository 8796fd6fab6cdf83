//! The command-line measures (SPEC §11 P6, P7): wall time of `rdd`
//! processes as a user runs them, each a separate process timed from
//! spawn to exit. A command that is not on rdd's command line yet is
//! reported as skipped with the reason, never estimated.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::report::{Measure, median, ms};
use crate::service::{Instance, Service};

/// Whether `rdd SUBCOMMAND --help` succeeds, i.e. the subcommand exists.
pub fn has_subcommand(rdd: &Path, subcommand: &str) -> bool {
    Command::new(rdd)
        .args([subcommand, "--help"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a command to completion; its wall time in ms, or the failure with
/// its stderr.
fn timed(mut command: Command) -> anyhow::Result<f64> {
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let out = command.output().with_context(|| format!("running {command:?}"))?;
    let took = ms(started.elapsed());
    if !out.status.success() {
        bail!("{command:?} failed with {}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    Ok(took)
}

/// P7: `rdd svc start` (which waits for readiness) on a fresh instance,
/// median of `runs`; the start of an existing instance as context.
pub async fn svc_start(rdd: &Path, runs: usize) -> anyhow::Result<Measure> {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..runs {
        let instance = Instance::new(rdd)?;
        let result = async {
            let mut start = instance.command();
            start.args(["svc", "start"]);
            cold.push(timed(start)?);
            check_ready(&instance).await?;
            timed({
                let mut stop = instance.command();
                stop.args(["svc", "stop"]);
                stop
            })?;
            let mut start = instance.command();
            start.args(["svc", "start"]);
            warm.push(timed(start)?);
            anyhow::Ok(())
        }
        .await;
        let mut stop = instance.command();
        stop.args(["svc", "stop"]).stdout(Stdio::null()).stderr(Stdio::null());
        let _ = stop.status();
        result?;
    }
    Ok(Measure::new("P7", "svc_start_to_ready_ms", median(cold), "ms", "<= 500 ms")
        .at_most(500.0)
        .with("runs", runs)
        .with("instance", "fresh HOME each run (new database, TLS certificate, CRDs)")
        .with("restart_existing_instance_ms", median(warm))
        .with("controllers", "default (app, engine); no App, so no engine started"))
}

/// `rdd svc start` returned: the service must really answer `/readyz`.
async fn check_ready(instance: &Instance) -> anyhow::Result<()> {
    let client = instance.client().await?;
    let text = client.request_text(http::Request::get("/readyz").body(Vec::new())?).await?;
    anyhow::ensure!(text.trim() == "ok", "rdd svc start returned but /readyz says {text:?}");
    Ok(())
}

/// P7: `rdd set running=false` when the App is already settled stopped.
pub async fn set_settled(rdd: &Path, runs: usize) -> anyhow::Result<Measure> {
    const NAME: &str = "set_running_false_settled_ms";
    const TARGET: &str = "<= 100 ms";
    if !has_subcommand(rdd, "set") {
        return Ok(Measure::skipped("P7", NAME, "ms", TARGET, "`rdd set` is not on rdd's command line yet"));
    }
    let service = Service::start(rdd, "*").await?;
    let set = || {
        let mut command = service.instance.command();
        command.args(["set", "running=false"]);
        command
    };
    // Settle first; this run is not measured.
    timed(set())?;
    let mut times = Vec::new();
    for _ in 0..runs {
        times.push(timed(set())?);
    }
    Ok(Measure::new("P7", NAME, median(times), "ms", TARGET).at_most(100.0).with("runs", runs))
}

/// P6: `rdd ctl get containers` and kubectl 1.33's `get containers` on the
/// same server and namespace (100 objects), median of `runs` after one
/// warm-up each (kubectl's discovery cache filled, as for a real user).
pub async fn ctl_get(
    service: &Service,
    kubectl: Option<&Path>,
    namespace: &str,
    runs: usize,
) -> anyhow::Result<Measure> {
    const NAME: &str = "ctl_get_containers_ms";
    const TARGET: &str = "<= 0.3x kubectl";
    let config = service.instance.kubeconfig_path()?;
    let kubectl_time = match kubectl {
        Some(kubectl) => {
            let run = || {
                let mut command = Command::new(kubectl);
                command
                    .env("HOME", service.instance.home.path())
                    .env_remove("KUBECONFIG")
                    .arg("--kubeconfig")
                    .arg(&config)
                    .args(["--context", "root", "get", "containers", "-n", namespace]);
                command
            };
            timed(run())?;
            let mut times = Vec::new();
            for _ in 0..runs {
                times.push(timed(run())?);
            }
            Some(median(times))
        }
        None => None,
    };
    if !has_subcommand(&service.instance.rdd, "ctl") {
        let mut skipped = Measure::skipped("P6", NAME, "ms", TARGET, "`rdd ctl` is not on rdd's command line yet");
        skipped.baseline = kubectl_time.map(|t| (t * 1000.0).round() / 1000.0);
        return Ok(skipped.with("objects", 100).with("baseline", "kubectl 1.33 get containers, median"));
    }
    let Some(kubectl_time) = kubectl_time else {
        return Ok(Measure::skipped("P6", NAME, "ms", TARGET, "kubectl 1.33 not found (baseline missing)"));
    };
    let run = || {
        let mut command = service.instance.command();
        command.args(["ctl", "get", "containers", "-n", namespace]);
        command
    };
    timed(run())?;
    let mut times = Vec::new();
    for _ in 0..runs {
        times.push(timed(run())?);
    }
    Ok(Measure::new("P6", NAME, median(times), "ms", TARGET)
        .against(kubectl_time, Some(0.3))
        .with("objects", 100)
        .with("runs", runs)
        .with("baseline", "kubectl 1.33 get containers, median"))
}
