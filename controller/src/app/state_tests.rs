//! Table tests of the Running mapping and of every Settled rule of SPEC
//! §5.3, in order.

use super::*;
use crate::app::settings::EngineSettings;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rdd_api::app::{EngineName, EngineProvider};
use rdd_api::jiff::Timestamp;

fn cond(type_: &str, status: &str, reason: &str, message: &str, generation: i64) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: status.to_owned(),
        reason: reason.to_owned(),
        message: message.to_owned(),
        observed_generation: Some(generation),
        last_transition_time: Time(Timestamp::UNIX_EPOCH),
    }
}

fn running(status: &str, reason: &str, generation: i64) -> Option<Condition> {
    Some(cond("Running", status, reason, &format!("running says {reason}"), generation))
}

fn ready(status: &str, reason: &str, generation: i64) -> Option<Condition> {
    Some(cond("ContainerEngineReady", status, reason, &format!("engine says {reason}"), generation))
}

fn moby() -> Option<EngineSettings> {
    Some(EngineSettings { name: EngineName::Moby, provider: EngineProvider::Managed, endpoint: None })
}

#[test]
fn settled_rules_in_order() {
    use ConditionStatus::{False, True};
    const G: i64 = 5;
    // (rule, want running, Running, ContainerEngineReady, expected status, reason, message contains)
    type Row = (&'static str, bool, Option<Condition>, Option<Condition>, ConditionStatus, &'static str, &'static str);
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("1 no Running (running)", true, None, ready("True", "Connected", G), False, "WaitingForEngineProcess", "app controller"),
        ("1 no Running (stopped)", false, None, ready("False", "Stopped", G), False, "WaitingForEngineProcess", "app controller"),
        ("2 want running, Starting", true, running("False", "Starting", G), ready("True", "Connected", G), False, "Starting", "running says Starting"),
        ("2 want running, StartFailed", true, running("False", "StartFailed", G), None, False, "StartFailed", "running says StartFailed"),
        ("2 want running, Reconciling", true, running("Unknown", "Reconciling", G), None, False, "Reconciling", "running says Reconciling"),
        ("2 want running, Stopping (switch)", true, running("False", "Stopping", G), None, False, "Stopping", "running says Stopping"),
        ("3 want stopped, Stopping", false, running("False", "Stopping", G), ready("False", "Stopped", G), False, "Stopping", "running says Stopping"),
        ("3 want stopped, StopFailed", false, running("False", "StopFailed", G), ready("False", "Stopped", G), False, "StopFailed", "running says StopFailed"),
        ("3 want stopped, still Started", false, running("True", "Started", G), None, False, "Started", "running says Started"),
        ("4 stopped, engine Stopped at G", false, running("False", "Stopped", G), ready("False", "Stopped", G), True, "Settled", "stopped"),
        ("4 stopped, engine Stopped after G", false, running("False", "Stopped", G), ready("False", "Stopped", G + 1), True, "Settled", "stopped"),
        ("4 stopped, NotApplicable at G", false, running("False", "Stopped", G), ready("True", "NotApplicable", G), True, "Settled", "stopped"),
        ("4 stopped, engine Stopped before G", false, running("False", "Stopped", G), ready("False", "Stopped", G - 1), False, "EngineStale", "generation 4"),
        ("4 stopped, engine still Connected", false, running("False", "Stopped", G), ready("True", "Connected", G), False, "EngineStale", "True/Connected"),
        ("4 stopped, no engine condition", false, running("False", "Stopped", G), None, False, "EngineStale", "generation 5"),
        ("5 running, no engine condition", true, running("True", "Started", G), None, False, "WaitingForEngine", "ContainerEngineReady"),
        ("5 running, engine older than G", true, running("True", "Started", G), ready("True", "Connected", G - 1), False, "EngineStale", "act on generation 5"),
        ("5 running, engine ConnectFailed", true, running("True", "Started", G), ready("False", "ConnectFailed", G), False, "ConnectFailed", "engine says ConnectFailed"),
        ("5 running, engine Connecting", true, running("True", "Started", G), ready("False", "Connecting", G), False, "Connecting", "engine says Connecting"),
        ("5 running, engine Connected", true, running("True", "Started", G), ready("True", "Connected", G), True, "Settled", "connected"),
        ("5 running containerd, NotApplicable", true, running("True", "Started", G), ready("True", "NotApplicable", G), True, "Settled", "connected"),
    ];
    for (rule, want, run, engine, status, reason, message) in rows {
        let got = settled_condition(want, G, run.as_ref(), engine.as_ref());
        assert_eq!((got.status, got.reason.as_str()), (status, reason), "rule {rule}: {got:?}");
        assert!(got.message.contains(message), "rule {rule}: message {:?} lacks {message:?}", got.message);
    }
}

#[test]
fn running_maps_each_phase() {
    use ConditionStatus::{False, True};
    let desired = Desired { generation: 3, engine: moby() };
    let rows = [
        (Phase::Starting, False, "Starting"),
        (Phase::Running, True, "Started"),
        (Phase::Stopping, False, "Stopping"),
        (Phase::Stopped, False, "Stopped"),
        (Phase::StartFailed, False, "StartFailed"),
        (Phase::StopFailed, False, "StopFailed"),
    ];
    for (phase, status, reason) in rows {
        let observed = Observed { desired: desired.clone(), phase, message: format!("{phase:?} msg") };
        let got = running_condition(&desired, &observed);
        assert_eq!((got.status, got.reason.as_str()), (status, reason), "{phase:?}");
        assert_eq!(got.message, format!("{phase:?} msg"), "the supervisor's message is kept");
    }
}

#[test]
fn running_is_reconciling_until_the_supervisor_acts() {
    let desired = Desired { generation: 4, engine: moby() };
    // Older generation, same settings.
    let observed =
        Observed { desired: Desired { generation: 3, engine: moby() }, phase: Phase::Running, message: "up".into() };
    let got = running_condition(&desired, &observed);
    assert_eq!((got.status, got.reason.as_str()), (ConditionStatus::Unknown, "Reconciling"));
    assert!(got.message.contains("generation 4") && got.message.contains("running: up"), "{}", got.message);
    // Same generation, other settings (an App delete stops the engine
    // without a new generation).
    let deleting = Desired { generation: 3, engine: None };
    assert_eq!(running_condition(&deleting, &observed).reason, "Reconciling");
}
