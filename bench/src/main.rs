//! `rdd-bench`: measures the performance targets of SPEC §11 against a real
//! `rdd svc serve` (and a private dockerd for the mirror measures), printing
//! one JSON object per measure on stdout and a human line per measure on
//! stderr. A scenario that cannot run prints a skipped line with the
//! reason; a scenario that fails prints a skipped line with the error and
//! makes the exit status 1.

mod api;
mod cli;
mod dockerd;
mod lag;
mod load;
mod mirror;
mod report;
mod service;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde_json::json;

use report::Measure;
use service::Service;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Everything below.
    All,
    /// P3, P4, P5, P6: the control plane alone.
    Api,
    /// P1, P2: a private dockerd mirrored by the engine controller.
    Mirror,
    /// P7: `rdd svc start` and `rdd set`.
    Cli,
}

#[derive(Debug, Parser)]
#[command(name = "rdd-bench", about = "Benchmarks of SPEC §11; JSON lines on stdout")]
struct Args {
    /// Which measures to take.
    #[arg(value_enum, default_value = "all")]
    scenarios: Vec<Scenario>,
    /// Small sizes for a smoke run (CI): every measure runs, numbers are not meaningful.
    #[arg(long)]
    quick: bool,
    /// The rdd binary under test (build it with `cargo build --release -p rdd`).
    #[arg(long, env = "RDD_BENCH_RDD")]
    rdd: Option<PathBuf>,
    /// kubectl for the P6 baseline.
    #[arg(long, env = "RDD_BENCH_KUBECTL")]
    kubectl: Option<PathBuf>,
    /// P2: containers created before the full sync.
    #[arg(long)]
    containers: Option<usize>,
    /// P2: extra tags created before the full sync.
    #[arg(long)]
    tags: Option<usize>,
    /// P2: volumes created before the full sync.
    #[arg(long)]
    volumes: Option<usize>,
    /// P1: Docker operations in the burst.
    #[arg(long)]
    ops: Option<usize>,
    /// P1: operations per second.
    #[arg(long, default_value_t = 200.0)]
    ops_rate: f64,
    /// P3: ConfigMaps created.
    #[arg(long)]
    creates: Option<usize>,
    /// P3: concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// P4/P5: mirror objects listed and held.
    #[arg(long)]
    objects: Option<usize>,
    /// P4: watchers.
    #[arg(long)]
    watchers: Option<usize>,
    /// P4: events per second.
    #[arg(long)]
    event_rate: Option<f64>,
    /// P4: events written.
    #[arg(long)]
    events: Option<usize>,
    /// P6/P7: repeated runs (median reported).
    #[arg(long)]
    runs: Option<usize>,
}

impl Args {
    fn pick(&self, given: Option<usize>, full: usize, quick: usize) -> usize {
        given.unwrap_or(if self.quick { quick } else { full })
    }

    fn wants(&self, scenario: Scenario) -> bool {
        self.scenarios.contains(&Scenario::All) || self.scenarios.contains(&scenario)
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rdd = args.rdd.clone().unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/rdd"));
    let kubectl = args.kubectl.clone().or_else(find_kubectl);
    let mut failed = false;
    let mut emit = |id: &'static str, name: &str, result: anyhow::Result<Vec<Measure>>| match result {
        Ok(measures) => measures.iter().for_each(Measure::emit),
        Err(err) => {
            failed = true;
            Measure::skipped(id, name, "-", "-", format!("error: {err:#}")).emit();
        }
    };
    if !rdd.exists() {
        eprintln!("rdd-bench: {} not found; build it with `cargo build --release -p rdd` or pass --rdd", rdd.display());
        return std::process::ExitCode::from(2);
    }
    let runs = args.pick(args.runs, 5, 2);
    if args.wants(Scenario::Cli) {
        emit("P7", "svc_start_to_ready_ms", cli::svc_start(&rdd, runs.min(3)).await.map(|m| vec![m]));
        emit("P7", "set_running_false_settled_ms", cli::set_settled(&rdd, runs).await.map(|m| vec![m]));
    }
    if args.wants(Scenario::Api) {
        let sizes = api::ApiSizes {
            creates: args.pick(args.creates, 20_000, 500),
            clients: args.clients,
            objects: args.pick(args.objects, 10_000, 500),
            watchers: args.pick(args.watchers, 100, 10),
            events_per_second: args.event_rate.unwrap_or(if args.quick { 200.0 } else { 1000.0 }),
            events: args.pick(args.events, 5_000, 200),
        };
        emit("P5", "api", api_scenarios(&rdd, kubectl.as_deref(), &sizes, runs).await);
    }
    if args.wants(Scenario::Mirror) {
        let sizes = mirror::MirrorSizes {
            containers: args.pick(args.containers, 2_000, 20),
            tags: args.pick(args.tags, 500, 10),
            volumes: args.pick(args.volumes, 1_000, 20),
            ops: args.pick(args.ops, 2_000, 60),
            ops_per_second: args.ops_rate,
        };
        match dockerd::Dockerd::unavailable() {
            Some(reason) => {
                for (id, name) in [("P2", "full_sync_to_connected_ms"), ("P1", "mirror_lag_p99_ms")] {
                    Measure::skipped(id, name, "ms", "-", reason.clone()).emit();
                }
            }
            None => emit("P1", "mirror", mirror_scenarios(&rdd, &sizes).await),
        }
    }
    if failed { std::process::ExitCode::FAILURE } else { std::process::ExitCode::SUCCESS }
}

/// P5 idle → fill → P5 loaded → P4 list → P3 → P4 fan-out → P6, on one
/// service, so the RSS numbers see no load left over from the other measures.
async fn api_scenarios(
    rdd: &Path,
    kubectl: Option<&Path>,
    sizes: &api::ApiSizes,
    runs: usize,
) -> anyhow::Result<Vec<Measure>> {
    let service = Service::start(rdd, "*").await?;
    let mut out = vec![api::rss(&service, "rss_idle_mib", 40.0, &[("objects", json!(0))]).await?];
    out.push(api::cpu_at_rest(&service, "cpu_at_rest_percent", Duration::from_secs(3)).await?);
    let fill = api::fill_mirrors(&service, api::MIRRORS_NS, sizes.objects, sizes.clients).await?;
    out.push(
        api::rss(
            &service,
            "rss_with_mirrors_mib",
            150.0,
            &[
                ("objects", json!(sizes.objects)),
                ("kind", json!("Container mirrors created through the API (create + /status), not synced from Docker")),
                ("fill_ms", json!(report::ms(fill))),
            ],
        )
        .await?,
    );
    out.push(api::list(&service, sizes.objects).await?);
    out.push(api::creates(&service, sizes).await?);
    out.push(api::fan_out(&service, sizes).await?);
    api::fill_mirrors(&service, "bench-p6", 100, sizes.clients).await?;
    out.push(cli::ctl_get(&service, kubectl, "bench-p6", runs).await?);
    Ok(out)
}

/// P2 (populate, baseline, App → Connected) then P1 on the same, synced
/// service and dockerd, then P1's inspect floor again with the service
/// stopped.
async fn mirror_scenarios(rdd: &Path, sizes: &mirror::MirrorSizes) -> anyhow::Result<Vec<Measure>> {
    let dockerd = dockerd::Dockerd::start().await?;
    let docker = dockerd.client().await?;
    let populated = mirror::populate(&docker, sizes).await?;
    let mut service = Service::start(rdd, "*").await?;
    let sync = mirror::full_sync(&service, &dockerd, sizes).await?.with("populate_ms", report::ms(populated));
    let mut out = vec![sync];
    out.push(
        api::cpu_at_rest(&service, "cpu_at_rest_connected_percent", Duration::from_secs(3))
            .await?
            .with("mirrors", (sizes.containers + sizes.tags + sizes.volumes) as f64),
    );
    let lag = lag::lag(&service, &dockerd, sizes).await?;
    // Stopping waits for the process (blocking): off the runtime's workers.
    tokio::task::block_in_place(|| service.stop());
    let alone = lag::floor_alone(&dockerd, sizes).await?;
    out.extend(
        lag.into_iter()
            .map(|measure| alone.iter().fold(measure, |measure, (key, value)| measure.with(key, value.clone()))),
    );
    Ok(out)
}

fn find_kubectl() -> Option<PathBuf> {
    ["/usr/lib/google-cloud-sdk/bin/kubectl.1.33", "/usr/bin/kubectl", "/usr/local/bin/kubectl"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}
