//! The mirror-lag measure (SPEC §11 P1): Docker operations launched at a
//! fixed rate against a private dockerd whose mirrors a real `rdd svc
//! serve` keeps; each operation's return in the harness is compared with
//! its mirror's watch event, its raw Docker event, and an inspect issued on
//! that raw event (the *inspect floor*). A second burst with the service
//! stopped measures the same floor with nothing else asking dockerd.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::{EventsOptions, RemoveContainerOptions, StopContainerOptions, TagImageOptions};
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use rdd_api::container::Container;
use rdd_api::image::Image;
use rdd_api::mirror::{image_mirror_name, volume_mirror_name};
use rdd_api::volume::Volume;
use serde::de::DeserializeOwned;

use crate::dockerd::{Dockerd, IMAGE};
use crate::load::{paced, pacer};
use crate::mirror::{MIRROR_NS, MirrorSizes, create_container, volume};
use crate::report::{Measure, Percentiles, ms};
use crate::service::Service;

/// When each side first saw an operation's effect, keyed `kind:name`.
#[derive(Default)]
struct Seen {
    returned: HashMap<String, Instant>,
    docker: HashMap<String, Instant>,
    mirror: HashMap<String, Instant>,
    /// When an inspect issued on the raw event returned: the earliest any
    /// mirror that learns state by inspecting (SPEC §6.4) can know it.
    inspected: HashMap<String, Instant>,
}

type Shared = Arc<Mutex<Seen>>;

fn mark(seen: &Shared, side: fn(&mut Seen) -> &mut HashMap<String, Instant>, key: String) {
    let now = Instant::now();
    if let Ok(mut seen) = seen.lock() {
        side(&mut seen).entry(key).or_insert(now);
    }
}

/// Keys of a raw Docker event; `None` for events no operation waits on.
fn docker_key(event: &bollard::models::EventMessage) -> Option<String> {
    use bollard::models::EventMessageTypeEnum as T;
    let actor = event.actor.as_ref()?;
    let id = actor.id.clone()?;
    let action = event.action.as_deref()?;
    match (event.typ?, action) {
        (T::VOLUME, "create") => Some(format!("v+:{}", volume_mirror_name(&id))),
        (T::VOLUME, "destroy") => Some(format!("v-:{}", volume_mirror_name(&id))),
        (T::CONTAINER, "create") => Some(format!("c+:{id}")),
        (T::CONTAINER, "start") => Some(format!("cr:{id}")),
        (T::CONTAINER, "die") => Some(format!("cx:{id}")),
        (T::CONTAINER, "destroy") => Some(format!("c-:{id}")),
        (T::IMAGE, "tag") => {
            let tag = actor.attributes.as_ref()?.get("name")?;
            Some(format!("t+:{}", image_mirror_name(&id, Some(tag))))
        }
        _ => None,
    }
}

/// After a raw event, the inspect a mirror needs to learn the new state,
/// then marks `inspected`; a destroy needs none (marked at once).
async fn inspect_floor(docker: Docker, event: bollard::models::EventMessage, key: String, seen: Shared) {
    use bollard::models::EventMessageTypeEnum as T;
    let id = event.actor.as_ref().and_then(|a| a.id.clone()).unwrap_or_default();
    let _ = match (event.typ, event.action.as_deref()) {
        (Some(T::CONTAINER), Some("create" | "start" | "die")) => docker.inspect_container(&id, None).await.map(drop),
        (Some(T::VOLUME), Some("create")) => docker.inspect_volume(&id).await.map(drop),
        (Some(T::IMAGE), Some("tag")) => docker.inspect_image(&id).await.map(drop),
        _ => Ok(()),
    };
    mark(&seen, |s| &mut s.inspected, key);
}

/// Watches one mirror kind from `rv`, marking each object's first event
/// with a populated status (and its deletion). A watch that ends or fails
/// is resumed from the last resourceVersion seen (the server may close a
/// watch at any time); resumptions are counted in `restarts`.
fn watch_mirrors<K>(
    client: kube::Client,
    rv: String,
    seen: Shared,
    restarts: Arc<AtomicUsize>,
    key: fn(&WatchEvent<K>) -> Option<String>,
) where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
    K::DynamicType: Default,
{
    tokio::spawn(async move {
        let api: Api<K> = Api::namespaced(client, MIRROR_NS);
        let mut rv = rv;
        let mut delay = Duration::from_millis(10);
        loop {
            if let Ok(stream) = api.watch(&WatchParams::default().timeout(290), &rv).await {
                let mut stream = stream.boxed();
                while let Ok(Some(event)) = stream.try_next().await {
                    if let Some(key) = key(&event) {
                        mark(&seen, |s| &mut s.mirror, key);
                    }
                    let object_rv = match &event {
                        WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                            o.meta().resource_version.clone()
                        }
                        WatchEvent::Bookmark(b) => Some(b.metadata.resource_version.clone()),
                        WatchEvent::Error(_) => None,
                    };
                    if let Some(object_rv) = object_rv {
                        rv = object_rv;
                        delay = Duration::from_millis(10);
                    }
                }
            }
            restarts.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    });
}

fn container_key(event: &WatchEvent<Container>) -> Option<String> {
    match event {
        WatchEvent::Added(c) | WatchEvent::Modified(c) => {
            let name = c.metadata.name.clone()?;
            let status = serde_json::to_value(c.status.as_ref()?).ok()?;
            match status["status"].as_str()? {
                "running" => Some(format!("cr:{name}")),
                "exited" => Some(format!("cx:{name}")),
                "created" => Some(format!("c+:{name}")),
                _ => None,
            }
        }
        WatchEvent::Deleted(c) => Some(format!("c-:{}", c.metadata.name.clone()?)),
        _ => None,
    }
}

fn volume_key(event: &WatchEvent<Volume>) -> Option<String> {
    match event {
        WatchEvent::Added(v) | WatchEvent::Modified(v) => {
            v.status.as_ref()?.name.as_ref()?;
            Some(format!("v+:{}", v.metadata.name.clone()?))
        }
        WatchEvent::Deleted(v) => Some(format!("v-:{}", v.metadata.name.clone()?)),
        _ => None,
    }
}

fn image_key(event: &WatchEvent<Image>) -> Option<String> {
    match event {
        WatchEvent::Added(i) | WatchEvent::Modified(i) => {
            i.status.as_ref()?.repo_tag.as_ref()?;
            Some(format!("t+:{}", i.metadata.name.clone()?))
        }
        _ => None,
    }
}

/// Time between the dependent operations of one unit, so each state lasts
/// long enough to be mirrored on its own: the engine re-inspects level-
/// triggered, so a state replaced within a few ms is legitimately never
/// mirrored, and its lag would be undefined.
const STEP_GAP: Duration = Duration::from_millis(400);

/// One unit of work: a short sequence of dependent Docker operations,
/// each marked `returned` under the key both sides will report.
async fn unit(docker: Docker, i: usize, image_id: Arc<String>, seen: Shared) -> Result<usize, bollard::errors::Error> {
    let done = |key: String| mark(&seen, |s| &mut s.returned, key);
    let gap = || tokio::time::sleep(STEP_GAP);
    match i % 4 {
        0 => {
            let id = create_container(&docker, &format!("lag-{i}")).await?;
            done(format!("c+:{id}"));
            gap().await;
            docker.start_container(&id, None).await?;
            done(format!("cr:{id}"));
            gap().await;
            docker.stop_container(&id, Some(StopContainerOptions { t: Some(0), signal: None })).await?;
            done(format!("cx:{id}"));
            gap().await;
            docker.remove_container(&id, Some(RemoveContainerOptions { force: true, ..Default::default() })).await?;
            done(format!("c-:{id}"));
            Ok(4)
        }
        2 => {
            let tag = format!("l{i}");
            docker
                .tag_image(IMAGE, Some(TagImageOptions { repo: Some("rdd-bench/lag".into()), tag: Some(tag.clone()) }))
                .await?;
            done(format!("t+:{}", image_mirror_name(&image_id, Some(&format!("rdd-bench/lag:{tag}")))));
            Ok(1)
        }
        _ => {
            let name = format!("lag-{i}");
            docker.create_volume(volume(&name)).await?;
            done(format!("v+:{}", volume_mirror_name(&name)));
            gap().await;
            docker.remove_volume(&name, None::<bollard::query_parameters::RemoveVolumeOptions>).await?;
            done(format!("v-:{}", volume_mirror_name(&name)));
            Ok(2)
        }
    }
}

/// Operations per unit, averaged over the cycle of [`unit`]: (4 + 2 + 1 + 2) / 4.
const OPS_PER_UNIT: f64 = 9.0 / 4.0;

/// Subscribes to the raw Docker event stream from now: each event an
/// operation waits on is marked `docker` and inspected (the floor). The
/// stream is proven live by a probe volume of its own; returns that
/// volume's key.
async fn raw_events(dockerd: &Dockerd, seen: &Shared, probe: &str) -> anyhow::Result<String> {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs().saturating_sub(1).to_string();
    let events_docker = dockerd.client().await?;
    let floor_docker = dockerd.client().await?;
    let events_seen = seen.clone();
    let mut events = events_docker.events(Some(EventsOptions { since: Some(since), ..Default::default() }));
    dockerd.client().await?.create_volume(volume(probe)).await?;
    tokio::spawn(async move {
        while let Some(Ok(event)) = events.next().await {
            if let Some(key) = docker_key(&event) {
                mark(&events_seen, |s| &mut s.docker, key.clone());
                tokio::spawn(inspect_floor(floor_docker.clone(), event, key, events_seen.clone()));
            }
        }
    });
    Ok(format!("v+:{}", volume_mirror_name(probe)))
}

/// Polls `seen` until `done` holds or `within` has passed; whether it held.
async fn wait_for(seen: &Shared, within: Duration, done: impl Fn(&Seen) -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if seen.lock().map(|s| done(&s)).unwrap_or(false) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What one burst did.
struct Burst {
    ops: usize,
    failed_units: usize,
    elapsed: Duration,
}

/// Units `first_unit..` (a multiple of 4, so the mix is the same) started
/// at `ops_per_second / OPS_PER_UNIT`, so operations run at about
/// `ops_per_second`; waits for all of them.
async fn burst(dockerd: &Dockerd, seen: &Shared, sizes: &MirrorSizes, first_unit: usize) -> anyhow::Result<Burst> {
    let docker = dockerd.client().await?;
    let image_id = Arc::new(docker.inspect_image(IMAGE).await?.id.unwrap_or_default());
    let units = ((sizes.ops as f64) / OPS_PER_UNIT).ceil() as usize;
    let pacer = pacer(sizes.ops_per_second / OPS_PER_UNIT, units);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(units);
    for i in first_unit..first_unit + units {
        paced(&pacer).await;
        tasks.push(tokio::spawn(unit(docker.clone(), i, image_id.clone(), seen.clone())));
    }
    let (mut ops, mut failed_units) = (0, 0);
    for task in tasks {
        match task.await? {
            Ok(n) => ops += n,
            Err(_) => failed_units += 1,
        }
    }
    Ok(Burst { ops, failed_units, elapsed: started.elapsed() })
}

/// Signed ms from `returned` to `at` (negative: the event came first).
fn signed(at: &Instant, returned: &Instant) -> f64 {
    if at >= returned { ms(at.duration_since(*returned)) } else { -ms(returned.duration_since(*at)) }
}

/// One side's lag for every returned operation it saw, overall and per
/// operation key (`c+`, `v-`, ...); and how many it never saw, per key.
struct SideLag {
    all: Vec<f64>,
    by_op: BTreeMap<String, Vec<f64>>,
    missing_by_op: BTreeMap<String, usize>,
}

impl SideLag {
    fn missing(&self) -> usize {
        self.missing_by_op.values().sum()
    }
}

fn side_lag(seen: &Seen, side: fn(&Seen) -> &HashMap<String, Instant>) -> SideLag {
    let mut lag = SideLag { all: Vec::new(), by_op: BTreeMap::new(), missing_by_op: BTreeMap::new() };
    for (key, returned) in &seen.returned {
        let op = key.split(':').next().unwrap_or_default().to_owned();
        match side(seen).get(key) {
            Some(at) => {
                lag.all.push(signed(at, returned));
                lag.by_op.entry(op).or_default().push(signed(at, returned));
            }
            None => *lag.missing_by_op.entry(op).or_default() += 1,
        }
    }
    lag
}

/// p50 / p99 / count of each operation, in ms.
fn per_op(by_op: BTreeMap<String, Vec<f64>>) -> serde_json::Value {
    by_op
        .into_iter()
        .map(|(op, values)| {
            let p = Percentiles::of(values);
            (op, serde_json::json!({ "p50": p.p50.round(), "p99": p.p99.round(), "n": p.count }))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// P1 on a synced service: the burst, with every operation's mirror event,
/// raw event and inspect floor.
pub async fn lag(service: &Service, dockerd: &Dockerd, sizes: &MirrorSizes) -> anyhow::Result<Vec<Measure>> {
    let seen: Shared = Arc::default();
    let client = service.client().await?;
    let probe_key = raw_events(dockerd, &seen, &format!("probe-{}", std::process::id())).await?;
    let rv = Api::<Container>::namespaced(client.clone(), MIRROR_NS)
        .list_metadata(&ListParams::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let restarts = Arc::new(AtomicUsize::new(0));
    watch_mirrors::<Container>(client.clone(), rv.clone(), seen.clone(), restarts.clone(), container_key);
    watch_mirrors::<Volume>(client.clone(), rv.clone(), seen.clone(), restarts.clone(), volume_key);
    watch_mirrors::<Image>(client.clone(), rv, seen.clone(), restarts.clone(), image_key);
    // Both streams are live once the probe volume is seen on each.
    let live = wait_for(&seen, Duration::from_secs(90), |s| {
        s.docker.contains_key(&probe_key) && s.mirror.contains_key(&probe_key)
    })
    .await;
    anyhow::ensure!(live, "the Docker event stream or the mirror watch did not deliver a probe within 90s");

    let run = burst(dockerd, &seen, sizes, 0).await?;
    // Let the tail of both streams arrive.
    wait_for(&seen, Duration::from_secs(30), |s| {
        s.returned.keys().all(|k| s.docker.contains_key(k) && s.mirror.contains_key(k))
    })
    .await;

    let seen = seen.lock().map_err(|_| anyhow::anyhow!("a watcher panicked holding the results"))?;
    let mirror = side_lag(&seen, |s| &s.mirror);
    let raw = side_lag(&seen, |s| &s.docker);
    let floor = side_lag(&seen, |s| &s.inspected);
    let (missing_mirror, missing_by_op) = (mirror.missing(), mirror.missing_by_op.clone());
    let missing_docker = raw.missing();
    let lag_by_op = per_op(mirror.by_op);
    let floor_by_op = per_op(floor.by_op);
    let m = Percentiles::of(mirror.all);
    let d = Percentiles::of(raw.all);
    let f = Percentiles::of(floor.all);
    let achieved = run.ops as f64 / run.elapsed.as_secs_f64();
    let context = |measure: Measure| {
        measure
            .with("operations", run.ops)
            .with("target_ops_per_s", sizes.ops_per_second)
            .with("achieved_ops_per_s", achieved)
            .with("failed_units", run.failed_units)
            .with("missing_mirror_events", missing_mirror)
            .with("missing_docker_events", missing_docker)
            .with("missing_mirror_by_op", serde_json::to_value(&missing_by_op).unwrap_or_default())
            .with("mirror_lag_by_op_ms", lag_by_op.clone())
            .with("step_gap_ms", ms(STEP_GAP))
            .with("mirror_watch_restarts", restarts.load(Ordering::Relaxed))
            .with("mirrors_present_at_start", sizes.containers + sizes.tags + sizes.volumes)
            .with(
                "mix",
                "per 4 units: container create/start/stop/rm, volume create/rm x2, tag; keys c+ cr cx c- v+ v- t+",
            )
            .with("latency_from", "the Docker API call returning in the harness (negative: the event came first)")
            .with("inspect_floor_p50_ms", f.p50)
            .with("inspect_floor_p99_ms", f.p99)
            .with("inspect_floor_by_op_ms", floor_by_op.clone())
            .with(
                "inspect_floor",
                "an inspect issued by the harness on each raw event (none for destroys), timed like the mirror: \
                 no mirror that learns state by inspecting can be faster",
            )
    };
    let mut p99 = Measure::new("P1", "mirror_lag_p99_ms", m.p99, "ms", "p99 <= 25 ms; <= 3x raw Docker event p99")
        .at_most(25.0)
        .against(d.p99, Some(3.0));
    if missing_mirror > 0 {
        p99.pass = Some(false);
    }
    Ok(vec![
        context(Measure::new("P1", "mirror_lag_p50_ms", m.p50, "ms", "(reported)").against(d.p50, None)),
        context(Measure::new("P1", "mirror_lag_p95_ms", m.p95, "ms", "(reported)").against(d.p95, None)),
        context(p99.with("mirror_max_ms", m.max).with("docker_event_max_ms", d.max)),
    ])
}

/// The inspect floor with nothing else asking dockerd: the same burst
/// (other names) with the rdd service stopped, so no engine inspects queue
/// beside the harness's. Returned as context for the P1 measures.
pub async fn floor_alone(
    dockerd: &Dockerd,
    sizes: &MirrorSizes,
) -> anyhow::Result<Vec<(&'static str, serde_json::Value)>> {
    let seen: Shared = Arc::default();
    let probe_key = raw_events(dockerd, &seen, &format!("probe-alone-{}", std::process::id())).await?;
    let live = wait_for(&seen, Duration::from_secs(90), |s| s.docker.contains_key(&probe_key)).await;
    anyhow::ensure!(live, "the Docker event stream did not deliver a probe within 90s");
    // Past the first burst's units: new container, volume and tag names.
    let first_unit = 4 * sizes.ops.div_ceil(4);
    let run = burst(dockerd, &seen, sizes, first_unit).await?;
    wait_for(&seen, Duration::from_secs(30), |s| {
        s.returned.keys().all(|k| s.docker.contains_key(k) && s.inspected.contains_key(k))
    })
    .await;
    let seen = seen.lock().map_err(|_| anyhow::anyhow!("a watcher panicked holding the results"))?;
    let floor = side_lag(&seen, |s| &s.inspected);
    let raw = Percentiles::of(side_lag(&seen, |s| &s.docker).all);
    let by_op = per_op(floor.by_op);
    let f = Percentiles::of(floor.all);
    Ok(vec![
        ("inspect_floor_alone_p50_ms", f.p50.into()),
        ("inspect_floor_alone_p99_ms", f.p99.into()),
        ("inspect_floor_alone_by_op_ms", by_op),
        ("raw_event_alone_p99_ms", raw.p99.into()),
        ("alone_achieved_ops_per_s", (run.ops as f64 / run.elapsed.as_secs_f64()).into()),
        (
            "inspect_floor_alone",
            "the same burst (other names) with the rdd service stopped: the harness's inspects alone on dockerd".into(),
        ),
    ])
}
