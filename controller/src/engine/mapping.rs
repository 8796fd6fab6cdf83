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

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::container::{ContainerSpec, DesiredState};
    use serde_json::json;

    fn at(s: &str) -> Time {
        Time(s.parse().unwrap())
    }

    #[test]
    fn docker_times_are_truncated_and_zero_is_absent() {
        assert_eq!(docker_time(Some("2024-03-01T10:20:30.987654321Z")), Some(at("2024-03-01T10:20:30Z")));
        assert_eq!(docker_time(Some("2024-03-01T11:20:30.5+01:00")), Some(at("2024-03-01T10:20:30Z")));
        assert_eq!(docker_time(Some("0001-01-01T00:00:00Z")), None);
        assert_eq!(docker_time(Some("")), None);
        assert_eq!(docker_time(None), None);
    }

    /// An inspect as dockerd 20.10 (API 1.41) returns it, trimmed.
    fn inspect() -> ContainerInspectResponse {
        serde_json::from_value(json!({
            "Id": "4f2a000000000000000000000000000000000000000000000000000000000001",
            "Created": "2024-03-01T10:00:00.123456789Z",
            "Path": "sh",
            "Args": ["-c", "sleep 100"],
            "State": {
                "Status": "running", "Running": true, "Paused": false, "Restarting": false,
                "OOMKilled": false, "Dead": false, "Pid": 4242, "ExitCode": 0, "Error": "",
                "StartedAt": "2024-03-01T10:00:01.5Z", "FinishedAt": "0001-01-01T00:00:00Z"
            },
            "Image": "sha256:abc",
            "Name": "/web",
            "Config": {
                "Labels": {"b": "2", "a": "1"},
                "ExposedPorts": {"9000/udp": {}, "80/tcp": {}, "443/tcp": {}}
            },
            "NetworkSettings": {
                "Ports": {
                    "80/tcp": [
                        {"HostIp": "::", "HostPort": "8080"},
                        {"HostIp": "0.0.0.0", "HostPort": "8080"}
                    ],
                    "443/tcp": null
                }
            }
        }))
        .unwrap()
    }

    #[test]
    fn container_status_follows_the_spec() {
        let now = at("2024-03-02T00:00:00Z");
        let (name, status) =
            container_status(&inspect(), DesiredState::Unknown, None, 1, &Attempt::None, now.clone()).unwrap();
        assert_eq!(name, "4f2a000000000000000000000000000000000000000000000000000000000001");
        assert_eq!(status.name.as_deref(), Some("web"));
        assert_eq!(status.namespace.as_deref(), Some("moby"));
        assert_eq!(status.path.as_deref(), Some("sh"));
        assert_eq!(status.args, ["-c", "sleep 100"]);
        assert_eq!(status.image.as_deref(), Some("sha256:abc"));
        assert_eq!(status.status, ObservedState::Running);
        assert_eq!(status.pid, Some(4242));
        assert_eq!(status.exit_code, Some(0));
        assert_eq!(status.error, None);
        assert_eq!(status.created_at, Some(at("2024-03-01T10:00:00Z")));
        assert_eq!(status.started_at, Some(at("2024-03-01T10:00:01Z")));
        assert_eq!(status.finished_at, None);
        assert_eq!(status.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(), ["a=1", "b=2"]);
        let ports = serde_json::to_value(&status.ports).unwrap();
        assert_eq!(
            ports,
            json!([
                {"name": "443/tcp"},
                {"name": "80/tcp", "bindings": [{"hostIp": "0.0.0.0", "hostPort": "8080"}, {"hostIp": "::", "hostPort": "8080"}]},
                {"name": "9000/udp"}
            ])
        );
        let conditions: Vec<(String, String, String)> =
            status.conditions.iter().map(|c| (c.type_.clone(), c.status.clone(), c.reason.clone())).collect();
        let want = [
            ("Dead", "False", "Running"),
            ("OOMKilled", "False", "Running"),
            ("Paused", "False", "Running"),
            ("Restarting", "False", "Running"),
            ("Running", "True", "Running"),
            ("StateReconciled", "True", "NoDesiredState"),
        ];
        assert_eq!(conditions, want.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned())));
        assert!(status.conditions.iter().all(|c| c.observed_generation == Some(1) && c.last_transition_time == now));
    }

    #[test]
    fn unchanged_docker_state_maps_to_an_identical_status() {
        let first =
            container_status(&inspect(), DesiredState::Unknown, None, 1, &Attempt::None, at("2024-03-02T00:00:00Z"))
                .unwrap()
                .1;
        // Later, Docker reports the ports in another order: same content, same transition times.
        let mut again = inspect();
        if let Some(p) = again.network_settings.as_mut().and_then(|n| n.ports.as_mut()) {
            p.get_mut("80/tcp").unwrap().as_mut().unwrap().reverse();
        }
        let second = container_status(
            &again,
            DesiredState::Unknown,
            Some(&first),
            1,
            &Attempt::None,
            at("2024-03-03T00:00:00Z"),
        )
        .unwrap()
        .1;
        assert_eq!(first, second);
    }

    #[test]
    fn paused_state_and_user_intent_show_in_conditions() {
        let mut paused = inspect();
        let state = paused.state.as_mut().unwrap();
        state.status = Some(bollard::models::ContainerStateStatusEnum::PAUSED);
        state.paused = Some(true);
        let c = rdd_api::Container::new("x", ContainerSpec { state: DesiredState::Running });
        let (_, status) = container_status(
            &paused,
            c.spec.state,
            None,
            3,
            &Attempt::Failed("boom".into()),
            at("2024-03-02T00:00:00Z"),
        )
        .unwrap();
        let get = |t: &str| find_condition(&status.conditions, t).unwrap().clone();
        assert_eq!((get("Paused").status.as_str(), get("Paused").reason.as_str()), ("True", "Paused"));
        let reconciled = get("StateReconciled");
        assert_eq!(
            (reconciled.status.as_str(), reconciled.reason.as_str(), reconciled.message.as_str()),
            ("False", "ActionFailed", "boom")
        );
        assert!(!state_condition_stale(DesiredState::Running, ObservedState::Paused, &status.conditions, 3));
        assert!(state_condition_stale(DesiredState::Running, ObservedState::Paused, &status.conditions, 4));
    }

    #[test]
    fn container_names_keep_their_namespace_prefix() {
        let mut i = inspect();
        i.name = Some("/k8s.io/pause".into());
        let (_, status) =
            container_status(&i, DesiredState::Unknown, None, 1, &Attempt::None, at("2024-03-02T00:00:00Z")).unwrap();
        assert_eq!((status.namespace.as_deref(), status.name.as_deref()), (Some("k8s.io"), Some("pause")));
    }

    #[test]
    fn image_mirrors_per_tag_or_one_dangling() {
        let tagged: ImageInspect = serde_json::from_value(json!({
            "Id": "sha256:aa",
            "RepoTags": ["b:1", "a:1"],
            "RepoDigests": ["z@sha256:2", "a@sha256:1"],
            "Created": "2024-01-01T00:00:00.5Z",
            "Architecture": "amd64", "Os": "linux", "Size": 1234,
            "Config": {"Labels": {"k": "v"}}
        }))
        .unwrap();
        let mirrors = image_statuses(&tagged);
        assert_eq!(
            mirrors.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            [image_mirror_name("sha256:aa", Some("a:1")), image_mirror_name("sha256:aa", Some("b:1"))]
        );
        let (_, a) = &mirrors[0];
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            json!({
                "namespace": "moby", "id": "sha256:aa", "repoTag": "a:1",
                "repoDigests": ["a@sha256:1", "z@sha256:2"], "createdAt": "2024-01-01T00:00:00Z",
                "architecture": "amd64", "os": "linux", "size": 1234, "labels": {"k": "v"}
            })
        );
        let dangling: ImageInspect =
            serde_json::from_value(json!({"Id": "sha256:bb", "RepoTags": [], "RepoDigests": ["<none>@<none>"]}))
                .unwrap();
        let mirrors = image_statuses(&dangling);
        assert_eq!(mirrors.len(), 1);
        assert_eq!(mirrors[0].0, image_mirror_name("sha256:bb", None));
        assert_eq!(mirrors[0].1.repo_tag, None);
        assert!(mirrors[0].1.repo_digests.is_empty());
    }

    #[test]
    fn list_names_match_inspect_names() {
        // dockerd 20.10 lists a dangling image with the <none>:<none> placeholder.
        for (tags, inspect_tags) in [
            (json!(["a:1", "b:2"]), json!(["b:2", "a:1"])),
            (json!(["<none>:<none>"]), json!([])),
            (json!(null), json!(null)),
        ] {
            let summary: ImageSummary = serde_json::from_value(json!({
                "Id": "sha256:cc", "ParentId": "", "RepoTags": tags, "RepoDigests": null, "Created": 0,
                "Size": 0, "SharedSize": -1, "Labels": null, "Containers": -1
            }))
            .unwrap();
            let inspect: ImageInspect =
                serde_json::from_value(json!({"Id": "sha256:cc", "RepoTags": inspect_tags})).unwrap();
            let from_inspect: Vec<String> = image_statuses(&inspect).into_iter().map(|(n, _)| n).collect();
            assert_eq!(image_names_from_summary(&summary), from_inspect);
        }
    }

    #[test]
    fn volume_status_keeps_the_docker_name() {
        let volume: Volume = serde_json::from_value(json!({
            "Name": "My_Vol_Ume", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/My_Vol_Ume/_data",
            "CreatedAt": "2024-02-02T02:02:02Z", "Labels": {"x": "y"}, "Scope": "local", "Options": null
        }))
        .unwrap();
        let (name, status) = volume_status(&volume);
        assert_eq!(name, volume_mirror_name("My_Vol_Ume"));
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            json!({
                "name": "My_Vol_Ume", "namespace": "moby", "createdAt": "2024-02-02T02:02:02Z", "driver": "local",
                "mountpoint": "/var/lib/docker/volumes/My_Vol_Ume/_data", "scope": "local", "labels": {"x": "y"}
            })
        );
    }
}
