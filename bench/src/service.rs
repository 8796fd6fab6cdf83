//! A real `rdd svc serve` under measurement: the binary under test started
//! as its own process with its own HOME and RDD_INSTANCE (so it shares no
//! file, port or socket with anything else on the machine), kube clients for
//! its `root` context, its RSS from /proc, and a graceful stop on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kube::config::{KubeConfigOptions, Kubeconfig};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// How long a service may take to become ready before the harness gives up.
const READY_CAP: Duration = Duration::from_secs(90);

/// An isolated instance of rdd: a temporary HOME and a unique instance name.
pub struct Instance {
    pub rdd: PathBuf,
    pub home: tempfile::TempDir,
    pub name: String,
}

impl Instance {
    pub fn new(rdd: &Path) -> anyhow::Result<Instance> {
        let home = tempfile::Builder::new().prefix("rdd-bench-").tempdir().context("creating a temporary HOME")?;
        // Short and unique: the instance name ends up in socket paths.
        let name = format!("b{}x{}", std::process::id() % 100_000, NEXT.fetch_add(1, Ordering::SeqCst));
        Ok(Instance { rdd: rdd.to_owned(), home, name })
    }

    /// `rdd` with this instance's environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.rdd);
        command
            .env("HOME", self.home.path())
            .env("RDD_INSTANCE", &self.name)
            .env("RDD_DOCKERD_ARGS", "--bridge=none --iptables=false --ip6tables=false")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("RDD_LOG_DIR")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null());
        command
    }

    pub fn kubeconfig_path(&self) -> anyhow::Result<PathBuf> {
        let out = self.command().args(["svc", "paths", "config"]).output().context("running rdd svc paths config")?;
        if !out.status.success() {
            bail!("rdd svc paths config failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    }

    /// A client of the `root` context, once the kubeconfig exists.
    pub async fn client(&self) -> anyhow::Result<kube::Client> {
        let kubeconfig = Kubeconfig::read_from(self.kubeconfig_path()?).context("reading the instance kubeconfig")?;
        let options = KubeConfigOptions { context: Some("root".into()), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
        Ok(kube::Client::try_from(config)?)
    }

    /// Polls `/readyz` until it answers `ok`; fails early, with the log,
    /// when the service process exits.
    pub async fn wait_ready(&self, child: &mut Child, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_CAP;
        let mut delay = Duration::from_millis(20);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("rdd svc serve exited with {status}:\n{}", std::fs::read_to_string(log).unwrap_or_default());
            }
            if self.kubeconfig_path()?.exists()
                && let Ok(client) = self.client().await
                && let Ok(text) = client.request_text(http::Request::get("/readyz").body(Vec::new())?).await
                && text.trim() == "ok"
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "rdd svc serve (instance {}) not ready within {READY_CAP:?}; log in {}",
                    self.name,
                    log.display()
                );
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(200));
        }
    }
}

/// A running `rdd svc serve`.
pub struct Service {
    pub instance: Instance,
    child: Option<Child>,
}

impl Service {
    /// Starts `rdd svc serve --controllers=SPEC` and waits until it is ready.
    pub async fn start(rdd: &Path, controllers: &str) -> anyhow::Result<Service> {
        let instance = Instance::new(rdd)?;
        let log = instance.home.path().join("serve.log");
        let file = std::fs::File::create(&log).context("creating the service log")?;
        let child = instance
            .command()
            .args(["svc", "serve", &format!("--controllers={controllers}")])
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .with_context(|| format!("spawning {} svc serve", rdd.display()))?;
        let mut child = child;
        instance.wait_ready(&mut child, &log).await?;
        Ok(Service { instance, child: Some(child) })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub async fn client(&self) -> anyhow::Result<kube::Client> {
        self.instance.client().await
    }

    /// Resident set size of the service process, in MiB (VmRSS).
    pub fn rss_mib(&self) -> anyhow::Result<f64> {
        let pid = self.pid().context("the service is not running")?;
        rss_mib(pid)
    }

    /// CPU time the service process has used so far.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        cpu_time(self.pid().context("the service is not running")?)
    }

    /// Stops the service with SIGTERM (graceful: a managed engine stops
    /// too) and waits for it; SIGKILL after 30 s. With `RDD_BENCH_LOG_DIR`
    /// set, its log is kept there (the temporary HOME goes away).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline && !matches!(child.try_wait(), Ok(Some(_))) {
                std::thread::sleep(Duration::from_millis(50));
            }
            if !matches!(child.try_wait(), Ok(Some(_))) {
                let _ = child.kill();
                let _ = child.wait();
            }
            self.keep_log();
        }
    }

    fn keep_log(&self) {
        let Some(dir) = std::env::var_os("RDD_BENCH_LOG_DIR") else { return };
        let to = PathBuf::from(dir).join(format!("serve-{}.log", self.instance.name));
        let from = self.instance.home.path().join("serve.log");
        match std::fs::create_dir_all(to.parent().unwrap_or(Path::new("."))).and_then(|()| std::fs::copy(&from, &to)) {
            Ok(_) => eprintln!("service log kept in {}", to.display()),
            Err(e) => eprintln!("cannot keep the service log {} in {}: {e}", from.display(), to.display()),
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// CPU time (user + system, all threads) a process has used so far.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces: count fields after its ')'.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    // utime and stime are fields 14 and 15, so 11 and 12 after the state (field 3).
    let (Some(user), Some(system)) = (ticks(11), ticks(12)) else {
        bail!("no utime/stime in /proc/{pid}/stat");
    };
    let per_second = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .context("sysconf(CLK_TCK) has no value")?;
    Ok(Duration::from_secs_f64((user + system) as f64 / per_second as f64))
}

/// VmRSS of a process, in MiB.
pub fn rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .with_context(|| format!("no VmRSS in /proc/{pid}/status"))?;
    Ok(kib / 1024.0)
}
