//! The engine controller's main loop (SPEC §6.1): watches the App, starts
//! and stops the mirror session, sweeps on the transition out of
//! mirroring, and keeps ContainerEngineReady current, re-stamped with the
//! App's generation on every reconcile (seed r5 C1).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::PostParams;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, watcher};
use kube::{Api, Client};
use rdd_api::App;
use rdd_api::app::condition::CONTAINER_ENGINE_READY;
use rdd_api::app::{APP_NAME, DEFAULT_MIRROR_NAMESPACE};
use rdd_api::conditions::{ConditionStatus, DesiredCondition, upsert_condition};
use rdd_api::jiff::Timestamp;
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use tokio::sync::watch;

use super::docker::DockerConnector;
use super::error::EngineError;
use super::kube_store::KubeStore;
use super::metrics::Metrics;
use super::reconcile::{Want, holding_condition, mirroring_condition, want};
use super::session::{Session, SessionConfig, SessionState};
use super::store::MirrorStore;

/// How the engine controller finds Docker and how it paces itself.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// `--docker-host`: overrides whatever the App says.
    pub docker_host: Option<String>,
    /// The managed engine's socket of this instance (e.g.
    /// `unix:///home/u/.rd2/docker.sock`), used when the App's provider is
    /// `managed` and no `docker_host` is given.
    pub managed_docker_host: Option<String>,
    /// `--namespace`: mirror into this namespace instead of
    /// `App.spec.namespace` (a second, standalone controller).
    pub namespace: Option<String>,
    /// `--resync-period` (SPEC §6.3), default 5 min.
    pub resync_period: Duration,
    /// Handlers running at once per pool (each mirror kind's Docker work,
    /// and the work that only writes to Kubernetes; one per object at a
    /// time) and parallel inspects and writes during a full sync. The store batches
    /// concurrent durable writes into one commit, so more in flight is
    /// faster.
    pub concurrency: usize,
    /// How often the loop re-reconciles without an App event (retries of a
    /// failed sweep or condition write).
    pub tick: Duration,
    /// Where the counters go; serve them with [`super::metrics::serve_metrics`].
    pub metrics: Arc<Metrics>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            docker_host: None,
            managed_docker_host: None,
            namespace: None,
            resync_period: Duration::from_secs(300),
            concurrency: 32,
            tick: Duration::from_secs(10),
            metrics: Arc::default(),
        }
    }
}

/// Runs the engine controller until `shutdown` turns true (or its sender
/// is dropped). Mirrors are left in place on shutdown: the next start
/// re-syncs them in place.
pub async fn run(client: Client, options: EngineOptions, shutdown: watch::Receiver<bool>) -> Result<(), EngineError> {
    run_with(client, Arc::new(super::bollard_source::BollardConnector), options, shutdown).await
}

/// [`run`] with another way to reach Docker.
pub async fn run_with<C: DockerConnector>(
    client: Client,
    connector: Arc<C>,
    options: EngineOptions,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), EngineError> {
    let apps: Api<App> = Api::all(client.clone());
    let mut app_events = watcher(apps.clone(), watcher::Config::default().fields(&format!("metadata.name={APP_NAME}")))
        .default_backoff()
        .boxed();
    let mut controller = Controller {
        client,
        connector,
        apps,
        options: options.clone(),
        session: None,
        swept: false,
        last_namespace: options.namespace.clone().unwrap_or_else(|| DEFAULT_MIRROR_NAMESPACE.to_owned()),
    };
    let mut app: Option<App> = None;
    let mut relist: Option<Option<App>> = None;
    let mut synced = false;
    let mut tick = tokio::time::interval(options.tick.max(Duration::from_millis(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            // The guard `wait_for` returns is not Send: drop it inside.
            () = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                controller.stop_session().await;
                tracing::info!("engine controller stopped");
                return Ok(());
            }
            event = app_events.next() => match event {
                Some(Ok(watcher::Event::Init)) => relist = Some(None),
                Some(Ok(watcher::Event::InitApply(a))) => relist = Some(Some(a)),
                Some(Ok(watcher::Event::InitDone)) => {
                    app = relist.take().flatten();
                    synced = true;
                }
                Some(Ok(watcher::Event::Apply(a))) => app = Some(a),
                Some(Ok(watcher::Event::Delete(_))) => app = None,
                Some(Err(e)) => {
                    tracing::warn!(kind = "App", error = %e, "watch of the App failed; retrying");
                    continue;
                }
                None => return Err(EngineError::Invalid("the App watch ended".to_owned())),
            },
            changed = async {
                match controller.session.as_mut() {
                    Some(mirroring) => mirroring.changes.changed().await,
                    None => std::future::pending().await,
                }
            } => {
                if changed.is_err() {
                    // Its task ended without being asked (only a panic does
                    // that): a new session starts at the next reconcile, at
                    // the latest on the tick, so a session that keeps dying
                    // is restarted at that pace, not in a loop.
                    tracing::error!("the mirror session ended on its own; starting a new one");
                    controller.stop_session().await;
                    continue;
                }
            }
            _ = tick.tick() => {}
        }
        if synced {
            controller.reconcile(app.as_ref()).await;
        }
    }
}

/// The running session, the namespace it mirrors into, and the loop's one
/// receiver of its state for the session's whole life: `changed()` marks
/// what it saw, whereas a fresh clone of a receiver that is never read
/// reports every earlier change again at once, and a loop re-subscribing
/// each turn spun a core.
struct Mirroring {
    session: Session,
    namespace: String,
    changes: watch::Receiver<SessionState>,
}

impl Mirroring {
    fn new(session: Session, namespace: String) -> Self {
        let mut changes = session.subscribe();
        changes.mark_unchanged();
        Mirroring { session, namespace, changes }
    }
}

struct Controller<C: DockerConnector> {
    client: Client,
    connector: Arc<C>,
    apps: Api<App>,
    options: EngineOptions,
    session: Option<Mirroring>,
    /// A sweep finished since the last session ended.
    swept: bool,
    last_namespace: String,
}

impl<C: DockerConnector> Controller<C> {
    async fn reconcile(&mut self, app: Option<&App>) {
        let wanted = want(
            app,
            self.options.docker_host.as_deref(),
            self.options.managed_docker_host.as_deref(),
            self.options.namespace.as_deref(),
        );
        match wanted {
            Want::Mirror { host, namespace } => {
                self.last_namespace = namespace.clone();
                let state = match host {
                    Err(message) => {
                        self.stop_session().await;
                        SessionState::ConnectFailed(message)
                    }
                    Ok(host) => {
                        if self.session.as_ref().is_some_and(|m| m.session.host != host || m.namespace != namespace) {
                            // Another daemon or namespace: the new session's full sync prunes in place.
                            self.stop_session().await;
                        }
                        let session = self.session.get_or_insert_with(|| {
                            tracing::info!(host = %host, namespace = %namespace, "starting the mirror");
                            let store = Arc::new(KubeStore::new(self.client.clone(), namespace.clone()));
                            let mut config = SessionConfig::new(host.clone(), self.options.resync_period);
                            config.concurrency = self.options.concurrency;
                            config.metrics = self.options.metrics.clone();
                            Mirroring::new(Session::start(self.connector.clone(), store, config), namespace.clone())
                        });
                        self.swept = false;
                        session.session.state()
                    }
                };
                let (status, reason, message) = mirroring_condition(&state);
                self.write_condition(status, reason, &message).await;
            }
            Want::Hold { reason, message } => {
                // Keep the mirrors and any session: it reconnects and re-syncs
                // in place once the engine answers again.
                let (status, why, text) = match &self.session {
                    Some(mirroring) => mirroring_condition(&mirroring.session.state()),
                    None => holding_condition(&reason, &message),
                };
                self.write_condition(status, why, &text).await;
            }
            Want::Idle { terminal } => {
                let had_session = self.stop_session().await;
                if had_session {
                    self.swept = false;
                }
                // A controller that just started and finds the App already at rest
                // has nothing to sweep (seed r2 I8).
                if !self.swept && !had_session && terminal.is_some_and(|t| app.is_some_and(|a| t.shown_on(a))) {
                    self.swept = true;
                }
                if !self.swept {
                    let store = KubeStore::new(self.client.clone(), self.last_namespace.clone());
                    match store.sweep().await {
                        Ok(count) => {
                            tracing::info!(namespace = %self.last_namespace, count, "swept the mirrors");
                            self.swept = true;
                        }
                        Err(e) => {
                            // Stopped is written only after the sweep finished (SPEC §6.7).
                            tracing::warn!(namespace = %self.last_namespace, error = %e, "sweep failed; will retry");
                            return;
                        }
                    }
                }
                if let Some(terminal) = terminal {
                    let (status, reason, message) = terminal.condition();
                    self.write_condition(status, reason, message).await;
                }
            }
        }
    }

    async fn stop_session(&mut self) -> bool {
        match self.session.take() {
            Some(Mirroring { session, namespace, .. }) => {
                tracing::info!(host = %session.host, namespace = %namespace, "stopping the mirror");
                session.stop().await;
                true
            }
            None => false,
        }
    }

    /// Upserts ContainerEngineReady at the App's current generation; writes
    /// only when something changed; re-reads and retries on conflict.
    async fn write_condition(&self, status: ConditionStatus, reason: &str, message: &str) {
        const ATTEMPTS: u32 = 5;
        for _ in 0..ATTEMPTS {
            let mut app = match self.apps.get_opt(APP_NAME).await {
                Ok(Some(app)) => app,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(kind = "App", name = APP_NAME, error = %e, "cannot read the App; will retry");
                    return;
                }
            };
            let generation = app.metadata.generation.unwrap_or(0);
            let conditions = &mut app.status.get_or_insert_default().conditions;
            let desired = DesiredCondition { type_: CONTAINER_ENGINE_READY, status, reason, message };
            if !upsert_condition(conditions, &desired, generation, Time(Timestamp::now())) {
                return;
            }
            match self.apps.replace_status(APP_NAME, &PostParams::default(), &app).await {
                Ok(_) => {
                    tracing::info!(
                        kind = "App",
                        name = APP_NAME,
                        status = status.as_str(),
                        reason,
                        generation,
                        "ContainerEngineReady"
                    );
                    return;
                }
                Err(kube::Error::Api(s)) if s.is_conflict() => continue,
                Err(kube::Error::Api(s)) if s.is_not_found() => return,
                Err(e) => {
                    tracing::warn!(kind = "App", name = APP_NAME, error = %e, "cannot write ContainerEngineReady; will retry");
                    return;
                }
            }
        }
        tracing::warn!(kind = "App", name = APP_NAME, "ContainerEngineReady write kept conflicting; will retry");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn run_can_be_spawned() {
        // `rdd svc serve` spawns the controller on a multi-threaded runtime.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let config = kube::Config::new("http://127.0.0.1:1".parse().unwrap());
            let client = Client::try_from(config).unwrap();
            let (_tx, rx) = watch::channel(false);
            let future = run(client, EngineOptions::default(), rx);
            assert_send(&future);
        });
    }
}
