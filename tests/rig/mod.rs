//! The rig of the reliability tests (SPEC §12): a private dockerd, a real
//! `rdd svc serve` whose App uses it as an external engine, and the engine
//! controller either in-process or as a standalone `rdd engine-controller`
//! process that a test can kill on its own. Each part can be killed and
//! started again; the checker compares Docker with the mirrors.

#![allow(dead_code)]

pub mod checker;
// The one private-dockerd helper of the workspace's tests.
#[path = "../../controller/tests/support/dockerd.rs"]
pub mod dockerd;
pub mod prng;
pub mod watch;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use kube::Api;
use kube::api::PostParams;
use rdd_api::App;

use crate::support::Service;
use dockerd::Dockerd;

/// The mirror namespace (the App's default).
pub const NS: &str = "rancher-desktop";

/// Where the engine controller runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Inside `rdd svc serve` (controllers `*`).
    InProcess,
    /// As `rdd engine-controller` (the service runs `-engine`).
    Standalone,
}

pub struct Rig {
    pub docker: Dockerd,
    pub service: Service,
    pub client: kube::Client,
    engine: Engine,
    standalone: Option<Child>,
}

impl Rig {
    /// Starts dockerd, the service and the engine controller, points the
    /// App at dockerd and waits until the engine mirrors it. `None` (with
    /// a message) where dockerd cannot run.
    pub async fn start(tag: &str, engine: Engine) -> Option<Rig> {
        let docker = Dockerd::start(tag)?;
        let service = Service::start_with(controllers(engine)).await;
        let client = service.client().await;
        let app: App = serde_json::from_value(serde_json::json!({
            "apiVersion": "app.rancherdesktop.io/v1alpha1",
            "kind": "App",
            "metadata": {"name": "app"},
            "spec": {"running": true, "containerEngine": {"provider": "external", "endpoint": docker.host}},
        }))
        .expect("an App");
        Api::<App>::all(client.clone()).create(&PostParams::default(), &app).await.expect("create the App");
        let mut rig = Rig { docker, service, client, engine, standalone: None };
        if engine == Engine::Standalone {
            rig.start_engine();
        }
        rig.wait_connected(Duration::from_secs(60)).await;
        Some(rig)
    }

    /// Where the engine controller runs.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Waits until the App says ContainerEngineReady=True.
    pub async fn wait_connected(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let app = Api::<App>::all(self.client.clone()).get_opt("app").await;
            let ready =
                app.as_ref().ok().and_then(|a| a.as_ref()).and_then(|a| a.status.clone()).is_some_and(|s| {
                    s.conditions.iter().any(|c| c.type_ == "ContainerEngineReady" && c.status == "True")
                });
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "the engine did not connect within {limit:?}: {app:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts `rdd engine-controller` (standalone rigs only).
    pub fn start_engine(&mut self) {
        assert_eq!(self.engine, Engine::Standalone, "only a standalone engine controller is a process of its own");
        assert!(self.standalone.is_none(), "the engine controller is already running");
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(self.engine_log_path()).expect("engine log");
        let kubeconfig = self.service.kubeconfig_path();
        let child = self
            .service
            .command()
            .arg("engine-controller")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--context", "root"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn rdd engine-controller");
        self.standalone = Some(child);
    }

    /// Kills the standalone engine controller at once (SIGKILL).
    pub fn kill_engine(&mut self) {
        if let Some(mut child) = self.standalone.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn engine_log_path(&self) -> std::path::PathBuf {
        self.service.home.path().join("engine.log")
    }

    /// The last lines of the service's log, then of the standalone engine
    /// controller's.
    pub fn logs(&self) -> String {
        let engine = std::fs::read_to_string(self.engine_log_path()).unwrap_or_default();
        format!(
            "--- service log (tail) ---\n{}\n--- engine-controller log (tail) ---\n{}",
            tail(&self.service.log(), 150),
            tail(&engine, 150)
        )
    }

    /// Kills the service (SIGKILL) or stops it (SIGTERM), starts it again
    /// and takes a client with the new tokens.
    pub async fn restart_service(&mut self, kill: bool) {
        if kill {
            self.service.kill();
        } else {
            self.service.stop();
        }
        self.start_service().await;
    }

    /// Starts the service again after a kill or stop and takes a client
    /// with the new tokens.
    pub async fn start_service(&mut self) {
        self.service.start_again(controllers(self.engine)).await;
        self.client = self.service.client().await;
    }

    /// Waits until Docker and the mirrors agree, or fails with the
    /// difference and the logs; returns how long it took.
    pub async fn assert_converged(&self, limit: Duration, what: &str) -> Duration {
        match checker::converge(&self.docker, &self.client, NS, limit).await {
            Ok(took) => took,
            Err(diff) => panic!("{what}: mirrors differ from Docker after {limit:?}:\n{}", diff.join("\n")),
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.kill_engine();
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn controllers(engine: Engine) -> &'static str {
    match engine {
        Engine::InProcess => "*",
        Engine::Standalone => "-engine",
    }
}
