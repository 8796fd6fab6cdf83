//! The app controller's engine providers and supervisor against real
//! processes: a private dockerd per test (own socket, data and exec roots,
//! `--bridge=none --iptables=false` so that parallel dockerds on one
//! machine share nothing), containerd, and shell scripts posing as broken
//! engines. No API server is involved.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rdd_api::app::{EngineName, EngineProvider};
use rdd_api::instance::{Environment, Instance, Paths};
use rdd_controller::app::{
    Desired, EngineFactory, EngineOptions, EngineSettings, Layout, Observed, Phase, StartError, StopError,
    SupervisorHandle, engine_address, provider,
};
use tokio::sync::watch;

const DOCKERD_TEST_ARGS: [&str; 3] = ["--bridge=none", "--iptables=false", "--ip6tables=false"];

/// A fresh HOME for one instance, so every path (and socket) is private.
struct TestInstance {
    _home: tempfile::TempDir,
    paths: Paths,
}

fn instance() -> TestInstance {
    let home = tempfile::Builder::new().prefix("rdd-app").tempdir_in("/tmp").unwrap();
    let env = Environment { home: home.path().to_owned(), ..Environment::default() };
    let paths = Paths::new(&Instance::new("t").unwrap(), &env);
    TestInstance { _home: home, paths }
}

fn options() -> EngineOptions {
    EngineOptions {
        dockerd_args: DOCKERD_TEST_ARGS.iter().map(|s| s.to_string()).collect(),
        ..EngineOptions::default()
    }
}

fn managed(name: EngineName) -> EngineSettings {
    EngineSettings { name, provider: EngineProvider::Managed, endpoint: None }
}

/// The binary on PATH, or `None` (and a printed reason) to skip.
fn installed(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file());
    if found.is_none() {
        eprintln!("SKIP: {program} is not installed");
    }
    found
}

fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn alive(pid: i32) -> bool {
    // A zombie still answers kill(0); look at its state too.
    kill(Pid::from_raw(pid), None).is_ok()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
            .unwrap_or(false)
}

/// Whether `path` is a mount point (dockerd bind-mounts its data root).
fn mounted(path: &Path) -> bool {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let path = path.to_string_lossy();
    mountinfo.lines().any(|line| line.split(' ').nth(4) == Some(&*path))
}

fn dockerd_pid(paths: &Paths) -> i32 {
    let text = std::fs::read_to_string(Layout::new(paths, EngineName::Moby).pid_file).unwrap();
    text.trim().parse().unwrap()
}

fn docker_version(address: &str) -> std::process::Output {
    std::process::Command::new("docker").args(["-H", address, "version"]).output().unwrap()
}

async fn wait_gone(pid: i32) -> bool {
    for _ in 0..50 {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn app_managed_dockerd_starts_answers_and_stops_and_external_leaves_it_alone() {
    if installed("dockerd").is_none() || installed("docker").is_none() {
        return;
    }
    let inst = instance();
    let settings = managed(EngineName::Moby);
    let address = engine_address(&inst.paths, &settings);
    assert_eq!(address, format!("unix://{}", inst.paths.docker_socket.display()));

    let mut engine = provider(&settings, &inst.paths, &options());
    engine.start().await.expect("dockerd starts");
    let pid = dockerd_pid(&inst.paths);
    assert!(alive(pid));
    let out = docker_version(&address);
    assert!(out.status.success(), "docker version failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Server"), "{}", String::from_utf8_lossy(&out.stdout));

    // An external provider on that socket connects, and its stop leaves
    // the daemon running.
    let external =
        EngineSettings { name: EngineName::Moby, provider: EngineProvider::External, endpoint: Some(address.clone()) };
    let other = instance();
    let mut outside = provider(&external, &other.paths, &options());
    assert_eq!(outside.describe(), format!("external dockerd at {address}"));
    outside.start().await.expect("external endpoint answers");
    outside.stop().await.expect("external stop is a no-op");
    assert!(alive(pid), "stopping an external engine must not touch it");
    assert!(docker_version(&address).status.success());

    engine.stop().await.expect("dockerd stops on SIGTERM");
    assert!(!alive(pid), "dockerd {pid} is still running after stop");
    assert!(!docker_version(&address).status.success());
}

#[tokio::test]
async fn app_missing_binary_names_the_path() {
    let inst = instance();
    let options = EngineOptions { dockerd: Some("/nonexistent".into()), ..options() };
    let error = provider(&managed(EngineName::Moby), &inst.paths, &options).start().await.unwrap_err();
    assert!(matches!(error, StartError::NotAtPath { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "dockerd not found at /nonexistent (from RDD_DOCKERD); point RDD_DOCKERD at a dockerd binary or unset it to use PATH"
    );

    // Through the supervisor it is StartFailed, retried with backoff.
    let (supervisor, _shutdown) = supervisor(&inst.paths, options);
    let on = Desired { generation: 1, engine: Some(managed(EngineName::Moby)) };
    supervisor.set(on.clone());
    let failed = reach(&supervisor, &on, Phase::StartFailed, Duration::from_secs(10)).await;
    assert!(failed.message.starts_with("dockerd not found at /nonexistent (from RDD_DOCKERD)"), "{}", failed.message);
    assert!(failed.message.ends_with("(retrying in 1s)"), "{}", failed.message);
}

#[tokio::test]
async fn app_an_engine_that_exits_at_once_reports_status_and_stderr() {
    let inst = instance();
    let scripts = tempfile::tempdir().unwrap();
    let fake = write_script(
        scripts.path(),
        "dockerd",
        "echo 'starting up' \necho 'unknown flag: --bogus' >&2\necho 'See dockerd --help.' >&2\nexit 3\n",
    );
    let options = EngineOptions { dockerd: Some(fake), ..options() };
    let error = provider(&managed(EngineName::Moby), &inst.paths, &options).start().await.unwrap_err();
    let log = inst.paths.log_dir.join("dockerd.log");
    assert_eq!(
        error.to_string(),
        format!(
            "dockerd exited during start (exit status 3); last lines of its output (full log: {}):\nstarting up\nunknown flag: --bogus\nSee dockerd --help.",
            log.display()
        )
    );
    // A second run quotes only its own output, not the previous run's.
    let error = provider(&managed(EngineName::Moby), &inst.paths, &options).start().await.unwrap_err();
    assert_eq!(error.to_string().matches("unknown flag").count(), 1, "{error}");
}

#[tokio::test]
async fn app_an_engine_that_never_answers_is_stopped_after_the_start_cap() {
    let inst = instance();
    let scripts = tempfile::tempdir().unwrap();
    let fake = write_script(scripts.path(), "dockerd", "echo $$ > \"$0.pid\"\nexec sleep 60\n");
    let options = EngineOptions { dockerd: Some(fake.clone()), start_timeout: Duration::from_secs(1), ..options() };
    let error = provider(&managed(EngineName::Moby), &inst.paths, &options).start().await.unwrap_err();
    assert_eq!(error.to_string(), format!("no answer from unix://{} within 1s", inst.paths.docker_socket.display()));
    let pid: i32 = std::fs::read_to_string(format!("{}.pid", fake.display())).unwrap().trim().parse().unwrap();
    assert!(wait_gone(pid).await, "the silent engine {pid} was left running");
}

#[tokio::test]
async fn app_an_engine_ignoring_sigterm_is_killed_with_its_group() {
    let Some(dockerd) = installed("dockerd") else { return };
    let inst = instance();
    let scripts = tempfile::tempdir().unwrap();
    // The wrapper ignores SIGTERM; the real dockerd it runs would stop,
    // but never gets the signal: SIGKILL to the group must take both.
    let wrapper =
        write_script(scripts.path(), "dockerd", &format!("trap '' TERM\n{} \"$@\" &\nwait\nwait\n", dockerd.display()));
    let options = EngineOptions { dockerd: Some(wrapper), stop_grace: Duration::from_secs(2), ..options() };
    let mut engine = provider(&managed(EngineName::Moby), &inst.paths, &options);
    engine.start().await.expect("the wrapped dockerd starts");
    let real = dockerd_pid(&inst.paths);
    let error = engine.stop().await.unwrap_err();
    assert!(matches!(error, StopError::Killed { .. }), "{error:?}");
    assert!(error.to_string().ends_with("did not stop within 2s; killed"), "{error}");
    assert!(wait_gone(real).await, "dockerd {real} survived the group kill");
    let data_root = Layout::new(&inst.paths, EngineName::Moby).data_root;
    assert!(!mounted(&data_root), "the killed dockerd's data root is still mounted");
}

#[tokio::test]
async fn app_supervisor_restarts_a_dockerd_that_dies() {
    if installed("dockerd").is_none() {
        return;
    }
    let inst = instance();
    let (supervisor, shutdown) = supervisor(&inst.paths, options());
    let on = Desired { generation: 1, engine: Some(managed(EngineName::Moby)) };
    supervisor.set(on.clone());
    let running = reach(&supervisor, &on, Phase::Running, Duration::from_secs(40)).await;
    assert_eq!(running.message, format!("managed dockerd at unix://{} answers", inst.paths.docker_socket.display()));
    let first = dockerd_pid(&inst.paths);
    kill(Pid::from_raw(first), Signal::SIGKILL).unwrap();
    let failed = reach(&supervisor, &on, Phase::StartFailed, Duration::from_secs(10)).await;
    assert!(
        failed.message.starts_with("dockerd exited unexpectedly (killed by signal 9 (SIGKILL))"),
        "{}",
        failed.message
    );
    assert!(failed.message.ends_with("(restarting in 1s)"), "{}", failed.message);
    reach(&supervisor, &on, Phase::Running, Duration::from_secs(40)).await;
    let second = dockerd_pid(&inst.paths);
    assert_ne!(first, second);
    let data_root = Layout::new(&inst.paths, EngineName::Moby).data_root;
    assert!(mounted(&data_root), "a running dockerd shares its data root");

    // Service shutdown stops the engine.
    shutdown.send(true).unwrap();
    let last = supervisor.join().await.unwrap();
    assert_eq!(last.phase, Phase::Stopped);
    assert!(wait_gone(second).await, "dockerd {second} still running after shutdown");
    assert!(!mounted(&data_root));
}

#[tokio::test]
async fn app_managed_containerd_starts_and_stops() {
    if installed("containerd").is_none() {
        return;
    }
    let inst = instance();
    let settings = managed(EngineName::Containerd);
    let mut engine = provider(&settings, &inst.paths, &options());
    engine.start().await.expect("containerd starts");
    let socket = inst.paths.short_dir.join("containerd.sock");
    assert_eq!(engine_address(&inst.paths, &settings), format!("unix://{}", socket.display()));
    let pid: i32 = std::fs::read_to_string(Layout::new(&inst.paths, EngineName::Containerd).pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    if installed("ctr").is_some() {
        let out = std::process::Command::new("ctr").arg("--address").arg(&socket).arg("version").output().unwrap();
        assert!(out.status.success(), "ctr version: {}", String::from_utf8_lossy(&out.stderr));
    }
    engine.stop().await.expect("containerd stops on SIGTERM");
    assert!(!alive(pid));
}

#[tokio::test]
async fn app_an_engine_left_by_a_crashed_service_is_replaced() {
    if installed("dockerd").is_none() {
        return;
    }
    let inst = instance();
    let settings = managed(EngineName::Moby);
    let crashed = provider(&settings, &inst.paths, &options());
    let mut crashed = std::mem::ManuallyDrop::new(crashed);
    crashed.start().await.expect("first dockerd starts");
    let orphan = dockerd_pid(&inst.paths);
    // The service "dies": its engine object is never stopped or dropped.
    let mut engine = provider(&settings, &inst.paths, &options());
    engine.start().await.expect("a new dockerd replaces the orphan");
    let replacement = dockerd_pid(&inst.paths);
    assert_ne!(orphan, replacement);
    assert!(!alive(orphan), "the orphaned dockerd {orphan} is still running");
    assert!(docker_version(&engine_address(&inst.paths, &settings)).status.success());
    engine.stop().await.unwrap();
    assert!(wait_gone(replacement).await);
}

#[tokio::test]
async fn app_two_instances_run_their_own_dockerds_side_by_side() {
    if installed("dockerd").is_none() || installed("docker").is_none() {
        return;
    }
    let (a, b) = (instance(), instance());
    let settings = managed(EngineName::Moby);
    let mut engine_a = provider(&settings, &a.paths, &options());
    let mut engine_b = provider(&settings, &b.paths, &options());
    let (started_a, started_b) = tokio::join!(engine_a.start(), engine_b.start());
    started_a.expect("dockerd of instance a");
    started_b.expect("dockerd of instance b");
    let (pid_a, pid_b) = (dockerd_pid(&a.paths), dockerd_pid(&b.paths));
    assert_ne!(pid_a, pid_b);
    for inst in [&a, &b] {
        assert!(docker_version(&engine_address(&inst.paths, &settings)).status.success());
    }
    engine_a.stop().await.unwrap();
    assert!(!alive(pid_a));
    assert!(alive(pid_b), "stopping one instance's engine must leave the other's alone");
    assert!(docker_version(&engine_address(&b.paths, &settings)).status.success());
    engine_b.stop().await.unwrap();
    assert!(!alive(pid_b));
}

fn supervisor(paths: &Paths, options: EngineOptions) -> (SupervisorHandle, watch::Sender<bool>) {
    let paths = paths.clone();
    let factory: EngineFactory = Box::new(move |settings| provider(settings, &paths, &options));
    let (shutdown, shutdown_rx) = watch::channel(false);
    (SupervisorHandle::spawn(factory, shutdown_rx), shutdown)
}

async fn reach(supervisor: &SupervisorHandle, desired: &Desired, phase: Phase, within: Duration) -> Observed {
    let mut rx = supervisor.observed();
    let found = match tokio::time::timeout(within, rx.wait_for(|o| o.desired == *desired && o.phase == phase)).await {
        Ok(Ok(observed)) => Some(observed.clone()),
        _ => None,
    };
    found.unwrap_or_else(|| panic!("never reached {phase:?} within {within:?}; last {:?}", *rx.borrow()))
}
