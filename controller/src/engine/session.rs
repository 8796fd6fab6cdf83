//! One mirror session: the life of a connection to one Docker host while
//! the App wants mirroring. Start-up in the order of SPEC §6.2, the event
//! loop with the per-object retry queue (§6.4) feeding a bounded pool of
//! handlers (one at a time per object: `lanes`), periodic resync (§6.3),
//! reconnect with a full sync in place when the event stream breaks (same
//! objects, so same UIDs and no DELETED events for survivors), and handlers
//! run in their own tokio task so a panic is a failed attempt, not a dead
//! loop (seed r2 S3).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use rdd_api::jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio::task::{self, JoinHandle, JoinSet};
use tokio::time::Instant;

use super::docker::{DockerConnector, DockerSource};
use super::error::{DockerError, WorkError};
use super::events::work_for_event;
use super::handlers::{Handlers, Outcome};
use super::lanes::Busy;
use super::metrics::Metrics;
use super::queue::{Backoff, Pushed, RetryQueue, Work};
use super::store::MirrorStore;

/// Where a session is, as the App's ContainerEngineReady shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// Trying to (re)connect; the message says what the last attempt hit.
    Connecting(String),
    /// Retrying for longer than the give-up window; still retrying.
    ConnectFailed(String),
    /// Synced and following events.
    Connected,
}

/// Knobs of a session.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// Docker host URL.
    pub host: String,
    pub resync_period: Duration,
    /// Handlers running at once per pool (each kind's Docker work, and the
    /// work that only writes to Kubernetes: see `lanes::Pool`), one per
    /// object at a time; and the inspects and writes inside a full sync.
    pub concurrency: usize,
    /// How long one connect attempt retries before the state says
    /// ConnectFailed (SPEC §6.1: at least 20 s).
    pub connect_give_up: Duration,
    pub connect_backoff: Backoff,
    /// Backoff of failed work.
    pub retry_backoff: Backoff,
    /// Most distinct objects waiting in the queue; beyond it, a full sync.
    pub queue_capacity: usize,
    pub metrics: Arc<Metrics>,
}

impl SessionConfig {
    pub fn new(host: impl Into<String>, resync_period: Duration) -> Self {
        SessionConfig {
            host: host.into(),
            resync_period,
            concurrency: 32,
            connect_give_up: Duration::from_secs(20),
            // The cap bounds how long the mirrors lag behind a dockerd that
            // came back: SPEC §12 wants them converged within 5 s, and a
            // 5 s cap plus a full sync could miss that.
            connect_backoff: Backoff { initial: Duration::from_millis(250), max: Duration::from_secs(2) },
            retry_backoff: Backoff { initial: Duration::from_millis(500), max: Duration::from_secs(60) },
            queue_capacity: 10_000,
            metrics: Arc::default(),
        }
    }
}

/// A running session.
pub struct Session {
    pub host: String,
    state: watch::Receiver<SessionState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Session {
    pub fn start<C: DockerConnector, S: MirrorStore>(connector: Arc<C>, store: Arc<S>, config: SessionConfig) -> Self {
        let (state_tx, state) =
            watch::channel(SessionState::Connecting(format!("connecting to Docker at {}", config.host)));
        let (stop, stop_rx) = watch::channel(false);
        let host = config.host.clone();
        let task = tokio::spawn(run(connector, store, config, state_tx, stop_rx));
        Session { host, state, stop, task }
    }

    pub fn state(&self) -> SessionState {
        self.state.borrow().clone()
    }

    /// Changes of [`Session::state`].
    pub fn subscribe(&self) -> watch::Receiver<SessionState> {
        self.state.clone()
    }

    /// Stops the session and waits until its handlers are gone, so that a
    /// sweep after this cannot race a late write.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await
            && e.is_panic()
        {
            tracing::error!(host = %self.host, "mirror session panicked while stopping");
        }
    }
}

enum Ended {
    Stopped,
    Lost(String),
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A dropped sender also means stop.
    let _ = stop.wait_for(|s| *s).await;
}

/// Docker's `since` from the daemon's clock (seed r2 I3), else the host's
/// minus two minutes to cover skew.
pub fn events_since(daemon_time: Option<&str>) -> String {
    let at = daemon_time
        .and_then(|t| t.parse::<Timestamp>().ok())
        .unwrap_or_else(|| Timestamp::now() - SignedDuration::from_secs(120));
    format!("{}.{:09}", at.as_second(), at.subsec_nanosecond().max(0))
}

async fn run<C: DockerConnector, S: MirrorStore>(
    connector: Arc<C>,
    store: Arc<S>,
    config: SessionConfig,
    state: watch::Sender<SessionState>,
    mut stop: watch::Receiver<bool>,
) {
    let mut queue = RetryQueue::new(config.queue_capacity, config.retry_backoff);
    let mut changes = store.changes();
    loop {
        let connected = tokio::select! {
            biased;
            _ = stopped(&mut stop) => return,
            c = connect(&*connector, &store, &config, &state, &mut queue) => c,
        };
        let (docker, events) = connected;
        tracing::info!(host = %config.host, namespace = store.namespace(), "mirroring Docker");
        state.send_replace(SessionState::Connected);
        let handlers = Arc::new(Handlers::new(docker, store.clone(), config.concurrency));
        match serve(&handlers, events, &mut changes, &config, &mut queue, &mut stop).await {
            Ended::Stopped => return,
            Ended::Lost(why) => {
                config.metrics.watcher_restarts.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(host = %config.host, error = %why, "lost Docker's event stream; reconnecting and re-syncing in place");
                state.send_replace(SessionState::Connecting(format!(
                    "reconnecting to Docker at {}: {why}",
                    config.host
                )));
            }
        }
    }
}

/// Retries [`start_up`] with backoff until it succeeds; the state turns
/// ConnectFailed once the give-up window has passed, and retrying goes on.
async fn connect<C: DockerConnector, S: MirrorStore>(
    connector: &C,
    store: &Arc<S>,
    config: &SessionConfig,
    state: &watch::Sender<SessionState>,
    queue: &mut RetryQueue,
) -> (Arc<C::Source>, BoxStream<'static, Result<bollard::models::EventMessage, DockerError>>) {
    let began = Instant::now();
    let mut attempt = 0u32;
    loop {
        match start_up(connector, store, config, queue).await {
            Ok(connected) => return connected,
            Err(why) => {
                attempt += 1;
                let message = format!("cannot connect to Docker at {}: {why}", config.host);
                if began.elapsed() >= config.connect_give_up {
                    tracing::warn!(host = %config.host, attempt, error = %why, "still cannot connect to Docker");
                    state.send_replace(SessionState::ConnectFailed(message));
                } else {
                    tracing::debug!(host = %config.host, attempt, error = %why, "cannot connect to Docker yet");
                    state.send_replace(SessionState::Connecting(message));
                }
                tokio::time::sleep(config.connect_backoff.delay(attempt)).await;
            }
        }
    }
}

/// SPEC §6.2: ping; `Since` from the daemon clock, before the snapshot;
/// namespace and ContainerNamespace; full sync; subscribe from `Since`.
async fn start_up<C: DockerConnector, S: MirrorStore>(
    connector: &C,
    store: &Arc<S>,
    config: &SessionConfig,
    queue: &mut RetryQueue,
) -> Result<(Arc<C::Source>, BoxStream<'static, Result<bollard::models::EventMessage, DockerError>>), String> {
    const CALL_TIMEOUT: Duration = Duration::from_secs(10);
    let docker = tokio::time::timeout(CALL_TIMEOUT, async {
        let docker = connector.connect(&config.host).await?;
        docker.ping().await?;
        Ok::<_, DockerError>(docker)
    })
    .await
    .map_err(|_| format!("no answer within {}s", CALL_TIMEOUT.as_secs()))?
    .map_err(|e| e.to_string())?;
    let clock = match tokio::time::timeout(CALL_TIMEOUT, docker.system_time()).await {
        Ok(Ok(clock)) => clock,
        Ok(Err(e)) => {
            tracing::warn!(host = %config.host, error = %e, "cannot read the daemon clock; using the host's minus 2 minutes");
            None
        }
        Err(_) => None,
    };
    let since = events_since(clock.as_deref());
    store.ensure_namespace().await.map_err(|e| e.to_string())?;
    store.ensure_container_namespace().await.map_err(|e| e.to_string())?;
    let docker = Arc::new(docker);
    let handlers = Handlers::new(docker.clone(), store.clone(), config.concurrency);
    let started = Instant::now();
    let outcome = handlers.full_sync().await.map_err(|e| format!("full sync failed: {e}"))?;
    config.metrics.sync_duration.observe(started.elapsed());
    tracing::info!(host = %config.host, elapsed_ms = started.elapsed().as_millis() as u64, failed = outcome.failed.len(), "full sync done");
    absorb(queue, outcome, &config.metrics);
    let events = docker.events(&since);
    Ok((docker, events))
}

fn push(queue: &mut RetryQueue, work: Work) {
    if queue.push(work) == Pushed::Full {
        tracing::warn!("work queue full; falling back to a full sync");
        queue.push(Work::FullSync);
    }
}

fn absorb(queue: &mut RetryQueue, outcome: Outcome, metrics: &Metrics) {
    for work in outcome.follow_up {
        push(queue, work);
    }
    let now = Instant::now();
    for work in outcome.failed {
        metrics.retries.fetch_add(1, Ordering::Relaxed);
        queue.retry(work, now);
    }
}

/// When the oldest Docker event behind each queued work happened (ns since
/// the epoch), for the mirror lag histogram.
type EventTimes = HashMap<Work, i64>;

/// What a handler task returns, and what joining it yields.
type Joined = Result<(task::Id, Result<Outcome, WorkError>), task::JoinError>;

/// The handlers running now, each in its own task so a panic is a failed
/// attempt, not a dead loop (seed r2 S3): the work, when it started, and
/// the oldest Docker event behind it.
struct Running<D, S> {
    handlers: Arc<Handlers<D, S>>,
    tasks: JoinSet<Result<Outcome, WorkError>>,
    works: HashMap<task::Id, (Work, Instant, Option<i64>)>,
    busy: Busy,
}

impl<D: DockerSource, S: MirrorStore> Running<D, S> {
    fn new(handlers: &Arc<Handlers<D, S>>) -> Self {
        Running { handlers: handlers.clone(), tasks: JoinSet::new(), works: HashMap::new(), busy: Busy::default() }
    }

    /// Starts due work while its pool has a free worker (`workers` per
    /// pool) and its lane is free; a full sync waiting in line holds back
    /// everything else until it has run.
    fn fill(&mut self, queue: &mut RetryQueue, workers: usize, event_times: &mut EventTimes) {
        loop {
            let barrier = queue.full_sync_ready();
            let busy = &self.busy;
            let Some(work) =
                queue.pop_where(Instant::now(), |w| busy.may_start(w, workers) && (!barrier || *w == Work::FullSync))
            else {
                break;
            };
            let at = event_times.remove(&work);
            self.busy.take(&work);
            let h = self.handlers.clone();
            let w = work.clone();
            let id = self.tasks.spawn(async move { h.handle(&w).await }).id();
            self.works.insert(id, (work, Instant::now(), at));
        }
    }

    /// Books a finished handler: metrics and follow-up work on success, a
    /// retry with backoff on an error or a panic.
    fn finish(&mut self, joined: Joined, queue: &mut RetryQueue, metrics: &Metrics, event_times: &mut EventTimes) {
        let id = match &joined {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let Some((work, started, at)) = self.works.remove(&id) else { return };
        self.busy.release(&work);
        let failure = match joined {
            Ok((_, Ok(outcome))) => {
                if work == Work::FullSync {
                    metrics.sync_duration.observe(started.elapsed());
                }
                let lag = at.map(|at| {
                    let lag_ns = Timestamp::now().as_nanosecond().saturating_sub(i128::from(at));
                    Duration::from_nanos(u64::try_from(lag_ns.max(0)).unwrap_or(u64::MAX))
                });
                if let Some(lag) = lag {
                    metrics.mirror_lag.observe(lag);
                }
                tracing::debug!(
                    work = ?work,
                    ran_ms = started.elapsed().as_millis() as u64,
                    lag_ms = lag.map(|l| l.as_millis() as u64),
                    "work done"
                );
                queue.succeeded(&work);
                absorb(queue, outcome, metrics);
                return;
            }
            Ok((_, Err(e))) => format!("work failed: {e}"),
            Err(e) if e.is_panic() => "handler panicked".to_owned(),
            Err(_) => "handler task was cancelled".to_owned(),
        };
        metrics.retries.fetch_add(1, Ordering::Relaxed);
        if let Some(at) = at {
            // The retry still stands for that event (keep the oldest time).
            let slot = event_times.entry(work.clone()).or_insert(at);
            *slot = (*slot).min(at);
        }
        let (delay, attempt) = queue.retry(work.clone(), Instant::now());
        tracing::warn!(work = ?work, attempt, retry_in_ms = delay.as_millis() as u64, error = %failure, "will retry");
    }

    /// Waits for every running handler, booking each; `false` when the
    /// session was stopped meanwhile (the rest are aborted and awaited).
    async fn drain(
        &mut self,
        queue: &mut RetryQueue,
        metrics: &Metrics,
        event_times: &mut EventTimes,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        while !self.tasks.is_empty() {
            tokio::select! {
                biased;
                _ = stopped(stop) => {
                    self.tasks.shutdown().await;
                    return false;
                }
                Some(joined) = self.tasks.join_next_with_id() => self.finish(joined, queue, metrics, event_times),
            }
        }
        true
    }
}

async fn serve<D: DockerSource, S: MirrorStore>(
    handlers: &Arc<Handlers<D, S>>,
    mut events: BoxStream<'static, Result<bollard::models::EventMessage, DockerError>>,
    changes: &mut BoxStream<'static, Work>,
    config: &SessionConfig,
    queue: &mut RetryQueue,
    stop: &mut watch::Receiver<bool>,
) -> Ended {
    let period = config.resync_period.max(Duration::from_secs(1));
    let workers = config.concurrency.max(1);
    let mut event_times = EventTimes::new();
    let mut running = Running::new(handlers);
    let mut resync = tokio::time::interval_at(Instant::now() + period, period);
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ended = loop {
        running.fill(queue, workers, &mut event_times);
        let due = queue.next_retry();
        tokio::select! {
            biased;
            _ = stopped(stop) => break Ended::Stopped,
            Some(joined) = running.tasks.join_next_with_id(), if !running.tasks.is_empty() => {
                running.finish(joined, queue, &config.metrics, &mut event_times);
            }
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if let Some(work) = work_for_event(&event) {
                        config.metrics.events_processed.fetch_add(1, Ordering::Relaxed);
                        if let Some(at) = event.time_nano.or(event.time.map(|s| s.saturating_mul(1_000_000_000))) {
                            event_times.entry(work.clone()).or_insert(at);
                        }
                        push(queue, work);
                    }
                }
                Some(Err(e)) => break Ended::Lost(e.to_string()),
                None => break Ended::Lost("Docker closed the event stream".to_owned()),
            },
            Some(work) = changes.next() => push(queue, work),
            _ = resync.tick() => push(queue, Work::FullSync),
            _ = async { tokio::time::sleep_until(due.unwrap_or_else(Instant::now)).await }, if due.is_some() => {}
        }
    };
    match ended {
        Ended::Stopped => {
            running.tasks.shutdown().await;
            Ended::Stopped
        }
        // Let the running handlers finish (their failures are retried after
        // the reconnect) so that none overlaps the re-sync.
        Ended::Lost(why) => {
            if running.drain(queue, &config.metrics, &mut event_times, stop).await {
                Ended::Lost(why)
            } else {
                Ended::Stopped
            }
        }
    }
}
