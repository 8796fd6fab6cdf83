//! The Running and Settled conditions as pure functions (SPEC §4.1, §5.3):
//! Running from what the supervisor reports against what the App asks
//! for, Settled from Running, the engine controller's
//! ContainerEngineReady and the App generation, first matching rule wins.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use rdd_api::app::condition::reason;
use rdd_api::conditions::ConditionStatus;

use super::supervisor::{Desired, Observed, Phase};

/// The content of one condition as a writer computes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionValue {
    pub status: ConditionStatus,
    pub reason: String,
    pub message: String,
}

impl ConditionValue {
    fn new(status: ConditionStatus, reason: &str, message: impl Into<String>) -> Self {
        ConditionValue { status, reason: reason.to_owned(), message: message.into() }
    }
}

/// Running for an App that asks for `desired`, given the supervisor's
/// report. A report about another desired state means the supervisor has
/// not acted on this one yet: Unknown/Reconciling.
pub fn running_condition(desired: &Desired, observed: &Observed) -> ConditionValue {
    use ConditionStatus::{False, True, Unknown};
    if observed.desired != *desired {
        return ConditionValue::new(
            Unknown,
            reason::RECONCILING,
            format!(
                "the engine supervisor has not acted on generation {} yet; it is {}: {}",
                desired.generation,
                phase_name(observed.phase),
                observed.message
            ),
        );
    }
    let (status, reason) = match observed.phase {
        Phase::Running => (True, reason::STARTED),
        Phase::Starting => (False, reason::STARTING),
        Phase::Stopping => (False, reason::STOPPING),
        Phase::Stopped => (False, reason::STOPPED),
        Phase::StartFailed => (False, reason::START_FAILED),
        Phase::StopFailed => (False, reason::STOP_FAILED),
    };
    ConditionValue::new(status, reason, observed.message.clone())
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Stopped => "stopped",
        Phase::Starting => "starting",
        Phase::Running => "running",
        Phase::Stopping => "stopping",
        Phase::StartFailed => "waiting to retry a failed start",
        Phase::StopFailed => "stopped after a failed stop",
    }
}

/// Settled at App generation `generation` (SPEC §5.3, first match wins).
pub fn settled_condition(
    want_running: bool,
    generation: i64,
    running: Option<&Condition>,
    engine_ready: Option<&Condition>,
) -> ConditionValue {
    use ConditionStatus::{False, True};
    // 1. Nothing reported about the engine process yet.
    let Some(running) = running else {
        return ConditionValue::new(
            False,
            reason::WAITING_FOR_ENGINE_PROCESS,
            "waiting for the app controller to report the engine process",
        );
    };
    // 2. Wanted running, not running: Running says why.
    if want_running && running.status != ConditionStatus::True.as_str() {
        return ConditionValue::new(False, &running.reason, running.message.clone());
    }
    // 3. Wanted stopped, not stopped yet: Running says why.
    if !want_running && running.reason != reason::STOPPED {
        return ConditionValue::new(False, &running.reason, running.message.clone());
    }
    let at_generation = |c: &Condition| c.observed_generation.unwrap_or(0) >= generation;
    let describe = |c: &Condition| {
        format!(
            "ContainerEngineReady is {}/{} at generation {}",
            c.status,
            c.reason,
            c.observed_generation.unwrap_or(0)
        )
    };
    if !want_running {
        // 4. Stopped: the engine controller must have let go at ≥ G.
        return match engine_ready {
            Some(ready)
                if at_generation(ready)
                    && (ready.reason == reason::STOPPED || ready.reason == reason::NOT_APPLICABLE) =>
            {
                ConditionValue::new(True, reason::SETTLED, "the engine is stopped and its mirrors are cleaned up")
            }
            Some(ready) => ConditionValue::new(
                False,
                reason::ENGINE_STALE,
                format!(
                    "{}; waiting for the engine controller to stop mirroring at generation {generation}",
                    describe(ready)
                ),
            ),
            None => ConditionValue::new(
                False,
                reason::ENGINE_STALE,
                format!("waiting for the engine controller to report ContainerEngineReady at generation {generation}"),
            ),
        };
    }
    // 5. Running: the engine controller must be connected (or not
    // applicable) at ≥ G.
    match engine_ready {
        None => ConditionValue::new(
            False,
            reason::WAITING_FOR_ENGINE,
            "the engine is running; waiting for the engine controller to report ContainerEngineReady",
        ),
        Some(ready) if !at_generation(ready) => ConditionValue::new(
            False,
            reason::ENGINE_STALE,
            format!("{}; waiting for the engine controller to act on generation {generation}", describe(ready)),
        ),
        Some(ready) if ready.status != ConditionStatus::True.as_str() => {
            ConditionValue::new(False, &ready.reason, ready.message.clone())
        }
        Some(_) => {
            ConditionValue::new(True, reason::SETTLED, "the engine is running and the engine controller is connected")
        }
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
