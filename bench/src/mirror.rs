//! The mirror measures (SPEC §11 P1, P2) against a private dockerd and a
//! real `rdd svc serve` whose App points at it (provider `external`):
//! the full sync to Connected against list+inspect of the same objects, and
//! the mirror lag of Docker operations under a fixed-rate burst against the
//! raw Docker event stream's latency for the same operations.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, EventsOptions, ListContainersOptions, ListImagesOptions, RemoveContainerOptions,
    StopContainerOptions, TagImageOptions,
};
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use kube::core::ObjectMeta;
use rdd_api::app::{App, AppSpec, ContainerEngine, EngineName, EngineProvider};
use rdd_api::container::Container;
use rdd_api::image::Image;
use rdd_api::mirror::{image_mirror_name, volume_mirror_name};
use rdd_api::volume::Volume;
use serde::de::DeserializeOwned;

use crate::dockerd::{Dockerd, IMAGE};
use crate::load::{paced, pacer};
use crate::report::{Measure, Percentiles, median, ms};
use crate::service::Service;

/// The engine controller's concurrency (`EngineOptions::concurrency`, controller/src/engine/supervisor.rs),
/// used for the baseline too: "with the same concurrency".
const SYNC_CONCURRENCY: usize = 32;
const MIRROR_NS: &str = "rancher-desktop";

pub struct MirrorSizes {
    pub containers: usize,
    pub tags: usize,
    pub volumes: usize,
    pub ops: usize,
    pub ops_per_second: f64,
}

/// Creates the P2 population: stopped containers, extra tags of the
/// busybox image, volumes.
pub async fn populate(docker: &Docker, sizes: &MirrorSizes) -> anyhow::Result<Duration> {
    let started = Instant::now();
    futures::stream::iter(0..sizes.containers)
        .map(|i| async move { create_container(docker, &format!("sync-{i}")).await.map(|_| ()) })
        .buffer_unordered(SYNC_CONCURRENCY)
        .try_collect::<()>()
        .await?;
    futures::stream::iter(0..sizes.tags)
        .map(|i| async move {
            let options = TagImageOptions { repo: Some("rdd-bench/tag".into()), tag: Some(format!("t{i}")) };
            docker.tag_image(IMAGE, Some(options)).await
        })
        .buffer_unordered(SYNC_CONCURRENCY)
        .try_collect::<()>()
        .await?;
    futures::stream::iter(0..sizes.volumes)
        .map(|i| async move { docker.create_volume(volume(&format!("sync-{i}"))).await.map(|_| ()) })
        .buffer_unordered(SYNC_CONCURRENCY)
        .try_collect::<()>()
        .await?;
    Ok(started.elapsed())
}

async fn create_container(docker: &Docker, name: &str) -> Result<String, bollard::errors::Error> {
    let body = ContainerCreateBody {
        image: Some(IMAGE.into()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        host_config: Some(HostConfig { network_mode: Some("none".into()), ..Default::default() }),
        ..Default::default()
    };
    let options = CreateContainerOptions { name: Some(name.into()), ..Default::default() };
    Ok(docker.create_container(Some(options), body).await?.id)
}

fn volume(name: &str) -> VolumeCreateRequest {
    VolumeCreateRequest { name: Some(name.into()), ..Default::default() }
}

/// The baseline of P2: list all containers and inspect each, list images
/// and inspect each, list volumes — what a full sync reads from Docker —
/// with the engine controller's concurrency.
async fn list_and_inspect(docker: &Docker) -> anyhow::Result<(Duration, usize)> {
    let started = Instant::now();
    let containers = docker.list_containers(Some(ListContainersOptions { all: true, ..Default::default() })).await?;
    let ids: Vec<String> = containers.into_iter().filter_map(|c| c.id).collect();
    futures::stream::iter(ids.iter())
        .map(|id| docker.inspect_container(id, None))
        .buffer_unordered(SYNC_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    let images = docker.list_images(Some(ListImagesOptions { all: false, ..Default::default() })).await?;
    let tags: usize = images.iter().map(|i| i.repo_tags.len().max(1)).sum();
    futures::stream::iter(images.iter())
        .map(|image| docker.inspect_image(&image.id))
        .buffer_unordered(SYNC_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    let volumes = docker.list_volumes(None::<bollard::query_parameters::ListVolumesOptions>).await?;
    let objects = ids.len() + tags + volumes.volumes.map_or(0, |v| v.len());
    Ok((started.elapsed(), objects))
}

fn condition_true(app: &App, kind: &str, reason: &str) -> bool {
    let Ok(status) = serde_json::to_value(&app.status) else { return false };
    status["conditions"].as_array().is_some_and(|conditions| {
        conditions
            .iter()
            .any(|c| c["type"] == kind && c["status"] == "True" && (reason.is_empty() || c["reason"] == reason))
    })
}

/// P2: the App is created pointing at the populated dockerd; time from the
/// watcher seeing Running=True (the engine controller's trigger) to it
/// seeing ContainerEngineReady=True/Connected (written after the full sync).
pub async fn full_sync(service: &Service, dockerd: &Dockerd, sizes: &MirrorSizes) -> anyhow::Result<Measure> {
    let docker = dockerd.client().await?;
    // One warm-up (page cache, dockerd's own caches), then the median of 3.
    list_and_inspect(&docker).await?;
    let mut baselines = Vec::new();
    let mut objects = 0;
    for _ in 0..3 {
        let (took, n) = list_and_inspect(&docker).await?;
        baselines.push(ms(took));
        objects = n;
    }
    let baseline = median(baselines);

    let client = service.client().await?;
    let apps: Api<App> = Api::all(client.clone());
    let rv = apps.list_metadata(&ListParams::default()).await?.metadata.resource_version.unwrap_or_default();
    let mut watch = apps.watch(&WatchParams::default().timeout(290), &rv).await?.boxed();
    let app = App {
        metadata: ObjectMeta { name: Some("app".into()), ..Default::default() },
        spec: AppSpec {
            running: true,
            namespace: MIRROR_NS.into(),
            container_engine: ContainerEngine {
                name: EngineName::Moby,
                provider: EngineProvider::External,
                endpoint: Some(dockerd.host.clone()),
            },
        },
        status: None,
    };
    let created = Instant::now();
    apps.create(&PostParams::default(), &app).await?;
    let (mut running, mut connected) = (None, None);
    let deadline = created + Duration::from_secs(900);
    while connected.is_none() {
        let item = tokio::time::timeout_at(deadline.into(), watch.try_next()).await;
        match item {
            Err(_) => anyhow::bail!("the engine did not connect within 900s"),
            Ok(Ok(Some(WatchEvent::Added(app) | WatchEvent::Modified(app)))) => {
                let now = Instant::now();
                if running.is_none() && condition_true(&app, "Running", "") {
                    running = Some(now);
                }
                if condition_true(&app, "ContainerEngineReady", "Connected") {
                    connected = Some(now);
                }
            }
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None)) => watch = apps.watch(&WatchParams::default().timeout(290), "").await?.boxed(),
            Ok(Err(err)) => return Err(err.into()),
        }
    }
    let (Some(running), Some(connected)) = (running, connected) else {
        anyhow::bail!("the watch ended without Running and Connected")
    };
    let sync = ms(connected.saturating_duration_since(running));
    let mirrored =
        count::<Container>(&client).await? + count::<Image>(&client).await? + count::<Volume>(&client).await?;
    // The API side alone, on the same service right after: the create +
    // /status writes the sync had to make, as many and as concurrent,
    // without Docker. When this floor alone exceeds 1.3x the baseline, the
    // target is out of reach on this machine whatever the engine does.
    let floor = ms(crate::api::fill_mirrors(service, "bench-p2-floor", mirrored, SYNC_CONCURRENCY).await?);
    Ok(Measure::new("P2", "full_sync_to_connected_ms", sync, "ms", "<= 1.3x list+inspect")
        .with("write_floor_ms", floor)
        .with("write_floor_ratio", floor / baseline)
        .with("write_floor", "the same number of mirror create + /status writes, same concurrency, no Docker")
        .against(baseline, Some(1.3))
        .with("containers", sizes.containers)
        .with("tags", sizes.tags)
        .with("volumes", sizes.volumes)
        .with("docker_objects", objects)
        .with("mirrors_after_sync", mirrored)
        .with("concurrency", SYNC_CONCURRENCY)
        .with("app_create_to_connected_ms", ms(connected.saturating_duration_since(created)))
        .with(
            "baseline",
            "bollard list+inspect of containers and images, list of volumes; median of 3 after a warm-up",
        ))
}

async fn count<K>(client: &kube::Client) -> anyhow::Result<usize>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope> + Clone + DeserializeOwned + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), MIRROR_NS);
    Ok(api.list_metadata(&ListParams::default()).await?.items.len())
}

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

/// P1: units started at `ops_per_second / OPS_PER_UNIT` (so operations run
/// at about `ops_per_second`), each operation's return compared with its
/// raw Docker event and its mirror's watch event.
pub async fn lag(service: &Service, dockerd: &Dockerd, sizes: &MirrorSizes) -> anyhow::Result<Vec<Measure>> {
    let docker = dockerd.client().await?;
    let image_id = Arc::new(docker.inspect_image(IMAGE).await?.id.unwrap_or_default());
    let seen: Shared = Arc::default();
    let client = service.client().await?;

    // The raw Docker event stream, subscribed from now.
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs().saturating_sub(1).to_string();
    let events_docker = dockerd.client().await?;
    let events_seen = seen.clone();
    let floor_docker = dockerd.client().await?;
    let mut events = events_docker.events(Some(EventsOptions { since: Some(since), ..Default::default() }));
    // The first item proves the stream is up: an event of our own.
    let probe = format!("probe-{}", std::process::id());
    docker.create_volume(volume(&probe)).await?;
    tokio::spawn(async move {
        while let Some(Ok(event)) = events.next().await {
            if let Some(key) = docker_key(&event) {
                mark(&events_seen, |s| &mut s.docker, key.clone());
                tokio::spawn(inspect_floor(floor_docker.clone(), event, key, events_seen.clone()));
            }
        }
    });
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
    let probe_key = format!("v+:{}", volume_mirror_name(&probe));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let ready = seen
            .lock()
            .map(|s| s.docker.contains_key(&probe_key) && s.mirror.contains_key(&probe_key))
            .unwrap_or(false);
        if ready {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the Docker event stream or the mirror watch did not deliver a probe within 90s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let units = ((sizes.ops as f64) / OPS_PER_UNIT).ceil() as usize;
    let pacer = pacer(sizes.ops_per_second / OPS_PER_UNIT, units);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(units);
    for i in 0..units {
        paced(&pacer).await;
        tasks.push(tokio::spawn(unit(docker.clone(), i, image_id.clone(), seen.clone())));
    }
    let mut ops = 0;
    let mut failures = 0;
    for task in tasks {
        match task.await? {
            Ok(n) => ops += n,
            Err(_) => failures += 1,
        }
    }
    let elapsed = started.elapsed();
    // Let the tail of both streams arrive.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let complete = seen
            .lock()
            .map(|s| s.returned.keys().all(|k| s.docker.contains_key(k) && s.mirror.contains_key(k)))
            .unwrap_or(true);
        if complete || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let seen = seen.lock().map_err(|_| anyhow::anyhow!("a watcher panicked holding the results"))?;
    let signed = |at: &Instant, returned: &Instant| {
        if at >= returned { ms(at.duration_since(*returned)) } else { -ms(returned.duration_since(*at)) }
    };
    let (mut mirror, mut raw, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    let (mut missing_mirror, mut missing_docker) = (0, 0);
    let mut missing_by_op: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_op: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut floor_by_op: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (key, returned) in &seen.returned {
        match seen.mirror.get(key) {
            Some(at) => {
                mirror.push(signed(at, returned));
                by_op
                    .entry(key.split(':').next().unwrap_or_default().to_owned())
                    .or_default()
                    .push(signed(at, returned));
            }
            None => {
                missing_mirror += 1;
                *missing_by_op.entry(key.split(':').next().unwrap_or_default().to_owned()).or_default() += 1;
            }
        }
        match seen.docker.get(key) {
            Some(at) => raw.push(signed(at, returned)),
            None => missing_docker += 1,
        }
        if let Some(at) = seen.inspected.get(key) {
            floor.push(signed(at, returned));
            floor_by_op
                .entry(key.split(':').next().unwrap_or_default().to_owned())
                .or_default()
                .push(signed(at, returned));
        }
    }
    // Which operations lag: p50 / p99 / count of each, in ms.
    let per_op = |by_op: BTreeMap<String, Vec<f64>>| -> serde_json::Map<String, serde_json::Value> {
        by_op
            .into_iter()
            .map(|(op, values)| {
                let p = Percentiles::of(values);
                (op, serde_json::json!({ "p50": p.p50.round(), "p99": p.p99.round(), "n": p.count }))
            })
            .collect()
    };
    let lag_by_op = per_op(by_op);
    let floor_by_op = per_op(floor_by_op);
    let m = Percentiles::of(mirror);
    let d = Percentiles::of(raw);
    let f = Percentiles::of(floor);
    let achieved = ops as f64 / elapsed.as_secs_f64();
    let context = |measure: Measure| {
        measure
            .with("operations", ops)
            .with("target_ops_per_s", sizes.ops_per_second)
            .with("achieved_ops_per_s", achieved)
            .with("failed_units", failures)
            .with("missing_mirror_events", missing_mirror)
            .with("missing_docker_events", missing_docker)
            .with("missing_mirror_by_op", serde_json::to_value(&missing_by_op).unwrap_or_default())
            .with("mirror_lag_by_op_ms", serde_json::Value::Object(lag_by_op.clone()))
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
            .with("inspect_floor_by_op_ms", serde_json::Value::Object(floor_by_op.clone()))
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
