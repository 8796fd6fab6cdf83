//! Pure mapping from Docker's answers to mirror status content (SPEC
//! §4.2–§4.4). Deterministic: lists sorted, times truncated to seconds,
//! zero times omitted, so an unchanged object maps to an identical status
//! and the writer can skip the write.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{ContainerInspectResponse, ImageInspect, ImageSummary, Volume};
use rdd_api::conditions::{ConditionStatus, DesiredCondition, find_condition, upsert_condition};
use rdd_api::container::{ContainerPort, ContainerStatus, DesiredState, ObservedState, PortBinding, condition};
use rdd_api::container_namespace::MOBY;
use rdd_api::image::ImageStatus;
use rdd_api::jiff::Timestamp;
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use rdd_api::mirror::{image_mirror_name, parse_container_name, volume_mirror_name};
use rdd_api::volume::VolumeStatus;

use super::plan::{Attempt, state_reconciled};

/// A Docker timestamp at second precision; Docker's zero time
/// (`0001-01-01T00:00:00Z`) and anything unparsable is "absent".
pub fn docker_time(value: Option<&str>) -> Option<Time> {
    let ts: Timestamp = value?.parse().ok()?;
    if ts.as_second() <= 0 {
        return None;
    }
    Timestamp::from_second(ts.as_second()).ok().map(Time)
}

fn sorted_map(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.is_empty()).cloned()
}

/// Docker's `<none>:<none>` / `<none>@<none>` placeholders are not tags.
fn real_refs(refs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = refs.iter().filter(|r| !r.starts_with("<none>")).cloned().collect();
    out.sort();
    out.dedup();
    out
}

/// Published ports from the network settings (the ones Docker actually
/// bound) plus exposed-only ports without bindings; sorted by name, each
/// binding list sorted by host IP then host port.
fn container_ports(inspect: &ContainerInspectResponse) -> Vec<ContainerPort> {
    let mut ports: BTreeMap<String, Option<Vec<PortBinding>>> = BTreeMap::new();
    if let Some(exposed) = inspect.config.as_ref().and_then(|c| c.exposed_ports.as_ref()) {
        for name in exposed {
            ports.entry(name.clone()).or_insert(None);
        }
    }
    if let Some(map) = inspect.network_settings.as_ref().and_then(|n| n.ports.as_ref()) {
        for (name, bindings) in map {
            let mut list: Vec<PortBinding> = bindings
                .iter()
                .flatten()
                .map(|b| PortBinding {
                    host_ip: b.host_ip.clone().unwrap_or_default(),
                    host_port: b.host_port.clone().unwrap_or_default(),
                })
                .collect();
            list.sort();
            list.dedup();
            let entry = ports.entry(name.clone()).or_insert(None);
            if !list.is_empty() {
                *entry = Some(list);
            }
        }
    }
    ports.into_iter().map(|(name, bindings)| ContainerPort { name, bindings }).collect()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// Container status content of one inspect, with conditions merged into
/// `current` (the mirror as stored: its conditions keep their transition
/// times, its `spec.state` decides StateReconciled). Returns the mirror
/// name (the container ID) and the status; `None` if Docker gave no ID.
pub fn container_status(
    inspect: &ContainerInspectResponse,
    desired: DesiredState,
    current: Option<&ContainerStatus>,
    generation: i64,
    attempt: &Attempt,
    now: Time,
) -> Option<(String, ContainerStatus)> {
    let id = inspect.id.clone()?;
    let (namespace, name) = parse_container_name(inspect.name.as_deref().unwrap_or(""));
    let state = inspect.state.clone().unwrap_or_default();
    let observed = state.status.map(|s| ObservedState::from_docker(s.as_ref())).unwrap_or_default();
    let mut status = ContainerStatus {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
        path: non_empty(inspect.path.as_ref()),
        args: inspect.args.clone().unwrap_or_default(),
        image: non_empty(inspect.image.as_ref()),
        ports: container_ports(inspect),
        labels: sorted_map(inspect.config.as_ref().and_then(|c| c.labels.as_ref())),
        status: observed,
        pid: state.pid.filter(|pid| *pid > 0),
        exit_code: state.exit_code,
        error: non_empty(state.error.as_ref()),
        created_at: docker_time(inspect.created.as_deref()),
        started_at: docker_time(state.started_at.as_deref()),
        finished_at: docker_time(state.finished_at.as_deref()),
        conditions: current.map(|c| c.conditions.clone()).unwrap_or_default(),
    };
    let reason = capitalized(observed.as_str());
    for (type_, value) in [
        (condition::RUNNING, state.running),
        (condition::PAUSED, state.paused),
        (condition::RESTARTING, state.restarting),
        (condition::OOM_KILLED, state.oom_killed),
        (condition::DEAD, state.dead),
    ] {
        let desired_condition = DesiredCondition {
            type_,
            status: ConditionStatus::from_bool(value.unwrap_or(false)),
            reason: &reason,
            message: "",
        };
        upsert_condition(&mut status.conditions, &desired_condition, generation, now.clone());
    }
    let existing = current.and_then(|c| find_condition(&c.conditions, condition::STATE_RECONCILED));
    let (ok, why, message) = state_reconciled(desired, observed, existing, attempt);
    let reconciled = DesiredCondition {
        type_: condition::STATE_RECONCILED,
        status: ConditionStatus::from_bool(ok),
        reason: why,
        message: &message,
    };
    upsert_condition(&mut status.conditions, &reconciled, generation, now);
    status.conditions.sort_by(|a, b| a.type_.cmp(&b.type_));
    Some((id, status))
}

/// Whether a stored Container's StateReconciled is stale with respect to
/// its spec (a user patch that needs a decision, even when no Docker call
/// follows).
pub fn state_condition_stale(
    desired: DesiredState,
    observed: ObservedState,
    conditions: &[Condition],
    generation: i64,
) -> bool {
    let existing = find_condition(conditions, condition::STATE_RECONCILED);
    let (ok, why, _) = state_reconciled(desired, observed, existing, &Attempt::None);
    match existing {
        None => true,
        Some(c) => {
            c.observed_generation != Some(generation)
                || c.status != ConditionStatus::from_bool(ok).as_str()
                || c.reason != why
        }
    }
}

/// The mirror names the list result implies for one image (SPEC §6.3: the
/// expected set comes from the list, so a failed inspect deletes nothing).
pub fn image_names_from_summary(summary: &ImageSummary) -> Vec<String> {
    let tags = real_refs(&summary.repo_tags);
    if tags.is_empty() {
        vec![image_mirror_name(&summary.id, None)]
    } else {
        tags.iter().map(|t| image_mirror_name(&summary.id, Some(t))).collect()
    }
}

/// One status per tag of the image, or one for the dangling image.
pub fn image_statuses(inspect: &ImageInspect) -> Vec<(String, ImageStatus)> {
    let Some(id) = inspect.id.clone() else {
        return Vec::new();
    };
    let base = ImageStatus {
        namespace: Some(MOBY.to_owned()),
        id: Some(id.clone()),
        repo_tag: None,
        repo_digests: real_refs(inspect.repo_digests.as_deref().unwrap_or_default()),
        created_at: docker_time(inspect.created.as_deref()),
        architecture: non_empty(inspect.architecture.as_ref()),
        os: non_empty(inspect.os.as_ref()),
        size: inspect.size,
        labels: sorted_map(inspect.config.as_ref().and_then(|c| c.labels.as_ref())),
    };
    let tags = real_refs(inspect.repo_tags.as_deref().unwrap_or_default());
    if tags.is_empty() {
        return vec![(image_mirror_name(&id, None), base)];
    }
    tags.into_iter()
        .map(|tag| (image_mirror_name(&id, Some(&tag)), ImageStatus { repo_tag: Some(tag), ..base.clone() }))
        .collect()
}

/// The mirror name and status of a volume.
pub fn volume_status(volume: &Volume) -> (String, VolumeStatus) {
    let status = VolumeStatus {
        name: Some(volume.name.clone()),
        namespace: Some(MOBY.to_owned()),
        created_at: docker_time(volume.created_at.as_deref()),
        driver: Some(volume.driver.clone()).filter(|d| !d.is_empty()),
        mountpoint: Some(volume.mountpoint.clone()).filter(|d| !d.is_empty()),
        scope: volume.scope.map(|s| s.to_string()).filter(|s| !s.is_empty()),
        labels: sorted_map(Some(&volume.labels)),
        options: sorted_map(Some(&volume.options)),
    };
    (volume_mirror_name(&volume.name), status)
}
