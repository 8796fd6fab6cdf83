//! Tests of the pure reconcile decisions.

use super::*;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rdd_api::AppSpec;
use rdd_api::app::{ContainerEngine, EngineName, EngineProvider};
use rdd_api::jiff::Timestamp;

fn at(seconds: i64) -> Time {
    Time(Timestamp::from_second(seconds).unwrap())
}

fn app(running: bool, generation: i64) -> App {
    let mut app = App::new(
        "app",
        AppSpec { running, namespace: "rancher-desktop".into(), container_engine: ContainerEngine::default() },
    );
    app.metadata.generation = Some(generation);
    app
}

fn observed_for(app: &App, phase: Phase, message: &str) -> Observed {
    Observed { desired: desired_for(Some(app)), phase, message: message.into() }
}

fn condition<'a>(conditions: &'a [Condition], type_: &str) -> &'a Condition {
    find_condition(conditions, type_).unwrap_or_else(|| panic!("no {type_} in {conditions:?}"))
}

#[test]
fn desired_follows_spec_and_deletion() {
    assert_eq!(desired_for(None), Desired { generation: 0, engine: None });
    let mut a = app(true, 3);
    a.spec.container_engine =
        ContainerEngine { name: EngineName::Containerd, provider: EngineProvider::Managed, endpoint: None };
    let desired = desired_for(Some(&a));
    assert_eq!(desired.generation, 3);
    assert_eq!(desired.engine.as_ref().map(|e| e.name), Some(EngineName::Containerd));
    assert_eq!(desired_for(Some(&app(false, 4))).engine, None);
    a.metadata.deletion_timestamp = Some(at(1));
    assert_eq!(desired_for(Some(&a)).engine, None, "a deleted App wants the engine stopped");
}

#[test]
fn finalizer_is_added_to_live_apps_and_removed_after_the_stop() {
    let mut a = app(true, 1);
    assert!(needs_finalizer(&a));
    a = with_finalizer(&a, true);
    assert_eq!(a.metadata.finalizers.as_deref(), Some(&[CLEANUP_FINALIZER.to_owned()][..]));
    assert!(!needs_finalizer(&a));
    assert!(!may_remove_finalizer(&a, &observed_for(&a, Phase::Stopped, "")), "not deleted");

    a.metadata.deletion_timestamp = Some(at(1));
    assert!(!needs_finalizer(&a), "a terminating App gets no new finalizer");
    // The supervisor still reports the pre-delete state: keep it.
    let before = Observed { desired: desired_for(Some(&app(true, 1))), phase: Phase::Running, message: String::new() };
    assert!(!may_remove_finalizer(&a, &before));
    assert!(!may_remove_finalizer(&a, &observed_for(&a, Phase::Stopping, "")));
    assert!(may_remove_finalizer(&a, &observed_for(&a, Phase::Stopped, "")));
    assert!(may_remove_finalizer(&a, &observed_for(&a, Phase::StopFailed, "killed")));
    let released = with_finalizer(&a, false);
    assert_eq!(released.metadata.finalizers.as_deref(), Some(&[][..]));
}

#[test]
fn status_is_written_on_change_and_restamped_on_a_new_generation() {
    let mut a = app(true, 1);
    let observed = observed_for(&a, Phase::Running, "managed dockerd at unix:///s answers");
    let conditions = status_update(&a, &observed, false, at(10)).expect("first write");
    let running = condition(&conditions, "Running");
    assert_eq!((running.status.as_str(), running.reason.as_str()), ("True", "Started"));
    assert_eq!(running.observed_generation, Some(1));
    let settled = condition(&conditions, "Settled");
    assert_eq!((settled.status.as_str(), settled.reason.as_str()), ("False", "WaitingForEngine"));

    a.status = Some(rdd_api::AppStatus { conditions: conditions.clone() });
    assert_eq!(status_update(&a, &observed, false, at(20)), None, "steady state: no write");

    // The engine controller catches up: Settled flips, Running untouched.
    let mut with_engine = conditions.clone();
    with_engine.push(Condition {
        type_: "ContainerEngineReady".into(),
        status: "True".into(),
        reason: "Connected".into(),
        message: String::new(),
        observed_generation: Some(1),
        last_transition_time: at(15),
    });
    a.status = Some(rdd_api::AppStatus { conditions: with_engine });
    let conditions = status_update(&a, &observed, false, at(20)).expect("Settled changes");
    assert_eq!(condition(&conditions, "Settled").reason, "Settled");
    assert_eq!(condition(&conditions, "Running").last_transition_time, at(10));
    a.status = Some(rdd_api::AppStatus { conditions });

    // A new generation with the same engine (seed r5 C1): re-stamped.
    a.metadata.generation = Some(2);
    let observed = observed_for(&a, Phase::Running, "managed dockerd at unix:///s answers");
    let conditions = status_update(&a, &observed, false, at(30)).expect("re-stamp");
    assert_eq!(condition(&conditions, "Running").observed_generation, Some(2));
    assert_eq!(condition(&conditions, "Settled").observed_generation, Some(2));
    // ContainerEngineReady is still at 1: stale until the engine controller acts.
    assert_eq!(condition(&conditions, "Settled").reason, "EngineStale");
}

#[test]
fn failures_surface_in_settled() {
    let a = app(true, 7);
    let observed = observed_for(&a, Phase::StartFailed, "dockerd not found in PATH (retrying in 1s)");
    let conditions = status_update(&a, &observed, false, at(1)).unwrap();
    let settled = condition(&conditions, "Settled");
    assert_eq!((settled.status.as_str(), settled.reason.as_str()), ("False", "StartFailed"));
    assert_eq!(settled.message, "dockerd not found in PATH (retrying in 1s)");
    assert_eq!(settled.observed_generation, Some(7));
}

#[test]
fn unacknowledged_generation_is_reconciling() {
    let a = app(false, 2);
    let observed = observed_for(&app(true, 1), Phase::Running, "up");
    let conditions = status_update(&a, &observed, false, at(1)).unwrap();
    assert_eq!(condition(&conditions, "Running").reason, "Reconciling");
    assert_eq!(condition(&conditions, "Running").observed_generation, Some(2));
    assert_eq!(condition(&conditions, "Settled").reason, "Reconciling");
}

#[test]
fn service_stop_says_the_engine_comes_back() {
    let a = app(true, 1);
    let conditions = status_update(&a, &observed_for(&a, Phase::Stopped, "no engine is running"), true, at(1)).unwrap();
    let running = condition(&conditions, "Running");
    assert_eq!((running.reason.as_str(), running.message.as_str()), ("Stopped", SERVICE_STOPPED_MESSAGE));
    // Wanted stopped anyway: the ordinary message.
    let b = app(false, 1);
    let conditions = status_update(&b, &observed_for(&b, Phase::Stopped, "no engine is running"), true, at(1)).unwrap();
    assert_eq!(condition(&conditions, "Running").message, "no engine is running");
}
