//! A private dockerd for tests: its own socket, data and exec roots, no
//! bridge and no iptables (several dockerds share the machine), killed and
//! removed on drop. Included with `#[path]` by the integration tests and
//! by the engine's unit tests that need a real daemon.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A dockerd of this test only; killed and cleaned up on drop.
pub struct Dockerd {
    pub dir: PathBuf,
    child: Child,
    pub host: String,
}

impl Dockerd {
    pub fn start(tag: &str) -> Option<Dockerd> {
        if !nix::unistd::Uid::effective().is_root() || Command::new("dockerd").arg("--version").output().is_err() {
            eprintln!("skipping: needs root and dockerd");
            return None;
        }
        // Short: a Unix socket path must stay under ~100 bytes.
        let dir = PathBuf::from(format!("/tmp/rde-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the dockerd directory");
        let host = format!("unix://{}", dir.join("d.sock").display());
        let child = spawn(&dir, &host);
        let d = Dockerd { dir, child, host };
        d.wait_ready();
        Some(d)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.dir.join("d.sock").exists() && self.try_docker(&["version"]).is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("dockerd did not come up; see {}/dockerd.log", self.dir.display());
    }

    /// Stops dockerd (its containers stop with it) and starts it again on
    /// the same data, as a restart of the engine does.
    pub fn restart(&mut self) {
        self.terminate();
        self.child = spawn(&self.dir, &self.host);
        self.wait_ready();
    }

    fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn try_docker(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("docker").arg("-H").arg(&self.host).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new("docker").arg("-H").arg(&self.host).args(args).output().expect("run docker");
        assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    pub fn sh(&self, script: &str) {
        let status = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("DOCKER_HOST", &self.host)
            .env("D", &self.dir)
            .status()
            .expect("run sh");
        assert!(status.success(), "sh -c {script}");
    }

    /// `rdd-test/busybox:1` from a busybox rootfs (no registry here).
    pub fn import_busybox(&self, tag: &str) -> String {
        self.sh("mkdir -p \"$D/r/bin\" && cp /bin/busybox \"$D/r/bin/\" && ln -sf busybox \"$D/r/bin/sh\" && ln -sf busybox \"$D/r/bin/sleep\"");
        self.sh(&format!("tar -C \"$D/r\" -c . | docker import - {tag} >/dev/null"));
        self.docker(&["image", "inspect", "--format", "{{.Id}}", tag])
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg("docker rm -f $(docker ps -aq) >/dev/null 2>&1")
            .env("DOCKER_HOST", &self.host)
            .status();
        self.terminate();
        // dockerd makes its data root a private mount; a dockerd that had to
        // be killed leaves it (and overlays) behind, and removal would fail.
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let prefix = format!("{}/", self.dir.display());
        let mut ours: Vec<&str> =
            mounts.lines().filter_map(|l| l.split_whitespace().nth(1)).filter(|m| m.starts_with(&prefix)).collect();
        ours.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for mount in ours {
            let _ = Command::new("umount").arg(mount).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(dir: &Path, host: &str) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("dockerd.log"))
        .expect("open the dockerd log");
    Command::new("dockerd")
        .arg("--host")
        .arg(host)
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
        .expect("spawn dockerd")
}
