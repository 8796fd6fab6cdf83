//! The App side of the engine controller (SPEC §6.1) as pure decisions:
//! whether to mirror, which Docker host, and what ContainerEngineReady
//! should say for the App and the session as they are.

use rdd_api::App;
use rdd_api::app::condition::{self, reason};
use rdd_api::app::{EngineName, EngineProvider};
use rdd_api::conditions::{ConditionStatus, find_condition};

use super::session::SessionState;

/// What the App asks of the engine controller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// Mirror the moby engine at this host into this namespace.
    Mirror { host: Result<String, String>, namespace: String },
    /// The user still wants a running moby engine, but it is not running
    /// right now (restarting after an exit, or failing to start): keep the
    /// mirrors and any session, which reconnects and re-syncs in place when
    /// the engine is back (SPEC §6.4, seed r2 I4). `reason` is the Running
    /// condition's, for the message.
    Hold { reason: String, message: String },
    /// Do not mirror; `terminal` is the condition to write once the sweep
    /// is done (None when the App is gone).
    Idle { terminal: Option<Terminal> },
}

/// The resting ContainerEngineReady of a controller that does not mirror.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminal {
    /// False/Stopped: the engine is not running.
    Stopped,
    /// True/NotApplicable: running, but not moby.
    NotApplicable,
}

impl Terminal {
    pub fn condition(self) -> (ConditionStatus, &'static str, &'static str) {
        match self {
            Terminal::Stopped => (ConditionStatus::False, reason::STOPPED, "Container engine stopped"),
            Terminal::NotApplicable => (
                ConditionStatus::True,
                reason::NOT_APPLICABLE,
                "Engine mirroring is only supported with the moby backend",
            ),
        }
    }

    /// Whether the App already shows this condition (so a controller that
    /// just started does not sweep again: seed r2 I8).
    pub fn shown_on(self, app: &App) -> bool {
        let (status, why, _) = self.condition();
        let conditions = app.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or_default();
        find_condition(conditions, condition::CONTAINER_ENGINE_READY)
            .is_some_and(|c| c.status == status.as_str() && c.reason == why)
    }
}

/// Where the engine controller reaches Docker: the `--docker-host`
/// override, else an external engine's endpoint, else the managed
/// engine's socket of this instance.
pub fn docker_host(app: &App, override_host: Option<&str>, managed_host: Option<&str>) -> Result<String, String> {
    if let Some(host) = override_host {
        return Ok(host.to_owned());
    }
    let engine = &app.spec.container_engine;
    match engine.provider {
        EngineProvider::External => engine
            .endpoint
            .clone()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| "the App's external engine has no endpoint".to_owned()),
        EngineProvider::Managed => managed_host.map(str::to_owned).ok_or_else(|| {
            "no Docker host for the managed engine: run inside `rdd svc serve` or pass --docker-host".to_owned()
        }),
    }
}

/// SPEC §6.1: `want = Running is True && containerEngine.name == moby`.
/// Not wanting is split by intent: the user stopped the engine, switched
/// backends or deleted the App → Idle (sweep); the engine is merely not up
/// while the user still wants it → Hold (no sweep), so that a dockerd
/// restart keeps every mirror's UID.
pub fn want(
    app: Option<&App>,
    override_host: Option<&str>,
    managed_host: Option<&str>,
    namespace_override: Option<&str>,
) -> Want {
    let Some(app) = app else { return Want::Idle { terminal: None } };
    let conditions = app.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or_default();
    let running = find_condition(conditions, condition::RUNNING).is_some_and(|c| c.status == "True");
    let moby = app.spec.container_engine.name == EngineName::Moby;
    if running && moby {
        let namespace = namespace_override.map(str::to_owned).unwrap_or_else(|| app.spec.namespace.clone());
        return Want::Mirror { host: docker_host(app, override_host, managed_host), namespace };
    }
    let desired = app.spec.running && app.metadata.deletion_timestamp.is_none();
    if desired && moby {
        let (reason, message) = find_condition(conditions, condition::RUNNING)
            .map_or_else(|| ("Missing".to_owned(), String::new()), |c| (c.reason.clone(), c.message.clone()));
        return Want::Hold { reason, message };
    }
    let terminal = if running && !moby { Terminal::NotApplicable } else { Terminal::Stopped };
    Want::Idle { terminal: Some(terminal) }
}

/// ContainerEngineReady while holding without a session.
pub fn holding_condition(reason: &str, message: &str) -> (ConditionStatus, &'static str, String) {
    let detail = if message.is_empty() { String::new() } else { format!(": {message}") };
    (
        ConditionStatus::False,
        reason::CONNECTING,
        format!("waiting for the container engine to run (Running is {reason}{detail})"),
    )
}

/// ContainerEngineReady while mirroring, from the session's state.
pub fn mirroring_condition(state: &SessionState) -> (ConditionStatus, &'static str, String) {
    match state {
        SessionState::Connected => (ConditionStatus::True, reason::CONNECTED, "Container engine synced".to_owned()),
        SessionState::Connecting(m) => (ConditionStatus::False, reason::CONNECTING, m.clone()),
        SessionState::ConnectFailed(m) => (ConditionStatus::False, reason::CONNECT_FAILED, m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::AppSpec;
    use rdd_api::app::{AppStatus, ContainerEngine};
    use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

    fn app(running: Option<&str>, engine: EngineName, provider: EngineProvider, endpoint: Option<&str>) -> App {
        let mut app = App::new(
            "app",
            AppSpec {
                running: running != Some("Stopped"),
                namespace: "rancher-desktop".into(),
                container_engine: ContainerEngine { name: engine, provider, endpoint: endpoint.map(Into::into) },
            },
        );
        if let Some(status) = running {
            app.status = Some(AppStatus {
                conditions: vec![Condition {
                    type_: "Running".into(),
                    status: if status == "Stopped" { "False".into() } else { status.into() },
                    reason: if status == "True" { "Started".into() } else { status.into() },
                    message: String::new(),
                    observed_generation: Some(1),
                    last_transition_time: Time(Default::default()),
                }],
            });
        }
        app
    }

    #[test]
    fn want_table() {
        use EngineName::*;
        use EngineProvider::*;
        let sock = Some("unix:///home/u/.rd2/docker.sock");
        let mirror = |host: &str| Want::Mirror { host: Ok(host.into()), namespace: "rancher-desktop".into() };
        let cases = [
            (Some(app(Some("True"), Moby, Managed, None)), None, mirror("unix:///home/u/.rd2/docker.sock")),
            (Some(app(Some("True"), Moby, External, Some("tcp://h:2375"))), None, mirror("tcp://h:2375")),
            (Some(app(Some("True"), Moby, External, Some("tcp://h:2375"))), Some("unix:///x"), mirror("unix:///x")),
            // The user stopped the engine: sweep.
            (Some(app(Some("Stopped"), Moby, Managed, None)), None, Want::Idle { terminal: Some(Terminal::Stopped) }),
            // Still wanted, but (re)starting or failing: hold the mirrors.
            (
                Some(app(Some("StartFailed"), Moby, Managed, None)),
                None,
                Want::Hold { reason: "StartFailed".into(), message: String::new() },
            ),
            (
                Some(app(None, Moby, Managed, None)),
                None,
                Want::Hold { reason: "Missing".into(), message: String::new() },
            ),
            (
                Some(app(Some("True"), Containerd, Managed, None)),
                None,
                Want::Idle { terminal: Some(Terminal::NotApplicable) },
            ),
            (
                Some(app(Some("Starting"), Containerd, Managed, None)),
                None,
                Want::Idle { terminal: Some(Terminal::Stopped) },
            ),
            (None, None, Want::Idle { terminal: None }),
        ];
        for (app, override_host, expected) in cases {
            assert_eq!(want(app.as_ref(), override_host, sock, None), expected, "{:?}", app.map(|a| a.spec));
        }
        // An App being deleted is not wanted, whatever its spec says.
        let mut deleting = app(Some("Starting"), Moby, Managed, None);
        deleting.metadata.deletion_timestamp = Some(Time(Default::default()));
        assert_eq!(want(Some(&deleting), None, sock, None), Want::Idle { terminal: Some(Terminal::Stopped) });
        // Without a managed socket the managed engine cannot be reached: say so.
        let w = want(Some(&app(Some("True"), Moby, Managed, None)), None, None, Some("second"));
        assert!(matches!(w, Want::Mirror { host: Err(_), ref namespace } if namespace == "second"));
    }

    #[test]
    fn terminal_is_recognised_on_the_app() {
        let mut a = app(Some("Stopped"), EngineName::Moby, EngineProvider::Managed, None);
        assert!(!Terminal::Stopped.shown_on(&a));
        a.status.as_mut().unwrap().conditions.push(Condition {
            type_: "ContainerEngineReady".into(),
            status: "False".into(),
            reason: "Stopped".into(),
            message: String::new(),
            observed_generation: Some(1),
            last_transition_time: Time(Default::default()),
        });
        assert!(Terminal::Stopped.shown_on(&a));
        assert!(!Terminal::NotApplicable.shown_on(&a));
    }

    #[test]
    fn holding_says_what_it_waits_for() {
        let (status, reason, message) = holding_condition("StartFailed", "dockerd exited");
        assert_eq!((status, reason), (ConditionStatus::False, "Connecting"));
        assert_eq!(message, "waiting for the container engine to run (Running is StartFailed: dockerd exited)");
    }

    #[test]
    fn session_states_map_to_reasons() {
        assert_eq!(mirroring_condition(&SessionState::Connected).1, "Connected");
        assert_eq!(
            mirroring_condition(&SessionState::Connecting("x".into())),
            (ConditionStatus::False, "Connecting", "x".into())
        );
        assert_eq!(mirroring_condition(&SessionState::ConnectFailed("y".into())).1, "ConnectFailed");
    }
}
