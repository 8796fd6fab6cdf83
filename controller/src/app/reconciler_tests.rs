//! The reconcile loop against a fake API server and a scripted engine:
//! finalizer, status stamping, write-on-change, conflict retries, delete
//! and shutdown.

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::app::fake_api::FakeApi;
use crate::app::fake_engine::Script;
use crate::app::plan::SERVICE_STOPPED_MESSAGE;

/// `(status, reason, observedGeneration)` of a condition of the App.
fn condition(app: Option<&Value>, type_: &str) -> Option<(String, String, i64)> {
    let conditions = app?["status"]["conditions"].as_array()?;
    let c = conditions.iter().find(|c| c["type"] == type_)?;
    Some((c["status"].as_str()?.to_owned(), c["reason"].as_str()?.to_owned(), c["observedGeneration"].as_i64()?))
}

fn is(app: Option<&Value>, type_: &str, status: &str, reason: &str, generation: i64) -> bool {
    condition(app, type_) == Some((status.to_owned(), reason.to_owned(), generation))
}

fn message(app: &Value, type_: &str) -> String {
    let conditions = app["status"]["conditions"].as_array().unwrap();
    conditions.iter().find(|c| c["type"] == type_).unwrap()["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn app_lifecycle_through_the_api() {
    let api = FakeApi::start().await;
    let script = Arc::new(Script::default());
    let (stop, stop_rx) = watch::channel(false);
    let controller = tokio::spawn(run_with_factory(api.client(), Script::factory(&script), stop_rx));

    // Create running: finalizer, Started at 1, waiting for the engine controller.
    api.create(true);
    let app = api.wait_for("Started at 1", |a| is(a, "Running", "True", "Started", 1)).await.unwrap();
    assert_eq!(app["metadata"]["finalizers"], serde_json::json!(["rdd.rancherdesktop.io/cleanup"]));
    assert_eq!(message(&app, "Running"), "fake moby answers");
    assert!(is(Some(&app), "Settled", "False", "WaitingForEngine", 1), "{app}");
    assert_eq!(script.starts(), 1);

    // The engine controller connects: Settled.
    api.set_engine_ready("True", "Connected", 1);
    api.wait_for("Settled at 1", |a| is(a, "Settled", "True", "Settled", 1)).await;

    // Steady state: nothing more is written.
    let writes = api.status_writes();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(api.status_writes(), writes, "a steady state must not write");

    // Stop, through two conflicting status writes.
    api.inject_conflicts(2);
    api.edit_spec(|spec| spec["running"] = false.into());
    api.wait_for("Stopped at 2", |a| is(a, "Running", "False", "Stopped", 2)).await;
    let app = api.wait_for("EngineStale at 2", |a| is(a, "Settled", "False", "EngineStale", 2)).await.unwrap();
    assert!(message(&app, "Settled").contains("generation 2"), "{app}");
    assert!(api.status_writes() >= writes + 3, "the conflicts were retried");
    assert_eq!(script.stops(), 1);
    // ContainerEngineReady survived the conflicting writes.
    assert!(condition(Some(&app), "ContainerEngineReady").is_some(), "{app}");
    api.set_engine_ready("False", "Stopped", 2);
    api.wait_for("Settled at 2", |a| is(a, "Settled", "True", "Settled", 2)).await;

    // A start failure surfaces in Settled.
    script.failing_starts.store(1, std::sync::atomic::Ordering::SeqCst);
    api.edit_spec(|spec| spec["running"] = true.into());
    let app = api.wait_for("StartFailed at 3", |a| is(a, "Settled", "False", "StartFailed", 3)).await.unwrap();
    assert_eq!(message(&app, "Settled"), "no answer from unix:///fake within 30s (retrying in 1s)");
    api.wait_for("Started at 3", |a| is(a, "Running", "True", "Started", 3)).await;

    // Delete: the engine stops first, then the App goes.
    api.delete();
    api.wait_for("the App gone", |a| a.is_none()).await;
    assert_eq!(script.stops(), 2);

    // Service shutdown stops the engine and says so.
    api.create(true);
    api.wait_for("Started again", |a| is(a, "Running", "True", "Started", 1)).await;
    stop.send(true).unwrap();
    controller.await.unwrap().unwrap();
    assert_eq!(script.stops(), 3);
    let app = api.app().unwrap();
    assert!(is(Some(&app), "Running", "False", "Stopped", 1), "{app}");
    assert_eq!(message(&app, "Running"), SERVICE_STOPPED_MESSAGE);
}

#[tokio::test]
async fn a_missing_app_starts_nothing_and_an_engine_switch_restarts() {
    let api = FakeApi::start().await;
    let script = Arc::new(Script::default());
    let (stop, stop_rx) = watch::channel(false);
    let controller = tokio::spawn(run_with_factory(api.client(), Script::factory(&script), stop_rx));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(script.starts(), 0);

    api.create(true);
    api.wait_for("Started at 1", |a| is(a, "Running", "True", "Started", 1)).await;
    api.set_engine_ready("True", "Connected", 1);
    api.edit_spec(|spec| spec["containerEngine"]["name"] = "containerd".into());
    let app = api.wait_for("Started at 2", |a| is(a, "Running", "True", "Started", 2)).await.unwrap();
    assert_eq!(message(&app, "Running"), "fake containerd answers");
    // The engine controller has not caught up with the switch.
    assert!(is(Some(&app), "Settled", "False", "EngineStale", 2), "{app}");
    assert_eq!((script.starts(), script.stops()), (2, 1));

    // An edit that changes nothing about the engine restarts nothing but
    // is still re-stamped.
    api.edit_spec(|spec| spec["containerEngine"]["endpoint"] = "unix:///ignored".into());
    api.wait_for("Started at 3", |a| is(a, "Running", "True", "Started", 3)).await;
    assert_eq!((script.starts(), script.stops()), (2, 1));

    stop.send(true).unwrap();
    controller.await.unwrap().unwrap();
}
