//! Pure reconcile decisions for the App: what the supervisor should aim
//! for, whether the cleanup finalizer is to be added or removed, and the
//! status conditions to write (None when nothing changed, so a steady
//! state causes no write — yet a new generation is always re-stamped).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use rdd_api::App;
use rdd_api::app::CLEANUP_FINALIZER;
use rdd_api::app::condition::{CONTAINER_ENGINE_READY, RUNNING, SETTLED};
use rdd_api::conditions::{DesiredCondition, find_condition, upsert_condition};

use super::settings::EngineSettings;
use super::state::{ConditionValue, running_condition, settled_condition};
use super::supervisor::{Desired, Observed, Phase};

/// Running's message after the service stopped an engine the App wants.
pub const SERVICE_STOPPED_MESSAGE: &str =
    "the rdd service stopped, and the engine with it; it starts again when the service starts";

/// The App's generation (0 when the server sets none).
pub fn generation(app: &App) -> i64 {
    app.metadata.generation.unwrap_or(0)
}

pub fn is_deleting(app: &App) -> bool {
    app.metadata.deletion_timestamp.is_some()
}

fn has_finalizer(app: &App) -> bool {
    app.metadata.finalizers.as_ref().is_some_and(|f| f.iter().any(|name| name == CLEANUP_FINALIZER))
}

/// The engine an App asks for: none when it is missing, being deleted, or
/// has `running: false`.
pub fn desired_for(app: Option<&App>) -> Desired {
    match app {
        None => Desired::default(),
        Some(app) => Desired {
            generation: generation(app),
            engine: (app.spec.running && !is_deleting(app))
                .then(|| EngineSettings::from_spec(&app.spec.container_engine)),
        },
    }
}

/// A live App without the cleanup finalizer gets it (a terminating one
/// cannot: the server refuses new finalizers then).
pub fn needs_finalizer(app: &App) -> bool {
    !is_deleting(app) && !has_finalizer(app)
}

/// A deleted App lets go once the supervisor reports the engine stopped
/// (or killed) for exactly this desired state.
pub fn may_remove_finalizer(app: &App, observed: &Observed) -> bool {
    is_deleting(app)
        && has_finalizer(app)
        && observed.desired == desired_for(Some(app))
        && matches!(observed.phase, Phase::Stopped | Phase::StopFailed)
}

/// The App with the cleanup finalizer added or removed.
pub fn with_finalizer(app: &App, present: bool) -> App {
    let mut updated = app.clone();
    let finalizers = updated.metadata.finalizers.get_or_insert_with(Vec::new);
    finalizers.retain(|name| name != CLEANUP_FINALIZER);
    if present {
        finalizers.push(CLEANUP_FINALIZER.to_owned());
    }
    updated
}

/// The conditions to write for `app`, or `None` when they are already
/// what they should be at its generation. `service_stopped`: the service
/// is shutting down and has stopped the engine.
pub fn status_update(app: &App, observed: &Observed, service_stopped: bool, now: Time) -> Option<Vec<Condition>> {
    let desired = desired_for(Some(app));
    let generation = generation(app);
    let mut running = running_condition(&desired, observed);
    if service_stopped && desired.engine.is_some() && observed.phase == Phase::Stopped {
        running.message = SERVICE_STOPPED_MESSAGE.to_owned();
    }
    let mut conditions = app.status.as_ref().map(|s| s.conditions.clone()).unwrap_or_default();
    let mut changed = upsert(&mut conditions, RUNNING, &running, generation, &now);
    let settled = settled_condition(
        desired.engine.is_some(),
        generation,
        find_condition(&conditions, RUNNING),
        find_condition(&conditions, CONTAINER_ENGINE_READY),
    );
    changed |= upsert(&mut conditions, SETTLED, &settled, generation, &now);
    changed.then_some(conditions)
}

fn upsert(conditions: &mut Vec<Condition>, type_: &str, value: &ConditionValue, generation: i64, now: &Time) -> bool {
    let desired = DesiredCondition { type_, status: value.status, reason: &value.reason, message: &value.message };
    upsert_condition(conditions, &desired, generation, now.clone())
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
