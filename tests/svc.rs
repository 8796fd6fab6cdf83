//! The service life cycle through the library every client command uses:
//! `ensure_running` starts the built `rdd` in the background, waits for
//! readiness and hands back a working kube configuration; concurrent
//! callers end up with one service; `stop` ends it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rdd_api::instance::{Environment, Instance};
use rdd_commands::svc::{Context, START_TIMEOUT, Service, StartOutcome, State, StopOutcome, client_config};

struct Fixture {
    _home: tempfile::TempDir,
    service: Service,
}

/// An instance of its own under a temporary HOME, started from the built rdd.
fn fixture(name: &str) -> Fixture {
    let home = tempfile::tempdir().unwrap();
    let env = Environment { home: home.path().to_owned(), ..Environment::default() };
    let instance = Instance::new(&format!("rt-{name}-{}", std::process::id())).unwrap();
    let service = Service::new(instance, env).unwrap().with_program(PathBuf::from(env!("CARGO_BIN_EXE_rdd")));
    Fixture { _home: home, service }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(State::Running { pid: Some(pid) }) = self.service.state() {
            let _ = std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

#[tokio::test]
async fn ensure_running_starts_once_and_stop_ends_it() {
    let fixture = fixture("life");
    let service = &fixture.service;
    assert_eq!(service.state().unwrap(), State::Stopped);

    let started = Instant::now();
    service.ensure_running(START_TIMEOUT).await.unwrap();
    let startup = started.elapsed();
    let State::Running { pid: Some(pid) } = service.state().unwrap() else { panic!("not running") };
    assert!(startup < Duration::from_secs(10), "start-up took {startup:?}");

    let client = kube::Client::try_from(client_config(service.paths(), Context::Root).await.unwrap()).unwrap();
    let version = client.apiserver_version().await.unwrap();
    assert_eq!(version.minor, "33");
    let user = kube::Client::try_from(client_config(service.paths(), Context::User).await.unwrap()).unwrap();
    assert_eq!(user.apiserver_version().await.unwrap().major, "1");

    // Running already: nothing new is started.
    assert_eq!(service.start(Some(START_TIMEOUT)).await.unwrap(), StartOutcome::AlreadyRunning { pid: Some(pid) });
    // Logs went to the instance's log_dir.
    let log = std::fs::read_to_string(service.paths().log_dir.join("rdd.stderr.log")).unwrap();
    assert!(log.contains("rdd service started"), "{log}");

    assert_eq!(service.stop(Some(Duration::from_secs(30))).await.unwrap(), StopOutcome::Stopped { pid });
    assert_eq!(service.state().unwrap(), State::Stopped);
    assert!(!service.paths().pid_file.exists());
    assert_eq!(service.stop(Some(Duration::from_secs(30))).await.unwrap(), StopOutcome::AlreadyStopped);
}

#[tokio::test]
async fn concurrent_starts_share_one_service() {
    let fixture = fixture("race");
    let service = &fixture.service;
    let (a, b, c) = tokio::join!(
        service.ensure_running(START_TIMEOUT),
        service.ensure_running(START_TIMEOUT),
        service.ensure_running(START_TIMEOUT)
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    let State::Running { pid: Some(pid) } = service.state().unwrap() else { panic!("not running") };
    assert_eq!(service.stop(Some(Duration::from_secs(30))).await.unwrap(), StopOutcome::Stopped { pid });
}

#[tokio::test]
async fn a_killed_service_is_detected_and_restarted() {
    let fixture = fixture("kill9");
    let service = &fixture.service;
    service.ensure_running(START_TIMEOUT).await.unwrap();
    let State::Running { pid: Some(pid) } = service.state().unwrap() else { panic!("not running") };
    std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while service.state().unwrap() != State::Stopped {
        assert!(Instant::now() < deadline, "a killed service still looks alive");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The stale pid file stays behind, and does not fool anyone.
    assert!(service.paths().pid_file.exists());
    service.ensure_running(START_TIMEOUT).await.unwrap();
    let State::Running { pid: Some(new_pid) } = service.state().unwrap() else { panic!("not running") };
    assert_ne!(new_pid, pid);
    service.stop(Some(Duration::from_secs(30))).await.unwrap();
}
