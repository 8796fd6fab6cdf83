//! The full-sync measure (SPEC §11 P2) against a private dockerd and a
//! real `rdd svc serve` whose App points at it (provider `external`): the
//! full sync to Connected against list+inspect of the same objects. The
//! mirror lag of the same service (P1) is `lag`.

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, VolumeCreateRequest};
use bollard::query_parameters::{CreateContainerOptions, ListContainersOptions, ListImagesOptions, TagImageOptions};
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use kube::core::ObjectMeta;
use rdd_api::app::{App, AppSpec, ContainerEngine, EngineName, EngineProvider};
use rdd_api::container::Container;
use rdd_api::image::Image;
use rdd_api::volume::Volume;
use serde::de::DeserializeOwned;

use crate::dockerd::{Dockerd, IMAGE};
use crate::report::{Measure, median, ms};
use crate::service::Service;

/// The engine controller's concurrency (`EngineOptions::concurrency`, controller/src/engine/supervisor.rs),
/// used for the baseline too: "with the same concurrency".
const SYNC_CONCURRENCY: usize = 32;
pub const MIRROR_NS: &str = "rancher-desktop";

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

pub async fn create_container(docker: &Docker, name: &str) -> Result<String, bollard::errors::Error> {
    let body = ContainerCreateBody {
        image: Some(IMAGE.into()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        host_config: Some(HostConfig { network_mode: Some("none".into()), ..Default::default() }),
        ..Default::default()
    };
    let options = CreateContainerOptions { name: Some(name.into()), ..Default::default() };
    Ok(docker.create_container(Some(options), body).await?.id)
}

pub fn volume(name: &str) -> VolumeCreateRequest {
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
