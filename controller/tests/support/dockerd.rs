//! A private dockerd for tests: its own socket, data and exec roots, no
//! bridge and no iptables (several dockerds share the machine), killed and
//! removed on drop. It can be stopped and started again on the same data,
//! also on a side socket that no controller watches, so a test can change
//! Docker "while dockerd is down" as far as a controller can tell. The one
//! helper of every test that needs a real daemon: the engine's unit tests
//! and the controller crate's integration tests include it with `#[path]`,
//! and so does the reliability rig of the `rdd` package (`tests/rig`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The command every test container runs: busybox `sh` as PID 1 ignores
/// SIGTERM unless it traps it, and a 10 s stop timeout per container would
/// make every dockerd restart slow.
pub const IDLE: [&str; 3] = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];

pub struct Dockerd {
    pub dir: PathBuf,
    /// `unix://…/d.sock`: the socket the controllers are told about.
    pub host: String,
    child: Option<Child>,
    /// The socket of the running daemon (`host` or the side socket).
    current: String,
}

impl Dockerd {
    /// Starts a dockerd, or `None` (with a message) where none can run.
    pub fn start(tag: &str) -> Option<Dockerd> {
        if !nix::unistd::Uid::effective().is_root() || Command::new("dockerd").arg("--version").output().is_err() {
            eprintln!("SKIP: needs root and dockerd");
            return None;
        }
        // Short: a Unix socket path must stay under ~100 bytes.
        let dir = PathBuf::from(format!("/tmp/rdt-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the dockerd directory");
        let host = format!("unix://{}", dir.join("d.sock").display());
        let mut d = Dockerd { dir, current: host.clone(), host, child: None };
        d.up(false);
        Some(d)
    }

    /// Whether a daemon is running (on either socket).
    pub fn is_up(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the daemon on its own socket (`side` = false) or on a side
    /// socket no controller knows, on the same data.
    pub fn up(&mut self, side: bool) {
        assert!(self.child.is_none(), "dockerd is already running");
        let socket = if side { "side.sock" } else { "d.sock" };
        self.current = format!("unix://{}", self.dir.join(socket).display());
        self.child = Some(spawn(&self.dir, &self.current));
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.dir.join(socket).exists() && self.try_docker(&["version"]).is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("dockerd did not come up within 60s; see {}/dockerd.log", self.dir.display());
    }

    /// Stops dockerd (its containers stop with it) and starts it again on
    /// the same data and socket, as a restart of the engine does.
    pub fn restart(&mut self) {
        self.down();
        self.up(false);
    }

    /// Stops the daemon (SIGTERM; its containers stop with it).
    pub fn down(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
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

    /// `docker` against the running daemon; `None` when it fails.
    pub fn try_docker(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("docker").arg("-H").arg(&self.current).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// `docker` against the running daemon; panics when it fails.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new("docker").arg("-H").arg(&self.current).args(args).output().expect("run docker");
        assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// A shell script with `DOCKER_HOST` set to the running daemon, `$D` to
    /// the daemon's directory (scratch space) and `$IDLE` to the idle
    /// command; panics when it fails.
    pub fn sh(&self, script: &str) {
        let status = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("DOCKER_HOST", &self.current)
            .env("D", &self.dir)
            .env("IDLE", "trap 'exit 0' TERM; while :; do sleep 1; done")
            .status()
            .expect("run sh");
        assert!(status.success(), "sh -c {script}");
    }

    /// `docker run -d` of an idle busybox container; returns its ID.
    pub fn run_idle(&self, image: &str, name: &str) -> String {
        let mut args = vec!["run", "-d", "--network", "none", "--name", name, image];
        args.extend(IDLE);
        self.docker(&args)
    }

    /// `docker create` of an idle busybox container; returns its ID.
    pub fn create_idle(&self, image: &str, name: &str) -> String {
        let mut args = vec!["create", "--network", "none", "--name", name, image];
        args.extend(IDLE);
        self.docker(&args)
    }

    /// Imports a busybox rootfs as `tag` (no registry here); returns the
    /// image ID. Each import makes a new image, even of the same rootfs.
    pub fn import_busybox(&self, tag: &str) -> String {
        self.import_rootfs(tag, None)
    }

    /// [`Dockerd::import_busybox`] with `LABEL variant=<label>`: another
    /// image from the same rootfs, told apart by its label.
    pub fn import_busybox_variant(&self, tag: &str, label: &str) -> String {
        self.import_rootfs(tag, Some(label))
    }

    fn import_rootfs(&self, tag: &str, label: Option<&str>) -> String {
        let root = self.dir.join("rootfs");
        if !root.join("bin/busybox").exists() {
            std::fs::create_dir_all(root.join("bin")).expect("create the rootfs");
            std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("copy busybox");
            for applet in ["sh", "sleep"] {
                let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
            }
        }
        let change = label.map(|l| format!("-c 'LABEL variant={l}' ")).unwrap_or_default();
        let script = format!(
            "tar -C '{}' -c . | docker -H '{}' import {change}- {tag} >/dev/null",
            root.display(),
            self.current
        );
        let status = Command::new("sh").arg("-c").arg(&script).status().expect("run sh");
        assert!(status.success(), "{script}");
        self.docker(&["image", "inspect", "--format", "{{.Id}}", tag])
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = Command::new("sh")
                .arg("-c")
                .arg("docker rm -f $(docker ps -aq) >/dev/null 2>&1")
                .env("DOCKER_HOST", &self.current)
                .status();
        }
        self.down();
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
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
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
        .args(["--bridge=none", "--iptables=false", "--ip6tables=false", "--shutdown-timeout=5"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn dockerd")
}
