//! A real `rdd svc serve` for integration tests: its own HOME and
//! instance, started from the freshly built binary, stopped (SIGTERM) and
//! cleaned up on drop, and kube-rs clients for its `root` and `user`
//! contexts.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use kube::config::{KubeConfigOptions, Kubeconfig};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Service {
    pub home: tempfile::TempDir,
    pub instance: String,
    child: Option<Child>,
}

impl Service {
    /// Starts `rdd svc serve` with the given controllers and waits until it
    /// is ready (kubeconfig written and `/readyz` answering 200).
    pub async fn start_with(controllers: &str) -> Service {
        let home = tempfile::tempdir().expect("temp HOME");
        let instance = format!("it{}-{}", std::process::id() % 100_000, NEXT.fetch_add(1, Ordering::SeqCst));
        let mut service = Service { home, instance, child: None };
        service.spawn(controllers);
        service.wait_ready().await;
        service
    }

    /// The API server alone, without controllers.
    pub async fn start() -> Service {
        Service::start_with("-app,-engine").await
    }

    /// `rdd` with this service's HOME and instance (for `svc paths`,
    /// `engine-controller`, ...).
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rdd"));
        command
            .env("HOME", self.home.path())
            .env("RDD_INSTANCE", &self.instance)
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("RDD_LOG_DIR")
            .env_remove("KUBECONFIG");
        command
    }

    fn spawn(&mut self, controllers: &str) {
        // Appended to, so a restarted service's log follows the earlier runs.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.home.path().join("serve.log"))
            .expect("serve log");
        let child = self
            .command()
            .args(["svc", "serve", &format!("--controllers={controllers}")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn rdd svc serve");
        self.child = Some(child);
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("serve.log")).unwrap_or_default()
    }

    pub fn kubeconfig_path(&self) -> PathBuf {
        let out = self.command().args(["svc", "paths", "config"]).output().expect("rdd svc paths config");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("rdd svc serve exited with {status}:\n{}", self.log());
            }
            if self.kubeconfig_path().exists()
                && let Ok(client) = self.try_client("root").await
                && let Ok(text) = client.request_text(http::Request::get("/readyz").body(Vec::new()).unwrap()).await
                && text.trim() == "ok"
            {
                return;
            }
            assert!(Instant::now() < deadline, "rdd svc serve not ready within 60s:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn try_client(&self, context: &str) -> Result<kube::Client, String> {
        let kubeconfig = Kubeconfig::read_from(self.kubeconfig_path()).map_err(|e| e.to_string())?;
        let options = KubeConfigOptions { context: Some(context.into()), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| e.to_string())?;
        kube::Client::try_from(config).map_err(|e| e.to_string())
    }

    /// A client with full access (context `root`).
    pub async fn client(&self) -> kube::Client {
        self.try_client("root").await.expect("root client")
    }

    /// A read-only client (context `user`).
    pub async fn user_client(&self) -> kube::Client {
        self.try_client("user").await.expect("user client")
    }

    /// Kills the service at once (SIGKILL), as a crash would, and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the service again after [`Service::kill`] or [`Service::stop`],
    /// on the same files, and waits until it is ready.
    pub async fn start_again(&mut self, controllers: &str) {
        self.spawn(controllers);
        self.wait_ready().await;
    }

    /// One of the instance's paths (`rdd svc paths KEY`).
    pub fn path(&self, key: &str) -> PathBuf {
        let out = self.command().args(["svc", "paths", key]).output().expect("rdd svc paths");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    }

    /// Stops the service gracefully (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops and starts the service again on the same files.
    pub async fn restart(&mut self, controllers: &str) {
        self.stop();
        self.spawn(controllers);
        self.wait_ready().await;
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `Status` of a failed kube call.
pub fn api_error(err: kube::Error) -> kube::core::Status {
    match err {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Creates a namespace (the mirror namespace is normally made by the
/// engine controller, which these tests do not run).
pub async fn create_namespace(client: &kube::Client, name: &str) {
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client.clone());
    let namespace = k8s_openapi::api::core::v1::Namespace {
        metadata: kube::core::ObjectMeta { name: Some(name.into()), ..Default::default() },
        ..Default::default()
    };
    namespaces.create(&Default::default(), &namespace).await.expect("create namespace");
}
