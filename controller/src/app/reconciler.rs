//! The App reconcile loop: watches the `app` singleton, hands its engine
//! settings to the supervisor, keeps the cleanup finalizer, and writes
//! Running and Settled through the `/status` subresource (replace with the
//! resourceVersion read, so a concurrent ContainerEngineReady write by the
//! engine controller is never clobbered; on conflict re-read and retry, a
//! few times). It wakes on App changes and on supervisor reports, so a
//! status change needs no polling.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::watch_object;
use rdd_api::app::APP_NAME;
use rdd_api::app::condition::{RUNNING, SETTLED};
use rdd_api::conditions::find_condition;
use rdd_api::instance::Paths;
use rdd_api::jiff::Timestamp;
use rdd_api::{App, AppStatus};
use tokio::sync::watch;
use tokio::time::Instant;

use super::error::{AppControllerError, ReconcileError};
use super::options::EngineOptions;
use super::plan::{desired_for, may_remove_finalizer, needs_finalizer, status_update, with_finalizer};
use super::provider::provider;
use super::supervisor::{EngineFactory, Observed, SupervisorHandle};

/// How long a reconcile waits for the supervisor to acknowledge a new
/// desired state before writing Running=Unknown/Reconciling instead.
const ACK_WAIT: Duration = Duration::from_secs(1);
/// Attempts of one status write that keeps meeting conflicts.
const CONFLICT_ATTEMPTS: u32 = 5;
/// Retry delays after a failed reconcile: 200ms doubling to 30s.
const RETRY_BASE: Duration = Duration::from_millis(200);
const RETRY_CAP: Duration = Duration::from_secs(30);
/// Cap on the last status write at shutdown (the API server may be going away).
const FINAL_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the app controller until `shutdown` becomes true (or its sender is
/// dropped): then stops a managed engine, writes a last status, returns.
/// Engine binaries and arguments come from `RDD_DOCKERD`,
/// `RDD_DOCKERD_ARGS`, `RDD_CONTAINERD`, `RDD_CONTAINERD_ARGS`.
pub async fn run(
    client: kube::Client,
    paths: Paths,
    shutdown: watch::Receiver<bool>,
) -> Result<(), AppControllerError> {
    run_with_options(client, paths, EngineOptions::from_env(), shutdown).await
}

/// [`run`] with explicit engine options.
pub async fn run_with_options(
    client: kube::Client,
    paths: Paths,
    options: EngineOptions,
    shutdown: watch::Receiver<bool>,
) -> Result<(), AppControllerError> {
    let factory: EngineFactory = Box::new(move |settings| provider(settings, &paths, &options));
    run_with_factory(client, factory, shutdown).await
}

/// The loop itself, with the engines made by `factory`.
pub(crate) async fn run_with_factory(
    client: kube::Client,
    factory: EngineFactory,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), AppControllerError> {
    let api: Api<App> = Api::all(client);
    let supervisor = SupervisorHandle::spawn(factory, shutdown.clone());
    let mut observed = supervisor.observed();
    let mut apps = std::pin::pin!(watch_object(api.clone(), APP_NAME).default_backoff());
    let mut latest: Option<App> = None;
    let mut listed = false;
    let mut failures = 0u32;
    let mut retry_at: Option<Instant> = None;
    tracing::info!(kind = "App", name = APP_NAME, "app controller started");

    let outcome = loop {
        let mut supervisor_gone = false;
        tokio::select! {
            // Shutdown first: the supervisor ends on the same signal, and
            // its end must not be mistaken for a failure.
            biased;
            _ = shutdown.wait_for(|stop| *stop) => break Ok(()),
            item = apps.next() => match item {
                Some(Ok(app)) => {
                    latest = app;
                    listed = true;
                }
                Some(Err(error)) => {
                    tracing::warn!(kind = "App", name = APP_NAME, %error, "watching the App failed; retrying");
                    continue;
                }
                None => break Err(AppControllerError::WatchEnded),
            },
            changed = observed.changed() => supervisor_gone = changed.is_err(),
            _ = sleep_until(retry_at), if retry_at.is_some() => retry_at = None,
        }
        if supervisor_gone {
            break if *shutdown.borrow() {
                Ok(())
            } else {
                Err(AppControllerError::Supervisor("the supervisor task ended".into()))
            };
        }
        // Until the first list answers, a missing App is unknown, not absent.
        if !listed {
            continue;
        }
        match reconcile(&api, &supervisor, latest.as_ref()).await {
            Ok(()) => failures = 0,
            Err(error) => {
                failures = failures.saturating_add(1);
                let delay = RETRY_BASE.saturating_mul(1 << failures.min(8)).min(RETRY_CAP);
                tracing::warn!(kind = "App", name = APP_NAME, %error, retry_in = ?delay, "reconcile failed");
                retry_at = Some(Instant::now() + delay);
            }
        }
    };

    tracing::info!(kind = "App", name = APP_NAME, "app controller stopping; stopping the engine");
    let last = supervisor.join().await.map_err(AppControllerError::Supervisor)?;
    if let Some(app) = latest {
        match tokio::time::timeout(FINAL_WRITE_TIMEOUT, write_status(&api, &app, &last, true)).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(kind = "App", name = APP_NAME, %error, "last status write failed"),
            Err(_) => tracing::warn!(kind = "App", name = APP_NAME, "last status write timed out"),
        }
    }
    outcome
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// One pass: desired state to the supervisor, finalizer, status.
async fn reconcile(api: &Api<App>, supervisor: &SupervisorHandle, app: Option<&App>) -> Result<(), ReconcileError> {
    let desired = desired_for(app);
    supervisor.set(desired.clone());
    let Some(app) = app else { return Ok(()) };
    if needs_finalizer(app) {
        // The watch delivers the updated App, which continues from here.
        return replace(api, &with_finalizer(app, true), "add the cleanup finalizer to").await;
    }
    let observed = supervisor.acknowledged(&desired, ACK_WAIT).await;
    let current = write_status(api, app, &observed, false).await?;
    if let Some(current) = current
        && may_remove_finalizer(&current, &observed)
    {
        tracing::info!(kind = "App", name = APP_NAME, "engine stopped; releasing the deleted App");
        replace(api, &with_finalizer(&current, false), "remove the cleanup finalizer from").await?;
    }
    Ok(())
}

async fn replace(api: &Api<App>, app: &App, doing: &'static str) -> Result<(), ReconcileError> {
    match api.replace(APP_NAME, &PostParams::default(), app).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
        Err(source) => Err(ReconcileError::Kube { doing, source }),
    }
}

/// Writes Running and Settled if they changed; returns the App as stored
/// afterwards (`None` once it is gone).
async fn write_status(
    api: &Api<App>,
    app: &App,
    observed: &Observed,
    service_stopped: bool,
) -> Result<Option<App>, ReconcileError> {
    let mut app = app.clone();
    for attempt in 1..=CONFLICT_ATTEMPTS {
        let now = Time(Timestamp::now());
        let Some(conditions) = status_update(&app, observed, service_stopped, now) else {
            return Ok(Some(app));
        };
        let mut updated = app.clone();
        updated.status = Some(AppStatus { conditions });
        match api.replace_status(APP_NAME, &PostParams::default(), &updated).await {
            Ok(stored) => {
                log_conditions(&stored);
                return Ok(Some(stored));
            }
            Err(kube::Error::Api(status)) if status.is_not_found() => return Ok(None),
            Err(kube::Error::Api(status)) if status.code == 409 => {
                tracing::debug!(kind = "App", name = APP_NAME, attempt, "status write conflicted; re-reading");
                tokio::time::sleep(Duration::from_millis(50) * attempt).await;
                match api.get_opt(APP_NAME).await {
                    Ok(Some(fresh)) => app = fresh,
                    Ok(None) => return Ok(None),
                    Err(source) => return Err(ReconcileError::Kube { doing: "re-read", source }),
                }
            }
            Err(source) => return Err(ReconcileError::Kube { doing: "write the status of", source }),
        }
    }
    Err(ReconcileError::Conflicts { attempts: CONFLICT_ATTEMPTS })
}

/// One line per status write: what Running and Settled now say.
fn log_conditions(app: &App) {
    let conditions = app.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or_default();
    let show = |type_| {
        find_condition(conditions, type_).map_or_else(|| "-".to_owned(), |c| format!("{}/{}", c.status, c.reason))
    };
    tracing::info!(
        kind = "App",
        name = APP_NAME,
        generation = app.metadata.generation.unwrap_or(0),
        running = %show(RUNNING),
        settled = %show(SETTLED),
        "App status written"
    );
}

#[cfg(test)]
#[path = "reconciler_tests.rs"]
mod tests;
