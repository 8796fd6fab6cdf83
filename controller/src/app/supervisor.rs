//! The engine supervisor: one task that owns the engine and moves it toward
//! the desired settings it is handed (start, stop, restart on new
//! settings, restart with capped backoff after an unexpected exit), and
//! publishes what it is doing, tagged with the desired state (and so the
//! App generation) it acted on. It acknowledges a new generation at once,
//! even in the middle of a start or stop, so that conditions are never
//! stamped behind the spec for longer than it takes to notice.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::options::human_duration;
use super::provider::EngineProcess;
use super::settings::EngineSettings;

/// First delay before restarting an engine that failed; doubles each time.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Longest delay between restarts.
const BACKOFF_CAP: Duration = Duration::from_secs(60);
/// An engine that ran this long before exiting starts over at the base delay.
const STABLE_RUN: Duration = Duration::from_secs(60);

/// What the engine should be: `engine: None` means stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    /// The App generation this came from.
    pub generation: i64,
    pub engine: Option<EngineSettings>,
}

/// Where the supervisor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Stopped,
    Starting,
    Running,
    Stopping,
    /// A start failed or the engine exited; a retry is scheduled.
    StartFailed,
    /// The engine had to be killed; it is gone.
    StopFailed,
}

/// What the supervisor reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// The desired state this phase is about.
    pub desired: Desired,
    pub phase: Phase,
    /// The user-facing explanation of the phase.
    pub message: String,
}

impl Default for Observed {
    fn default() -> Self {
        Observed { desired: Desired::default(), phase: Phase::Stopped, message: STOPPED_MESSAGE.to_owned() }
    }
}

const STOPPED_MESSAGE: &str = "no engine is running";

/// Makes the engine for a set of settings.
pub type EngineFactory = Box<dyn Fn(&EngineSettings) -> Box<dyn EngineProcess> + Send>;

/// The caller's side of a running supervisor.
pub struct SupervisorHandle {
    desired: watch::Sender<Desired>,
    observed: watch::Receiver<Observed>,
    task: JoinHandle<()>,
}

impl SupervisorHandle {
    /// Starts the supervisor task. It stops the engine and ends when
    /// `shutdown` becomes true (or its sender, or this handle, is dropped).
    pub fn spawn(factory: EngineFactory, shutdown: watch::Receiver<bool>) -> Self {
        let (desired, desired_rx) = watch::channel(Desired::default());
        let (observed_tx, observed) = watch::channel(Observed::default());
        let supervisor = Supervisor {
            factory,
            desired: desired_rx,
            observed: observed_tx,
            shutdown,
            current: None,
            failures: 0,
            stop_failure: None,
            closing: false,
        };
        SupervisorHandle { desired, observed, task: tokio::spawn(supervisor.run()) }
    }

    /// Hands the supervisor a new desired state (ignored when unchanged).
    pub fn set(&self, desired: Desired) {
        self.desired.send_if_modified(|current| {
            let changed = *current != desired;
            *current = desired;
            changed
        });
    }

    /// A receiver of the supervisor's reports.
    pub fn observed(&self) -> watch::Receiver<Observed> {
        self.observed.clone()
    }

    /// The report once it is about `desired`, or the latest one after `wait`.
    pub async fn acknowledged(&self, desired: &Desired, wait: Duration) -> Observed {
        let mut rx = self.observed.clone();
        let acknowledged = match tokio::time::timeout(wait, rx.wait_for(|o| o.desired == *desired)).await {
            Ok(Ok(observed)) => Some(observed.clone()),
            _ => None,
        };
        acknowledged.unwrap_or_else(|| rx.borrow().clone())
    }

    /// Waits for the task to end (after shutdown); `Err` if it panicked.
    pub async fn join(self) -> Result<Observed, String> {
        let observed = self.observed.clone();
        drop(self.desired);
        self.task.await.map_err(|e| e.to_string())?;
        Ok(observed.borrow().clone())
    }
}

struct Supervisor {
    factory: EngineFactory,
    desired: watch::Receiver<Desired>,
    observed: watch::Sender<Observed>,
    shutdown: watch::Receiver<bool>,
    /// The started engine and the settings it runs with.
    current: Option<(EngineSettings, Box<dyn EngineProcess>, Instant)>,
    /// Failed starts/exits in a row, for the backoff.
    failures: u32,
    /// A failed stop, shown until the next generation.
    stop_failure: Option<(i64, String)>,
    closing: bool,
}

/// What ended a wait.
enum Wake {
    Desired,
    Closing,
}

impl Supervisor {
    async fn run(mut self) {
        loop {
            if self.closing || *self.shutdown.borrow() {
                self.shut_down().await;
                return;
            }
            let desired = self.desired.borrow_and_update().clone();
            let current = self.current.as_ref().map(|(settings, _, _)| settings.clone());
            match (&desired.engine, current) {
                (None, None) => {
                    match &self.stop_failure {
                        Some((generation, message)) if *generation == desired.generation => {
                            let message = message.clone();
                            self.publish(&desired, Phase::StopFailed, message)
                        }
                        _ => self.publish(&desired, Phase::Stopped, STOPPED_MESSAGE.to_owned()),
                    }
                    self.wait_for_change().await;
                }
                (Some(wanted), Some(running)) if *wanted == running => self.watch_running(&desired).await,
                (_, Some(_)) => self.stop_current(&desired).await,
                (Some(wanted), None) => {
                    let wanted = wanted.clone();
                    self.start(&desired, &wanted).await;
                }
            }
        }
    }

    fn publish(&self, desired: &Desired, phase: Phase, message: String) {
        let report = Observed { desired: desired.clone(), phase, message };
        self.observed.send_if_modified(|current| {
            if *current == report {
                return false;
            }
            tracing::debug!(generation = report.desired.generation, phase = ?report.phase, message = %report.message, "engine supervisor");
            *current = report;
            true
        });
    }

    /// Re-publishes the current phase for a new desired state.
    fn acknowledge(&self, desired: &Desired) {
        let (phase, message) = {
            let current = self.observed.borrow();
            (current.phase, current.message.clone())
        };
        self.publish(desired, phase, message);
    }

    /// Waits for a new desired state or shutdown.
    async fn wait_for_change(&mut self) -> Wake {
        tokio::select! {
            changed = self.desired.changed() => match changed {
                Ok(()) => Wake::Desired,
                Err(_) => { self.closing = true; Wake::Closing }
            },
            _ = self.shutdown.wait_for(|stop| *stop) => { self.closing = true; Wake::Closing }
        }
    }

    async fn watch_running(&mut self, desired: &Desired) {
        let Some((_, engine, started_at)) = self.current.as_ref() else { return };
        let (message, started_at) = (format!("{} answers", engine.describe()), *started_at);
        self.publish(desired, Phase::Running, message);
        let cause = {
            let Some((_, engine, _)) = self.current.as_mut() else { return };
            tokio::select! {
                cause = engine.exited() => cause,
                changed = self.desired.changed() => {
                    if changed.is_err() { self.closing = true; }
                    return;
                }
                _ = self.shutdown.wait_for(|stop| *stop) => { self.closing = true; return; }
            }
        };
        tracing::warn!(%cause, "engine exited while wanted; restarting with backoff");
        self.current = None;
        if started_at.elapsed() >= STABLE_RUN {
            self.failures = 0;
        }
        self.fail_and_back_off(desired, cause, "restarting").await;
    }

    /// Reports StartFailed, then waits out the backoff (a new generation
    /// from the user cuts it short: they asked again, so retry now).
    async fn fail_and_back_off(&mut self, desired: &Desired, cause: String, verb: &str) {
        let delay = backoff(self.failures);
        self.failures = self.failures.saturating_add(1);
        let separator = if cause.contains('\n') { "\n" } else { " " };
        let message = format!("{cause}{separator}({verb} in {})", human_duration(delay));
        self.publish(desired, Phase::StartFailed, message);
        let deadline = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                wake = self.wait_for_change() => match wake {
                    Wake::Closing => return,
                    Wake::Desired => {
                        let now = self.desired.borrow().clone();
                        if now.engine != desired.engine || now.generation != desired.generation {
                            self.failures = 0;
                            return;
                        }
                    }
                },
            }
        }
    }

    async fn start(&mut self, desired: &Desired, settings: &EngineSettings) {
        let mut desired = desired.clone();
        let mut engine = (self.factory)(settings);
        self.publish(&desired, Phase::Starting, format!("starting {}", engine.describe()));
        let result = {
            let mut start = engine.start();
            loop {
                tokio::select! {
                    result = &mut start => break Some(result),
                    wake = self.wait_for_change() => {
                        if matches!(wake, Wake::Closing) { break None; }
                        let now = self.desired.borrow_and_update().clone();
                        if now.engine.as_ref() != Some(settings) { break None; }
                        self.acknowledge(&now);
                        desired = now;
                    }
                }
            }
        };
        match result {
            Some(Ok(())) => {
                self.current = Some((settings.clone(), engine, Instant::now()));
            }
            Some(Err(error)) => {
                tracing::warn!(engine = %engine.describe(), %error, "engine did not start");
                self.fail_and_back_off(&desired, error.to_string(), "retrying").await;
            }
            None => {
                // Settings changed or the service stops: undo the half start.
                if let Err(error) = engine.stop().await {
                    tracing::warn!(engine = %engine.describe(), %error, "stopping an engine abandoned mid-start");
                }
            }
        }
    }

    async fn stop_current(&mut self, desired: &Desired) {
        let Some((_, mut engine, _)) = self.current.take() else { return };
        let mut desired = desired.clone();
        self.publish(&desired, Phase::Stopping, format!("stopping {}", engine.describe()));
        let result = {
            let mut stop = engine.stop();
            loop {
                tokio::select! {
                    result = &mut stop => break result,
                    wake = self.wait_for_change() => {
                        // A stop always runs to the end; meanwhile newer
                        // generations are acknowledged as still Stopping.
                        if matches!(wake, Wake::Desired) {
                            let now = self.desired.borrow_and_update().clone();
                            self.acknowledge(&now);
                            desired = now;
                        }
                    }
                }
            }
        };
        self.failures = 0;
        match result {
            Ok(()) => self.stop_failure = None,
            Err(error) => {
                tracing::warn!(engine = %engine.describe(), %error, "engine did not stop in time");
                let message = error.to_string();
                self.stop_failure = Some((desired.generation, message.clone()));
                self.publish(&desired, Phase::StopFailed, message);
            }
        }
    }

    async fn shut_down(&mut self) {
        let desired = self.desired.borrow().clone();
        if let Some((_, mut engine, _)) = self.current.take() {
            self.publish(&desired, Phase::Stopping, format!("the service is stopping: stopping {}", engine.describe()));
            if let Err(error) = engine.stop().await {
                tracing::warn!(engine = %engine.describe(), %error, "engine did not stop in time at shutdown");
                self.publish(&desired, Phase::StopFailed, error.to_string());
                return;
            }
        }
        self.publish(&desired, Phase::Stopped, STOPPED_MESSAGE.to_owned());
    }
}

/// The delay after `failures` failures in a row: 1s, 2s, 4s, … 60s.
fn backoff(failures: u32) -> Duration {
    BACKOFF_BASE.saturating_mul(1 << failures.min(6)).min(BACKOFF_CAP)
}

#[cfg(test)]
#[path = "supervisor_tests.rs"]
mod tests;
