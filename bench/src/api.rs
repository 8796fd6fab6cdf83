//! The control-plane measures (SPEC §11 P3, P4, P5) against one real
//! `rdd svc serve`: durable creates/s from concurrent clients, the list of
//! 10,000 objects, watch fan-out latency and drops, and the service's RSS
//! idle and holding 10,000 mirror objects.
//!
//! The 10,000 mirrors are `Container` resources created directly through the
//! API (with a realistic status written through `/status`), not synced from a
//! dockerd: the engine controller is running but has no App, so it mirrors
//! nothing and the objects are exactly what a synced engine would store.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use rdd_api::container::{Container, ContainerSpec, DesiredState};
use serde_json::json;

use crate::load::{clients, create_namespace, paced, pacer};
use crate::report::{Measure, Percentiles, median, ms};
use crate::service::Service;

pub struct ApiSizes {
    /// P3: creates and concurrent clients.
    pub creates: usize,
    pub clients: usize,
    /// P4/P5: objects listed and held.
    pub objects: usize,
    /// P4 fan-out.
    pub watchers: usize,
    pub events_per_second: f64,
    pub events: usize,
}

/// The namespace holding the P4/P5 mirror objects.
pub const MIRRORS_NS: &str = "bench-mirrors";

/// P3: ConfigMaps created by `clients` clients as fast as they go.
pub async fn creates(service: &Service, sizes: &ApiSizes) -> anyhow::Result<Measure> {
    let clients = clients(&service.instance, sizes.clients).await?;
    create_namespace(&clients[0], "bench-p3").await?;
    let next = Arc::new(AtomicUsize::new(0));
    let total = sizes.creates;
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let next = next.clone();
            tokio::spawn(async move {
                let api: Api<ConfigMap> = Api::namespaced(client, "bench-p3");
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return Ok::<_, kube::Error>(latencies);
                    }
                    let cm = small_config_map(&format!("cm-{i}"));
                    let t = Instant::now();
                    api.create(&PostParams::default(), &cm).await?;
                    latencies.push(ms(t.elapsed()));
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let rate = total as f64 / elapsed.as_secs_f64();
    let p = Percentiles::of(latencies);
    Ok(Measure::new("P3", "durable_creates_per_s", rate, "creates/s", ">= 5000/s")
        .at_least(5000.0)
        .with("creates", total)
        .with("clients", sizes.clients)
        .with("object", "ConfigMap, one 8-byte data key")
        .with("elapsed_ms", ms(elapsed))
        .with("create_latency_p50_ms", p.p50)
        .with("create_latency_p99_ms", p.p99))
}

fn small_config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: kube::core::ObjectMeta { name: Some(name.into()), ..Default::default() },
        data: Some([("key".to_owned(), "01234567".to_owned())].into()),
        ..Default::default()
    }
}

/// Fills `namespace` with `objects` Container mirrors, `clients_n` clients at a time.
pub async fn fill_mirrors(
    service: &Service,
    namespace: &'static str,
    objects: usize,
    clients_n: usize,
) -> anyhow::Result<Duration> {
    let clients = clients(&service.instance, clients_n).await?;
    create_namespace(&clients[0], namespace).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let next = next.clone();
            tokio::spawn(async move {
                let api: Api<Container> = Api::namespaced(client, namespace);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= objects {
                        return Ok::<_, kube::Error>(());
                    }
                    let name = format!("{i:064x}");
                    api.create(
                        &PostParams::default(),
                        &Container::new(&name, ContainerSpec { state: DesiredState::Unknown }),
                    )
                    .await?;
                    api.patch_status(&name, &PatchParams::default(), &Patch::Merge(mirror_status(i))).await?;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// What the engine controller writes for a created busybox container.
fn mirror_status(i: usize) -> serde_json::Value {
    json!({"status": {
        "name": format!("bench-{i}"),
        "namespace": "moby",
        "path": "sleep",
        "args": ["3600"],
        "image": "sha256:0b3c5bd4f5f9bb1f8d1b4bd0a7e0b2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9c0d",
        "labels": {"com.example.app": "bench", "com.example.index": i.to_string()},
        "status": "created",
        "createdAt": "2026-11-25T16:00:00Z",
        "conditions": [
            {"type": "Running", "status": "False", "reason": "NotRunning", "message": "", "lastTransitionTime": "2026-11-25T16:00:00Z"},
            {"type": "StateReconciled", "status": "True", "reason": "Mirrored", "message": "", "lastTransitionTime": "2026-11-25T16:00:00Z"},
        ],
    }})
}

/// P4: a full list of the mirror namespace: from the request leaving to the
/// body's last byte arriving, read frame by frame and not decoded (the
/// harness's JSON decoding is not the server's list time). Median of 5 after
/// one warm-up. Beside it, the same list through kube's `request_text`,
/// which also collects the body into one buffer, copies it once more and
/// checks it is UTF-8: client work that grows with the list, not the server's.
pub async fn list(service: &Service, objects: usize) -> anyhow::Result<Measure> {
    let client = service.client().await?;
    let path = format!("/apis/containers.rancherdesktop.io/v1alpha1/namespaces/{MIRRORS_NS}/containers");
    let mut runs = Vec::new();
    let mut bytes = 0;
    let mut first = 0.0;
    for run in 0..6 {
        let started = Instant::now();
        bytes = receive_body(&client, &path).await?;
        let took = ms(started.elapsed());
        if run == 0 {
            first = took;
        } else {
            runs.push(took);
        }
    }
    let mut request_text_runs = Vec::new();
    let mut text = String::new();
    for _ in 0..5 {
        let started = Instant::now();
        text = client.request_text(http::Request::get(&path).body(Vec::new())?).await?;
        request_text_runs.push(ms(started.elapsed()));
    }
    let listed = serde_json::from_str::<serde_json::Value>(&text)?["items"].as_array().map_or(0, Vec::len);
    Ok(Measure::new("P4", "list_objects_ms", median(runs), "ms", "<= 50 ms")
        .at_most(50.0)
        .with("objects", listed)
        .with("expected_objects", objects)
        .with("kind", "Container (mirror with status)")
        .with("response_bytes", bytes)
        .with("runs", 5)
        .with("first_run_ms", first)
        .with("kube_request_text_ms", median(request_text_runs)))
}

/// One GET whose body is read to its end; returns its length in bytes.
async fn receive_body(client: &kube::Client, path: &str) -> anyhow::Result<usize> {
    let response = client.send(http::Request::get(path).body(kube::client::Body::empty())?).await?;
    anyhow::ensure!(response.status().is_success(), "GET {path} answered {}", response.status());
    let mut body = response.into_body();
    let mut bytes = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            bytes += data.len();
        }
    }
    Ok(bytes)
}

/// P4: `watchers` watches of one namespace while one writer creates
/// ConfigMaps at `events_per_second`. Latency of a delivery = the watcher
/// receiving the ADDED event − the writer's create returning (0 when the
/// event beat the response); every watcher must see every event.
pub async fn fan_out(service: &Service, sizes: &ApiSizes) -> anyhow::Result<Measure> {
    let writer = service.client().await?;
    create_namespace(&writer, "bench-p4").await?;
    let rv = Api::<ConfigMap>::namespaced(writer.clone(), "bench-p4")
        .list_metadata(&ListParams::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let total = sizes.events;
    let mut watchers = Vec::new();
    for client in clients(&service.instance, sizes.watchers).await? {
        let api: Api<ConfigMap> = Api::namespaced(client, "bench-p4");
        // Awaiting `watch` waits for the response headers: the watch is
        // established before the first write.
        let stream = api.watch(&WatchParams::default().timeout(290), &rv).await?;
        watchers.push(tokio::spawn(async move {
            let mut seen: HashMap<String, Instant> = HashMap::with_capacity(total);
            let mut stream = std::pin::pin!(stream);
            let deadline = tokio::time::sleep(Duration::from_secs(600));
            let mut deadline = std::pin::pin!(deadline);
            while seen.len() < total {
                tokio::select! {
                    item = stream.try_next() => match item {
                        Ok(Some(WatchEvent::Added(cm))) => {
                            let now = Instant::now();
                            if let Some(name) = cm.metadata.name { seen.entry(name).or_insert(now); }
                        }
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    },
                    () = &mut deadline => break,
                }
            }
            seen
        }));
    }
    let pacer = pacer(sizes.events_per_second, total);
    let api: Api<ConfigMap> = Api::namespaced(writer, "bench-p4");
    let started = Instant::now();
    let acks: Vec<(String, Instant, Instant)> = futures::stream::iter(0..total)
        .map(|i| {
            let (api, pacer) = (api.clone(), pacer.clone());
            async move {
                paced(&pacer).await;
                let name = format!("ev-{i}");
                let sent = Instant::now();
                api.create(&PostParams::default(), &small_config_map(&name)).await?;
                Ok::<_, kube::Error>((name, sent, Instant::now()))
            }
        })
        .buffer_unordered(256)
        .try_collect()
        .await?;
    let write_elapsed = started.elapsed();
    let mut from_ack = Vec::with_capacity(total * sizes.watchers);
    let mut from_send = Vec::with_capacity(total * sizes.watchers);
    let mut received = 0usize;
    let drain = tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(watchers)).await;
    let seen_all: Vec<_> = match drain {
        Ok(results) => results.into_iter().filter_map(Result::ok).collect(),
        Err(_) => Vec::new(),
    };
    for seen in &seen_all {
        for (name, sent, acked) in &acks {
            if let Some(at) = seen.get(name) {
                received += 1;
                from_ack.push(ms(at.saturating_duration_since(*acked)));
                from_send.push(ms(at.saturating_duration_since(*sent)));
            }
        }
    }
    let expected = total * sizes.watchers;
    let dropped = expected - received.min(expected);
    let p = Percentiles::of(from_ack);
    let s = Percentiles::of(from_send);
    let mut measure = Measure::new("P4", "watch_fanout_p99_ms", p.p99, "ms", "p99 <= 10 ms, nothing dropped")
        .at_most(10.0)
        .with("watchers", sizes.watchers)
        .with("events", total)
        .with("target_events_per_s", sizes.events_per_second)
        .with("achieved_events_per_s", total as f64 / write_elapsed.as_secs_f64())
        .with("deliveries", received)
        .with("dropped", dropped)
        .with("p50_ms", p.p50)
        .with("p95_ms", p.p95)
        .with("max_ms", p.max)
        .with("from_request_sent_p50_ms", s.p50)
        .with("from_request_sent_p99_ms", s.p99)
        .with("latency_from", "create response received by the writer (0 when the event came first)");
    if dropped > 0 {
        measure.pass = Some(false);
    }
    Ok(measure)
}

/// Beside P5: the share of one core the service uses while nothing
/// happens (an idle loop that spins shows here first), over `window`.
pub async fn cpu_at_rest(service: &Service, name: &str, window: Duration) -> anyhow::Result<Measure> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = service.cpu_time()?;
    tokio::time::sleep(window).await;
    let used = service.cpu_time()?.saturating_sub(before);
    let percent = 100.0 * used.as_secs_f64() / window.as_secs_f64();
    Ok(Measure::new("P5", name, percent, "% of a core", "<= 2 %").at_most(2.0).with("window_ms", ms(window)))
}

/// P5: VmRSS of the service process, after a short settle.
pub async fn rss(
    service: &Service,
    name: &str,
    target_mib: f64,
    context: &[(&str, serde_json::Value)],
) -> anyhow::Result<Measure> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut measure =
        Measure::new("P5", name, service.rss_mib()?, "MiB", &format!("<= {target_mib} MiB")).at_most(target_mib);
    for (key, value) in context {
        measure = measure.with(key, value.clone());
    }
    Ok(measure)
}
