//! A managed engine as a child process of the service: spawned in its own
//! process group with stdout and stderr appended to a log file, watched for
//! exit, and stopped with SIGTERM to the engine, then (after the grace
//! period) SIGKILL to its whole group so that no helper it spawned
//! survives. Also reaps an engine left behind by a service that crashed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

use super::error::{StartError, StopError};

/// Lines of output a start failure quotes.
pub const TAIL_LINES: usize = 10;
/// Bytes of the log read back for the tail: enough for ten long lines.
const TAIL_BYTES: u64 = 16 * 1024;

/// What to run.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    /// Short name for messages: `dockerd`, `containerd`.
    pub program: &'static str,
    pub path: PathBuf,
    pub args: Vec<OsString>,
    pub log_file: PathBuf,
}

/// A running (or exited, not yet reaped) engine process.
#[derive(Debug)]
pub struct ManagedProcess {
    spec: ProcessSpec,
    child: Child,
    pid: i32,
    /// Where this run's output starts in the (appended) log file.
    log_offset: u64,
    exit: Option<ExitStatus>,
}

impl ManagedProcess {
    /// Spawns the process; the log file's directory must exist.
    pub fn spawn(spec: ProcessSpec) -> Result<Self, StartError> {
        let fs_error = |doing, source| StartError::Filesystem { doing, path: spec.log_file.clone(), source };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.log_file)
            .map_err(|e| fs_error("open the engine log", e))?;
        let log_offset = log.metadata().map_err(|e| fs_error("read the engine log", e))?.len();
        let stderr = log.try_clone().map_err(|e| fs_error("open the engine log", e))?;
        let child = Command::new(&spec.path)
            .args(&spec.args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr))
            // Its own group: a Ctrl-C on the service's terminal must not
            // reach the engine (the service stops it in order), and SIGKILL
            // to the group takes its helpers with it.
            .process_group(0)
            // Last resort if the supervisor is dropped without stopping it.
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| StartError::Spawn { program: spec.program, path: spec.path.clone(), source })?;
        // A spawned child always has an id until it is reaped.
        let pid = child.id().map_or(0, |id| id as i32);
        tracing::info!(program = spec.program, pid, path = %spec.path.display(), "engine process started");
        Ok(ManagedProcess { spec, child, pid, log_offset, exit: None })
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn program(&self) -> &'static str {
        self.spec.program
    }

    pub fn log_file(&self) -> &Path {
        &self.spec.log_file
    }

    /// The exit status if the process has ended, without waiting.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Waits for the process to end. Cancel-safe.
    pub async fn wait(&mut self) -> ExitStatus {
        if let Some(status) = self.exit {
            return status;
        }
        let status = match self.child.wait().await {
            Ok(status) => status,
            Err(e) => {
                // Only happens when the child was already reaped elsewhere,
                // which nothing in rdd does; report it as a signal death.
                tracing::warn!(program = self.spec.program, pid = self.pid, error = %e, "waiting for engine failed");
                std::os::unix::process::ExitStatusExt::from_raw(9)
            }
        };
        self.exit = Some(status);
        status
    }

    /// The last lines this run wrote to its log.
    pub async fn output_tail(&self) -> String {
        let path = self.spec.log_file.clone();
        let offset = self.log_offset;
        tokio::task::spawn_blocking(move || read_tail(&path, offset))
            .await
            .unwrap_or_else(|e| format!("(could not read the log: {e})"))
    }

    /// The start failure for a process that exited while starting.
    pub async fn exited_error(&self, status: ExitStatus) -> StartError {
        StartError::Exited {
            program: self.spec.program,
            status: describe_exit(status),
            tail: self.output_tail().await,
            log: self.spec.log_file.clone(),
        }
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL to the process group.
    pub async fn stop(&mut self, grace: Duration) -> Result<(), StopError> {
        if self.try_exit().is_some() {
            return Ok(());
        }
        let (program, pid) = (self.spec.program, self.pid);
        tracing::info!(program, pid, "stopping engine process (SIGTERM)");
        match kill(Pid::from_raw(pid), Signal::SIGTERM) {
            Ok(()) | Err(nix::Error::ESRCH) => {}
            Err(source) => return Err(StopError::Signal { program, pid, source }),
        }
        if tokio::time::timeout(grace, self.wait()).await.is_ok() {
            tracing::info!(program, pid, "engine process stopped");
            return Ok(());
        }
        // The leader is alive (not reaped), so the group id is still ours.
        tracing::warn!(program, pid, "engine process ignored SIGTERM; killing its process group");
        match killpg(Pid::from_raw(pid), Signal::SIGKILL) {
            Ok(()) | Err(nix::Error::ESRCH) => {}
            Err(source) => return Err(StopError::Signal { program, pid, source }),
        }
        self.wait().await;
        Err(StopError::Killed { program, pid, grace })
    }
}

/// `exit status 1`, `killed by signal 9 (SIGKILL)`.
pub fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        format!("exit status {code}")
    } else if let Some(signal) = status.signal() {
        match Signal::try_from(signal) {
            Ok(name) => format!("killed by signal {signal} ({name})"),
            Err(_) => format!("killed by signal {signal}"),
        }
    } else {
        status.to_string()
    }
}

/// The last [`TAIL_LINES`] non-empty lines written to `path` after `offset`.
fn read_tail(path: &Path, offset: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let read = || -> std::io::Result<String> {
        let mut file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        let start = offset.max(len.saturating_sub(TAIL_BYTES));
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    match read() {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
            if tail.is_empty() { "(no output)".to_owned() } else { tail }
        }
        Err(e) => format!("(could not read {}: {e})", path.display()),
    }
}

/// Stops an engine that a previous run of the service left behind (the
/// service was killed, the engine kept running): its pid file names a live
/// process whose command line mentions `marker` (this instance's socket),
/// so it is ours and would block the new engine's socket and pid file.
/// A pid file naming anything else is stale (dockerd refuses to start
/// while its pid file names a live process) and is removed.
pub async fn reap_leftover(pid_file: &Path, marker: &str, grace: Duration) {
    let Ok(text) = tokio::fs::read_to_string(pid_file).await else { return };
    let pid = text.trim().parse::<i32>().ok().filter(|pid| *pid > 1 && *pid as u32 != std::process::id());
    let ours = match pid {
        Some(pid) => tokio::fs::read(format!("/proc/{pid}/cmdline"))
            .await
            .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(marker)),
        None => false,
    };
    if let (Some(pid), true) = (pid, ours) {
        tracing::warn!(pid, pid_file = %pid_file.display(), "stopping an engine left behind by a previous service run");
        let target = Pid::from_raw(pid);
        let _ = kill(target, Signal::SIGTERM);
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline && running(pid) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if running(pid) {
            let _ = killpg(target, Signal::SIGKILL);
            let _ = kill(target, Signal::SIGKILL);
        }
    }
    if let Err(error) = tokio::fs::remove_file(pid_file).await {
        tracing::debug!(pid_file = %pid_file.display(), %error, "could not remove a stale pid file");
    }
}

/// Whether `pid` is a live process: exists and is not a zombie (an exited
/// process whose parent has not reaped it yet).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command name, which is in parentheses and
        // may itself contain spaces or parentheses.
        stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn tail_keeps_the_last_lines_of_this_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "old run\n").unwrap();
        let offset = std::fs::metadata(&path).unwrap().len();
        let body: String = (1..=15).map(|i| format!("line {i}\n\n")).collect();
        std::fs::write(&path, format!("old run\n{body}")).unwrap();
        let tail = read_tail(&path, offset);
        assert_eq!(tail.lines().count(), TAIL_LINES);
        assert!(tail.starts_with("line 6\n") && tail.ends_with("line 15"), "{tail}");
        assert_eq!(read_tail(&path, std::fs::metadata(&path).unwrap().len()), "(no output)");
    }

    #[test]
    fn running_sees_this_process_and_not_a_missing_one() {
        assert!(running(std::process::id() as i32));
        assert!(!running(i32::MAX));
    }

    #[test]
    fn exits_are_described() {
        assert_eq!(describe_exit(ExitStatus::from_raw(1 << 8)), "exit status 1");
        assert_eq!(describe_exit(ExitStatus::from_raw(9)), "killed by signal 9 (SIGKILL)");
    }
}
