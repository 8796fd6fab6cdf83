//! The harness's private dockerd: own socket, data and exec roots under a
//! short /tmp directory, no bridge and no iptables (other dockerds share the
//! machine), a busybox image imported from the host's busybox-static (no
//! registry here), and everything removed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The image every benchmark container runs.
pub const IMAGE: &str = "rdd-bench/busybox:1";

pub struct Dockerd {
    pub dir: PathBuf,
    /// `unix://...` for bollard, `docker -H` and the App's endpoint.
    pub host: String,
    child: Option<Child>,
}

impl Dockerd {
    /// Why the machine cannot run a private dockerd, if it cannot.
    pub fn unavailable() -> Option<String> {
        if !nix::unistd::Uid::effective().is_root() {
            return Some("a private dockerd needs root".into());
        }
        if Command::new("dockerd").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
            return Some("dockerd is not on PATH".into());
        }
        if Command::new("docker").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
            return Some("the docker CLI is not on PATH".into());
        }
        None
    }

    pub async fn start() -> anyhow::Result<Dockerd> {
        // Short: a Unix socket path must stay under ~100 bytes.
        let dir = PathBuf::from(format!("/tmp/rdb-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let host = format!("unix://{}", dir.join("d.sock").display());
        let log = std::fs::File::create(dir.join("dockerd.log")).context("creating the dockerd log")?;
        let child = Command::new("dockerd")
            .arg("--host")
            .arg(&host)
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("d.pid"))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("spawning dockerd")?;
        let mut dockerd = Dockerd { dir, host, child: Some(child) };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = dockerd.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("dockerd exited with {status}; see {}/dockerd.log", dockerd.dir.display());
            }
            if let Ok(docker) = dockerd.client().await
                && docker.ping().await.is_ok()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("dockerd did not answer within 60s; see {}/dockerd.log", dockerd.dir.display());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        dockerd.import_busybox()?;
        Ok(dockerd)
    }

    /// A bollard client speaking the daemon's API version (1.41 here).
    pub async fn client(&self) -> anyhow::Result<bollard::Docker> {
        let docker = bollard::Docker::connect_with_host(&self.host)?;
        Ok(docker.negotiate_version().await?)
    }

    fn sh(&self, script: &str) -> anyhow::Result<()> {
        let status = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("DOCKER_HOST", &self.host)
            .env("D", &self.dir)
            .stdout(Stdio::null())
            .status()
            .context("running sh")?;
        if !status.success() {
            bail!("sh -c {script:?} failed with {status}");
        }
        Ok(())
    }

    fn import_busybox(&self) -> anyhow::Result<()> {
        let busybox = ["/bin/busybox", "/usr/bin/busybox"].into_iter().find(|p| Path::new(p).exists());
        let busybox = busybox.context("busybox-static is not installed (/bin/busybox)")?;
        self.sh(&format!(
            "mkdir -p \"$D/r/bin\" && cp {busybox} \"$D/r/bin/busybox\" && ln -sf busybox \"$D/r/bin/sh\" \
             && ln -sf busybox \"$D/r/bin/sleep\" && tar -C \"$D/r\" -c . | docker import - {IMAGE}"
        ))
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let _ = self.sh("docker rm -f $(docker ps -aq) >/dev/null 2>&1 || true");
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
