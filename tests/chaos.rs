//! The chaos test of SPEC §12: for `RDD_CHAOS_SECS` (default 60) seconds,
//! a seeded random sequence of Docker operations (run, create, start, stop,
//! pause, unpause, rename, rm, kill, restart, tag, untag, import, image
//! prune, volume create/rm),
//! Kubernetes-side deletes and `spec.state` patches, and restarts of
//! dockerd, the engine controller and the service (SIGKILL or SIGTERM).
//! The seed also picks where the engine controller runs: standalone (`rdd
//! engine-controller`, killed on its own with SIGKILL) or in-process (it
//! restarts with the service). Every 25 s, and at the end, every
//! part runs and the checker waits (bounded) for exactly one correct mirror
//! per Docker object and nothing else.
//!
//! The seed comes from `RDD_CHAOS_SEED` or the clock, and is printed at the
//! start and with any failure; the same seed replays the same sequence of
//! operations (their outcomes still depend on timing). Skipped (with a
//! message) where dockerd cannot run.

mod rig;
mod support;

use std::time::{Duration, Instant};

use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams};
use rdd_api::mirror::{image_mirror_name, volume_mirror_name};
use rdd_api::{Container, Image, Volume};
use rig::prng::{Prng, random_seed};
use rig::{Engine, NS, Rig};

const BASE: &str = "rdd-chaos/base:1";
/// Container names come from this pool, so the operations a seed picks
/// do not depend on what earlier ones left behind.
const CONTAINERS: usize = 10;
const TAGS: usize = 5;
const OTHERS: usize = 2;
const VOLUMES: usize = 6;
/// A convergence check this often during the run, and at its end.
const CHECKPOINT: Duration = Duration::from_secs(25);
/// How long the mirrors may take to agree with Docker at a check.
const SETTLE: Duration = Duration::from_secs(60);

/// What happened, for the failure message (the last operations matter).
struct Journal(Vec<String>);

impl Journal {
    fn note(&mut self, started: Instant, what: String) {
        self.0.push(format!("{:>6.1}s {what}", started.elapsed().as_secs_f64()));
    }

    fn tail(&self, n: usize) -> String {
        self.0[self.0.len().saturating_sub(n)..].join("\n")
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(value.trim().parse().unwrap_or_else(|_| panic!("{name}={value} is not a number")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_ends_with_exactly_one_correct_mirror_per_docker_object() {
    let seed = env_number("RDD_CHAOS_SEED").unwrap_or_else(random_seed);
    let secs = env_number("RDD_CHAOS_SECS").unwrap_or(60);
    eprintln!("chaos: RDD_CHAOS_SEED={seed} RDD_CHAOS_SECS={secs}");
    // Both placements of the engine controller, chosen by the seed.
    let engine = if seed.is_multiple_of(2) { Engine::Standalone } else { Engine::InProcess };
    eprintln!("chaos: engine controller {engine:?}");
    let Some(mut rig) = Rig::start("ch", engine).await else { return };
    rig.docker.import_busybox_variant(BASE, "base");
    let mut rng = Prng::new(seed);
    let mut journal = Journal(Vec::new());
    let started = Instant::now();
    let mut ops = 0u32;
    let mut checkpoint = CHECKPOINT;
    while started.elapsed() < Duration::from_secs(secs) {
        if started.elapsed() >= checkpoint {
            // A quiet moment in the middle: the mirrors must catch up here
            // too, not only after the final settling.
            checkpoint += CHECKPOINT;
            if let Err(diff) = rig::checker::converge(&rig.docker, &rig.client, NS, SETTLE).await {
                fail(seed, secs, &format!("at the checkpoint at {:?}", started.elapsed()), &diff, &journal);
            }
            journal.note(started, "checkpoint: converged".into());
        }
        ops += 1;
        let what = step(&mut rig, &mut rng).await;
        journal.note(started, what);
        tokio::time::sleep(Duration::from_millis(rng.below(150) as u64)).await;
    }
    let count = |what: &str| journal.0.iter().filter(|line| line.contains(what)).count();
    eprintln!(
        "chaos: {ops} operations in {:?}: {} dockerd restarts, {} engine controller restarts, {} service restarts, \
         {} Kubernetes-side deletes, {} spec.state patches, {} failed",
        started.elapsed(),
        count("restart dockerd"),
        count("restart the engine controller") + count("with the engine controller"),
        count("restart the service"),
        count("kubectl delete"),
        count("kubectl patch"),
        count("failed")
    );

    // Everything runs again; then the mirrors must settle on Docker's state.
    if !rig.docker.is_up() {
        rig.docker.up(false);
    }
    match rig::checker::converge(&rig.docker, &rig.client, NS, SETTLE).await {
        Ok(took) => eprintln!("chaos: converged {took:?} after the last operation"),
        Err(diff) => fail(seed, secs, "after the last operation", &diff, &journal),
    }
}

fn fail(seed: u64, secs: u64, when: &str, diff: &[String], journal: &Journal) -> ! {
    panic!(
        "chaos run with RDD_CHAOS_SEED={seed} RDD_CHAOS_SECS={secs} did not converge within {SETTLE:?} {when}.\n\
         Difference (- missing mirror, + extra mirror, ~ wrong mirror, ! spec.state not met):\n{}\n\
         Last operations:\n{}",
        diff.join("\n"),
        journal.tail(40)
    )
}

/// One random operation; returns what it did and how it went.
async fn step(rig: &mut Rig, rng: &mut Prng) -> String {
    let c = format!("c{}", rng.below(CONTAINERS));
    let other = format!("c{}", rng.below(CONTAINERS));
    let tag = format!("rdd-chaos/t:{}", rng.below(TAGS));
    let image = format!("rdd-chaos/other:{}", rng.below(OTHERS));
    let volume = format!("V_{}", rng.below(VOLUMES));
    let roll = rng.below(1000);
    let d = &rig.docker;
    let docker = |args: &[&str]| -> String {
        let outcome = if d.try_docker(args).is_some() { "ok" } else { "failed" };
        format!("docker {} ({outcome})", args.join(" "))
    };
    match roll {
        0..90 => {
            let mut args = vec!["run", "-d", "--network", "none", "--name", &c, BASE];
            args.extend(rig::dockerd::IDLE);
            docker(&args)
        }
        90..130 => {
            let mut args = vec!["create", "--network", "none", "--name", &c, BASE];
            args.extend(rig::dockerd::IDLE);
            docker(&args)
        }
        130..170 => docker(&["start", &c]),
        170..230 => docker(&["stop", "-t", "1", &c]),
        230..280 => docker(&["pause", &c]),
        280..310 => docker(&["unpause", &c]),
        310..350 => docker(&["rename", &c, &other]),
        350..410 => docker(&["rm", "-f", &c]),
        410..430 => docker(&["kill", &c]),
        430..450 => docker(&["restart", "-t", "1", &c]),
        450..510 => {
            let source = if rng.chance(70) { BASE.to_owned() } else { image.clone() };
            docker(&["tag", &source, &tag])
        }
        510..550 => docker(&["rmi", &tag]),
        550..570 => {
            let variant = format!("v{}", rng.below(3));
            let ok =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| d.import_busybox_variant(&image, &variant)))
                    .is_ok();
            format!("import {image} variant {variant} ({})", if ok { "ok" } else { "failed" })
        }
        570..580 => docker(&["image", "prune", "-f"]),
        580..630 => docker(&["volume", "create", &volume]),
        630..670 => docker(&["volume", "rm", &volume]),
        670..740 => {
            let Some(id) = d.try_docker(&["inspect", "--format", "{{.Id}}", &c]) else {
                return format!("delete Container {c}: no such container");
            };
            let r = Api::<Container>::namespaced(rig.client.clone(), NS).delete(&id, &DeleteParams::default()).await;
            format!("kubectl delete container {c} ({})", outcome(r.err()))
        }
        740..770 => {
            // Not the base image's tag: containers use that image, and
            // Docker rightly refuses to remove it.
            let Some(id) = d.try_docker(&["image", "inspect", "--format", "{{.Id}}", &tag]) else {
                return format!("delete Image {tag}: no such tag");
            };
            let name = image_mirror_name(&id, Some(&tag));
            let r = Api::<Image>::namespaced(rig.client.clone(), NS).delete(&name, &DeleteParams::default()).await;
            format!("kubectl delete image {tag} ({})", outcome(r.err()))
        }
        770..790 => {
            let dangling = d.try_docker(&["image", "ls", "-q", "--no-trunc", "--filter", "dangling=true"]);
            let mut ids: Vec<String> = dangling.unwrap_or_default().lines().map(str::to_owned).collect();
            ids.sort();
            if ids.is_empty() {
                return "delete a dangling Image: there is none".into();
            }
            let id = ids[rng.below(ids.len())].clone();
            let name = image_mirror_name(&id, None);
            let r = Api::<Image>::namespaced(rig.client.clone(), NS).delete(&name, &DeleteParams::default()).await;
            format!("kubectl delete dangling image {id} ({})", outcome(r.err()))
        }
        790..820 => {
            let name = volume_mirror_name(&volume);
            let r = Api::<Volume>::namespaced(rig.client.clone(), NS).delete(&name, &DeleteParams::default()).await;
            format!("kubectl delete volume {volume} ({})", outcome(r.err()))
        }
        820..960 => {
            let state = *rng.pick(&["running", "created", "unknown"]);
            let Some(id) = d.try_docker(&["inspect", "--format", "{{.Id}}", &c]) else {
                return format!("patch {c} spec.state={state}: no such container");
            };
            let patch = serde_json::json!({"spec": {"state": state}});
            let r = Api::<Container>::namespaced(rig.client.clone(), NS)
                .patch(&id, &PatchParams::default(), &Patch::Merge(&patch))
                .await;
            format!("kubectl patch container {c} spec.state={state} ({})", outcome(r.err()))
        }
        960..973 => {
            let pause = rng.below(2000) as u64;
            rig.docker.down();
            tokio::time::sleep(Duration::from_millis(pause)).await;
            rig.docker.up(false);
            format!("restart dockerd (down {pause} ms)")
        }
        973..986 if rig.engine() == Engine::Standalone => {
            rig.kill_engine();
            rig.start_engine();
            "kill -9 and restart the engine controller".into()
        }
        _ => {
            let kill = rng.chance(50);
            let standalone = rig.engine() == Engine::Standalone;
            // The tokens change with every start of the service: a
            // standalone controller has to be restarted with the new
            // kubeconfig, as its user would.
            if standalone {
                rig.kill_engine();
            }
            rig.restart_service(kill).await;
            if standalone {
                rig.start_engine();
            }
            format!("{} and restart the service (with the engine controller)", if kill { "kill -9" } else { "stop" })
        }
    }
}

fn outcome(err: Option<kube::Error>) -> String {
    match err {
        None => "ok".into(),
        Some(kube::Error::Api(s)) => format!("{} {}", s.code, s.reason),
        Some(e) => format!("failed: {e}"),
    }
}
