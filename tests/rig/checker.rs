//! The convergence checker of the reliability tests: what Docker holds,
//! turned into the mirrors it should have (object name → a one-line
//! description), against the mirrors the API server holds, described the
//! same way. Equal means exactly one correct mirror per Docker object and
//! nothing else; otherwise the difference is the test's failure message.

use std::collections::BTreeMap;

use kube::Api;
use kube::api::ListParams;
use rdd_api::container::DesiredState;
use rdd_api::mirror::{MIRROR_FINALIZER, MIRROR_LABEL, image_mirror_name, volume_mirror_name};
use rdd_api::{Container, ContainerNamespace, Image, Volume};

use super::dockerd::Dockerd;

/// Mirror name → description.
pub type View = BTreeMap<String, String>;

/// What the mirrors should be, from Docker's own answers (`docker` CLI,
/// not the controller's client). `None` when Docker does not answer.
pub fn docker_view(d: &Dockerd) -> Option<View> {
    let mut view = View::new();
    let ids = d.try_docker(&["ps", "-aq", "--no-trunc"])?;
    let ids: Vec<&str> = ids.lines().filter(|l| !l.is_empty()).collect();
    if !ids.is_empty() {
        let mut args = vec![
            "inspect",
            "--format",
            "{{.Id}}|{{.Name}}|{{.State.Status}}|{{.Image}}|{{.State.Pid}}|{{.State.ExitCode}}",
        ];
        args.extend(&ids);
        // A container removed between ps and inspect fails the call: the
        // caller polls again.
        for line in d.try_docker(&args)?.lines() {
            let f: Vec<&str> = line.split('|').collect();
            let name = f[1].strip_prefix('/').unwrap_or(f[1]);
            view.insert(
                f[0].to_owned(),
                format!("container name={name} state={} image={} pid={} exit={}", f[2], f[3], f[4], f[5]),
            );
        }
    }
    for line in
        d.try_docker(&["image", "ls", "-a", "--no-trunc", "--format", "{{.ID}}|{{.Repository}}|{{.Tag}}"])?.lines()
    {
        let f: Vec<&str> = line.split('|').collect();
        if f.len() != 3 {
            continue;
        }
        let tag = (f[1] != "<none>" && f[2] != "<none>").then(|| format!("{}:{}", f[1], f[2]));
        view.insert(
            image_mirror_name(f[0], tag.as_deref()),
            format!("image id={} tag={}", f[0], tag.as_deref().unwrap_or("-")),
        );
    }
    for name in d.try_docker(&["volume", "ls", "-q"])?.lines().filter(|l| !l.is_empty()) {
        view.insert(volume_mirror_name(name), format!("volume name={name}"));
    }
    Some(view)
}

/// The mirrors in `namespace`, described like [`docker_view`]; anything
/// unexpected about one (being deleted, no finalizer, no label, no
/// status) is appended to its line, so it shows up in the diff.
pub async fn mirror_view(client: &kube::Client, namespace: &str) -> Result<View, kube::Error> {
    let mut view = View::new();
    let lp = ListParams::default();
    for c in Api::<Container>::namespaced(client.clone(), namespace).list(&lp).await? {
        let status = c.status.as_ref();
        let state = status.map(|s| serde_json::to_value(s.status).unwrap_or_default());
        let line = format!(
            "container name={} state={} image={} pid={} exit={}",
            status.and_then(|s| s.name.as_deref()).unwrap_or("?"),
            state.as_ref().and_then(|s| s.as_str()).unwrap_or("?"),
            status.and_then(|s| s.image.as_deref()).unwrap_or("?"),
            status.and_then(|s| s.pid).unwrap_or(0),
            status.and_then(|s| s.exit_code).map_or("?".into(), |c| c.to_string()),
        );
        view.insert(name_of(&c.metadata), line + &oddities(&c.metadata));
    }
    for i in Api::<Image>::namespaced(client.clone(), namespace).list(&lp).await? {
        let status = i.status.as_ref();
        let line = format!(
            "image id={} tag={}",
            status.and_then(|s| s.id.as_deref()).unwrap_or("?"),
            status.and_then(|s| s.repo_tag.as_deref()).unwrap_or("-"),
        );
        view.insert(name_of(&i.metadata), line + &oddities(&i.metadata));
    }
    for v in Api::<Volume>::namespaced(client.clone(), namespace).list(&lp).await? {
        let line = format!("volume name={}", v.status.as_ref().and_then(|s| s.name.as_deref()).unwrap_or("?"));
        view.insert(name_of(&v.metadata), line + &oddities(&v.metadata));
    }
    Ok(view)
}

fn name_of(meta: &kube::core::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn oddities(meta: &kube::core::ObjectMeta) -> String {
    let mut odd = String::new();
    if meta.deletion_timestamp.is_some() {
        odd += " (being deleted)";
    }
    if !meta.finalizers.iter().flatten().any(|f| f == MIRROR_FINALIZER) {
        odd += " (no finalizer)";
    }
    if meta.labels.as_ref().and_then(|l| l.get(MIRROR_LABEL)).map(String::as_str) != Some("true") {
        odd += " (no mirror label)";
    }
    odd
}

/// Containers whose `spec.state` Docker does not meet (SPEC §6.5).
pub async fn unmet_intents(client: &kube::Client, namespace: &str, docker: &View) -> Result<Vec<String>, kube::Error> {
    let mut unmet = Vec::new();
    for c in Api::<Container>::namespaced(client.clone(), namespace).list(&ListParams::default()).await? {
        let name = name_of(&c.metadata);
        let Some(line) = docker.get(&name) else { continue };
        let state = line.split(" state=").nth(1).and_then(|s| s.split(' ').next()).unwrap_or("");
        let met = match c.spec.state {
            DesiredState::Unknown => true,
            DesiredState::Running => state == "running",
            DesiredState::Created => !matches!(state, "running" | "paused" | "restarting"),
        };
        if !met {
            unmet.push(format!("{name}: spec.state={} but Docker says {state}", c.spec.state.as_str()));
        }
    }
    Ok(unmet)
}

/// The difference between Docker's view and the mirrors', one line per
/// disagreeing name; empty when they agree and ContainerNamespace `moby`
/// exists.
pub async fn difference(d: &Dockerd, client: &kube::Client, namespace: &str) -> Vec<String> {
    let Some(docker) = docker_view(d) else { return vec!["Docker does not answer".into()] };
    let mirrors = match mirror_view(client, namespace).await {
        Ok(mirrors) => mirrors,
        Err(e) => return vec![format!("cannot list the mirrors: {e}")],
    };
    let mut diff = Vec::new();
    let names: std::collections::BTreeSet<&String> = docker.keys().chain(mirrors.keys()).collect();
    for name in names {
        match (docker.get(name), mirrors.get(name)) {
            (Some(want), Some(have)) if want == have => {}
            (Some(want), Some(have)) => diff.push(format!("~ {name}\n    docker: {want}\n    mirror: {have}")),
            (Some(want), None) => diff.push(format!("- {name} missing; docker: {want}")),
            (None, Some(have)) => diff.push(format!("+ {name} extra; mirror: {have}")),
            (None, None) => {}
        }
    }
    match unmet_intents(client, namespace, &docker).await {
        Ok(unmet) => diff.extend(unmet.into_iter().map(|u| format!("! {u}"))),
        Err(e) => diff.push(format!("cannot list the Containers: {e}")),
    }
    let cns = Api::<ContainerNamespace>::namespaced(client.clone(), namespace).get_opt("moby").await;
    if !matches!(cns, Ok(Some(_))) {
        diff.push(format!("ContainerNamespace moby is missing ({cns:?})"));
    }
    diff
}

/// Polls [`difference`] until it is empty or `limit` has passed; returns
/// how long it took, or the last difference.
pub async fn converge(
    d: &Dockerd,
    client: &kube::Client,
    namespace: &str,
    limit: std::time::Duration,
) -> Result<std::time::Duration, Vec<String>> {
    let started = std::time::Instant::now();
    loop {
        let diff = difference(d, client, namespace).await;
        if diff.is_empty() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            return Err(diff);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
