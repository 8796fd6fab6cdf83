//! The life cycle of an instance's background service (SPEC §3.1): is it
//! running (the pid file's lock says so), start it detached (own session
//! and process group, logs to `log_dir`, rotated) and wait until `/readyz`
//! answers 200, stop it with SIGTERM and wait until it is gone. Every
//! client command goes through [`Service::ensure_running`].

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rdd_api::instance::{Environment, Instance, Paths};
use rdd_apiserver::server::pidfile::{self, PidState};

use super::client::ReadyProbe;
use super::logs;
use crate::CommandError;
use crate::duration::format_duration;

/// The readiness wait of `svc start` and of every auto-start.
pub const START_TIMEOUT: Duration = Duration::from_secs(90);
/// The default wait of `svc stop` (graceful shutdown stops a managed
/// engine, which can take a while).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);

const POLL_FIRST: Duration = Duration::from_millis(10);
const POLL_CAP: Duration = Duration::from_millis(200);

/// Whether the service runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Stopped,
    /// The pid is `None` for the instant between the service taking its
    /// pid file and writing it.
    Running {
        pid: Option<u32>,
    },
}

/// What `start` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartOutcome {
    AlreadyRunning { pid: Option<u32> },
    Started { pid: u32 },
}

/// What `stop` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopOutcome {
    AlreadyStopped,
    /// Signalled, not waited for.
    Signalled {
        pid: u32,
    },
    Stopped {
        pid: u32,
    },
}

/// One instance's service, seen from a client process.
#[derive(Clone, Debug)]
pub struct Service {
    instance: Instance,
    env: Environment,
    paths: Paths,
    program: PathBuf,
}

/// Sleeps for the poll delay, or fails with exit 130 on Ctrl-C.
async fn pause(delay: &mut Duration) -> Result<(), CommandError> {
    tokio::select! {
        () = tokio::time::sleep(*delay) => {}
        _ = tokio::signal::ctrl_c() => return Err(CommandError::interrupted()),
    }
    *delay = (*delay * 2).min(POLL_CAP);
    Ok(())
}

impl Service {
    /// The service of `instance` with the files `env` places, started
    /// (when needed) from this very executable.
    pub fn new(instance: Instance, env: Environment) -> Result<Service, CommandError> {
        let program = std::env::current_exe().map_err(|err| {
            CommandError::failure(format!("cannot find the rdd executable to start the service: {err}"))
        })?;
        let paths = Paths::new(&instance, &env);
        Ok(Service { instance, env, paths, program })
    }

    /// Starts the service from another `rdd` executable (tests).
    pub fn with_program(mut self, program: PathBuf) -> Service {
        self.program = program;
        self
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn state(&self) -> Result<State, CommandError> {
        match pidfile::probe(&self.paths.pid_file) {
            Ok(PidState::NotRunning) => Ok(State::Stopped),
            Ok(PidState::Running(pid)) => Ok(State::Running { pid }),
            Err(err) => {
                Err(CommandError::failure(format!("cannot read the pid file {}: {err}", self.paths.pid_file.display())))
            }
        }
    }

    /// Makes sure the service runs and is ready, starting it when needed;
    /// `timeout` caps the wait (exit 4 beyond it).
    pub async fn ensure_running(&self, timeout: Duration) -> Result<(), CommandError> {
        self.start(Some(timeout)).await.map(|_| ())
    }

    /// Starts the service unless it runs; with `wait`, waits (at most that
    /// long) until it is ready, whether this call started it or not.
    pub async fn start(&self, wait: Option<Duration>) -> Result<StartOutcome, CommandError> {
        if let State::Running { pid } = self.state()? {
            if let Some(timeout) = wait {
                self.wait_ready(Instant::now() + timeout, timeout, None).await?;
            }
            return Ok(StartOutcome::AlreadyRunning { pid });
        }
        tracing::info!(instance = %self.instance, "starting the rdd service");
        let child = self.spawn()?;
        let pid = child.id();
        match wait {
            Some(timeout) => self.wait_ready(Instant::now() + timeout, timeout, Some(child)).await?,
            None => reap_later(child),
        }
        Ok(StartOutcome::Started { pid })
    }

    /// `rdd --instance S svc serve`, detached: its own session (no
    /// terminal signals reach it), stdin closed, output to the rotated
    /// log files. The child gets the variables that place the instance's
    /// files from this service's environment, so both sides always agree
    /// on the paths.
    fn spawn(&self) -> Result<Child, CommandError> {
        let (stdout, stderr) = logs::open_fresh(&self.paths)?;
        let mut command = std::process::Command::new(&self.program);
        command
            // A multi-call link (`kubectl`) must not decide what the child is.
            .arg0("rdd")
            .arg("--instance")
            .arg(self.instance.suffix())
            .args(["svc", "serve"])
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .env("HOME", &self.env.home);
        for (name, value) in [
            ("XDG_DATA_HOME", &self.env.xdg_data_home),
            ("XDG_STATE_HOME", &self.env.xdg_state_home),
            ("RDD_LOG_DIR", &self.env.rdd_log_dir),
        ] {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        // SAFETY: setsid() is async-signal-safe and touches no memory of
        // the parent, as required between fork and exec.
        unsafe {
            command.pre_exec(|| nix::unistd::setsid().map(|_| ()).map_err(std::io::Error::from));
        }
        command
            .spawn()
            .map_err(|err| CommandError::failure(format!("cannot start `{} svc serve`: {err}", self.program.display())))
    }

    /// Waits until `/readyz` answers 200. With the `child` this call
    /// started, its early exit is an error carrying the log's last lines,
    /// unless another service process took over the instance meanwhile (two
    /// clients auto-starting at once): then that one is waited for.
    async fn wait_ready(
        &self,
        deadline: Instant,
        timeout: Duration,
        mut child: Option<Child>,
    ) -> Result<(), CommandError> {
        let mut probe = ReadyProbe::default();
        let mut delay = POLL_FIRST;
        loop {
            if probe.check(&self.paths.config).await {
                if let Some(child) = child {
                    reap_later(child);
                }
                return Ok(());
            }
            let exited = match child.as_mut() {
                Some(process) => process
                    .try_wait()
                    .map_err(|err| CommandError::failure(format!("waiting for the service process: {err}")))?,
                None => None,
            };
            if let Some(status) = exited {
                child = None;
                if self.state()? == State::Stopped {
                    let log = logs::stderr_log(&self.paths);
                    return Err(CommandError::failure(format!(
                        "the rdd service of instance {} exited ({status}) before it was ready; last lines of {}:\n{}",
                        self.instance,
                        log.display(),
                        logs::tail(&log, 10)
                    )));
                }
            } else if child.is_none() && self.state()? == State::Stopped {
                return Err(CommandError::failure(format!(
                    "the rdd service of instance {} stopped before it was ready; see `rdd svc logs`",
                    self.instance
                )));
            }
            if Instant::now() >= deadline {
                if let Some(child) = child {
                    reap_later(child);
                }
                return Err(CommandError::deadline_exceeded(format!(
                    "the rdd service of instance {} was not ready within {} ({}); it keeps starting in the background: see `rdd svc logs`",
                    self.instance,
                    format_duration(timeout),
                    probe.last_error.as_deref().unwrap_or("no answer")
                )));
            }
            pause(&mut delay).await?;
        }
    }

    /// Sends SIGTERM (graceful shutdown); with `wait`, waits that long for
    /// the process to end (exit 4 beyond it).
    pub async fn stop(&self, wait: Option<Duration>) -> Result<StopOutcome, CommandError> {
        let started = Instant::now();
        let mut delay = POLL_FIRST;
        let pid = loop {
            match self.state()? {
                State::Stopped => return Ok(StopOutcome::AlreadyStopped),
                State::Running { pid: Some(pid) } => break pid,
                // The service is writing its pid: it will in a moment.
                State::Running { pid: None } if started.elapsed() < Duration::from_secs(2) => pause(&mut delay).await?,
                State::Running { pid: None } => {
                    return Err(CommandError::failure(format!(
                        "the pid file {} is locked but holds no pid; is a service starting?",
                        self.paths.pid_file.display()
                    )));
                }
            }
        };
        let Ok(raw) = i32::try_from(pid) else {
            return Err(CommandError::failure(format!(
                "the pid file {} holds an invalid pid {pid}",
                self.paths.pid_file.display()
            )));
        };
        // Never signal init or a process group by accident.
        if raw <= 1 {
            return Err(CommandError::failure(format!(
                "the pid file {} holds an invalid pid {pid}",
                self.paths.pid_file.display()
            )));
        }
        match kill(Pid::from_raw(raw), Signal::SIGTERM) {
            Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
            Err(err) => return Err(CommandError::failure(format!("cannot signal the rdd service (pid {pid}): {err}"))),
        }
        tracing::info!(instance = %self.instance, pid, "sent SIGTERM to the rdd service");
        let Some(timeout) = wait else { return Ok(StopOutcome::Signalled { pid }) };
        let deadline = Instant::now() + timeout;
        let mut delay = POLL_FIRST;
        while self.state()? != State::Stopped {
            if Instant::now() >= deadline {
                return Err(CommandError::deadline_exceeded(format!(
                    "the rdd service of instance {} (pid {pid}) did not stop within {}; it may still be shutting down (`kill -9 {pid}` ends it at once)",
                    self.instance,
                    format_duration(timeout)
                )));
            }
            pause(&mut delay).await?;
        }
        Ok(StopOutcome::Stopped { pid })
    }
}

/// Collects the exit status of a started service whenever it ends, so a
/// long-lived client does not keep a zombie; the thread dies with a
/// short-lived one.
fn reap_later(mut child: Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}
