//! Engine providers behind one trait (SPEC §5.1): a managed dockerd or
//! containerd spawned as a child of the service with this instance's
//! sockets and directories, or an external engine that is only pinged and
//! never started or stopped.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::future::BoxFuture;
use rdd_api::app::{EngineName, EngineProvider};
use rdd_api::instance::Paths;
use tokio::time::Instant;

use super::error::{StartError, StopError};
use super::options::EngineOptions;
use super::probe::{Address, probe};
use super::process::{ManagedProcess, ProcessSpec, describe_exit, reap_leftover};
use super::settings::{EngineSettings, Layout, engine_address, program};

/// How often a starting engine is probed.
const PROBE_INTERVAL: Duration = Duration::from_millis(200);
/// How often a running external engine is probed, and how many probes in a
/// row must fail before it counts as gone.
const EXTERNAL_HEALTH_INTERVAL: Duration = Duration::from_secs(5);
const EXTERNAL_HEALTH_FAILURES: u32 = 3;

/// One engine the supervisor can start, watch and stop.
pub trait EngineProcess: Send {
    /// `managed dockerd at unix:///…`: how messages name this engine.
    fn describe(&self) -> String;
    /// Starts (or connects to) the engine and returns once it answers,
    /// within the start cap. If the future is dropped midway, [`stop`]
    /// cleans up whatever was spawned.
    ///
    /// [`stop`]: EngineProcess::stop
    fn start(&mut self) -> BoxFuture<'_, Result<(), StartError>>;
    /// Resolves when a started engine is gone (process exit, or an
    /// external endpoint that stopped answering), with the cause.
    fn exited(&mut self) -> BoxFuture<'_, String>;
    /// Stops what [`start`](EngineProcess::start) started; a no-op for an
    /// external engine.
    fn stop(&mut self) -> BoxFuture<'_, Result<(), StopError>>;
}

/// The provider for these settings.
pub fn provider(settings: &EngineSettings, paths: &Paths, options: &EngineOptions) -> Box<dyn EngineProcess> {
    match settings.provider {
        EngineProvider::Managed => Box::new(Managed {
            name: settings.name,
            layout: Layout::new(paths, settings.name),
            address: engine_address(paths, settings),
            options: options.clone(),
            process: None,
        }),
        EngineProvider::External => Box::new(External {
            name: settings.name,
            endpoint: settings.endpoint.clone().unwrap_or_default(),
            options: options.clone(),
        }),
    }
}

/// A dockerd or containerd run by rdd.
struct Managed {
    name: EngineName,
    layout: Layout,
    address: String,
    options: EngineOptions,
    process: Option<ManagedProcess>,
}

impl Managed {
    fn binary(&self) -> Result<PathBuf, StartError> {
        let (configured, env_var, package) = match self.name {
            EngineName::Moby => (&self.options.dockerd, "RDD_DOCKERD", "docker.io"),
            EngineName::Containerd => (&self.options.containerd, "RDD_CONTAINERD", "containerd"),
        };
        let program = program(self.name);
        match configured {
            // A bare name, as in `RDD_DOCKERD=dockerd-rootless`, is looked up on PATH.
            Some(path) if path.components().count() == 1 && !path.is_absolute() => search_path(&path.to_string_lossy())
                .ok_or_else(|| StartError::NotAtPath { program, path: path.clone(), env_var }),
            Some(path) if path.is_file() => Ok(path.clone()),
            Some(path) => Err(StartError::NotAtPath { program, path: path.clone(), env_var }),
            None => search_path(program).ok_or(StartError::NotInPath { program, package, env_var }),
        }
    }

    fn args(&self) -> Vec<OsString> {
        let layout = &self.layout;
        let mut args: Vec<OsString> = Vec::new();
        let mut flag = |name: &str, value: &Path| {
            args.push(name.into());
            args.push(value.into());
        };
        let extra = match self.name {
            EngineName::Moby => {
                flag("--host", Path::new(&self.address));
                flag("--data-root", &layout.data_root);
                flag("--exec-root", &layout.runtime_dir);
                flag("--pidfile", &layout.pid_file);
                flag("--config-file", &layout.config_file);
                &self.options.dockerd_args
            }
            EngineName::Containerd => {
                flag("--config", &layout.config_file);
                flag("--address", &layout.socket);
                flag("--root", &layout.data_root);
                flag("--state", &layout.runtime_dir);
                &self.options.containerd_args
            }
        };
        args.extend(extra.iter().map(OsString::from));
        args
    }

    /// Creates every directory the engine needs, and its configuration: an
    /// empty daemon.json so that the system's /etc/docker/daemon.json
    /// (which may set `hosts` or a data root) does not apply, or a
    /// containerd config with the CRI plugin off (it would listen on shared
    /// ports and paths).
    async fn prepare(&self) -> Result<(), StartError> {
        let layout = &self.layout;
        let dirs = [
            layout.socket.parent(),
            Some(layout.data_root.as_path()),
            Some(layout.runtime_dir.as_path()),
            layout.pid_file.parent(),
            layout.log_file.parent(),
            layout.config_file.parent(),
        ];
        for dir in dirs.into_iter().flatten() {
            tokio::fs::create_dir_all(dir).await.map_err(|source| StartError::Filesystem {
                doing: "create directory",
                path: dir.to_owned(),
                source,
            })?;
        }
        let write_error = |source| StartError::Filesystem {
            doing: "write engine configuration",
            path: layout.config_file.clone(),
            source,
        };
        match self.name {
            EngineName::Moby => {
                if !layout.config_file.exists() {
                    tokio::fs::write(&layout.config_file, "{}\n").await.map_err(write_error)?;
                }
            }
            EngineName::Containerd => {
                tokio::fs::write(&layout.config_file, containerd_config(layout)).await.map_err(write_error)?;
            }
        }
        Ok(())
    }

    /// dockerd makes its data root a shared bind mount of itself and
    /// undoes that on a clean shutdown only (it leaves
    /// `<exec-root>/unmount-on-shutdown` as the note). After a kill or a
    /// crash rdd undoes it, so that the instance's files can be deleted.
    fn release_mounts(&self) {
        if self.name != EngineName::Moby {
            return;
        }
        let note = self.layout.runtime_dir.join("unmount-on-shutdown");
        if !note.exists() {
            return;
        }
        match nix::mount::umount2(&self.layout.data_root, nix::mount::MntFlags::MNT_DETACH) {
            Ok(()) => {
                tracing::info!(path = %self.layout.data_root.display(), "unmounted the data root of a dockerd that did not shut down cleanly")
            }
            // Not a mount point any more: dockerd cleaned up itself.
            Err(nix::Error::EINVAL | nix::Error::ENOENT) => {}
            Err(error) => {
                tracing::warn!(path = %self.layout.data_root.display(), %error, "could not unmount dockerd's data root")
            }
        }
        let _ = std::fs::remove_file(&note);
    }

    async fn start_inner(&mut self) -> Result<(), StartError> {
        let path = self.binary()?;
        self.prepare().await?;
        let marker = self.layout.socket.to_string_lossy().into_owned();
        reap_leftover(&self.layout.pid_file, &marker, self.options.stop_grace).await;
        self.release_mounts();
        // A socket file left by an engine that died: nobody listens on it
        // (the leftover is reaped above), and containerd refuses to bind over it.
        if tokio::fs::remove_file(&self.layout.socket).await.is_ok() {
            tracing::debug!(socket = %self.layout.socket.display(), "removed a stale engine socket");
        }
        let describe = self.describe();
        let spec = ProcessSpec {
            program: program(self.name),
            path,
            args: self.args(),
            log_file: self.layout.log_file.clone(),
        };
        let process = self.process.insert(ManagedProcess::spawn(spec)?);
        if self.name == EngineName::Containerd {
            // containerd writes no pid file; this one lets a later service
            // run reap it after a crash.
            let _ = tokio::fs::write(&self.layout.pid_file, format!("{}\n", process.pid())).await;
        }
        let address = Address::Unix(self.layout.socket.clone());
        let deadline = Instant::now() + self.options.start_timeout;
        loop {
            if let Some(status) = process.try_exit() {
                let error = process.exited_error(status).await;
                self.process = None;
                self.release_mounts();
                return Err(error);
            }
            match probe(self.name, &address).await {
                Ok(()) => {
                    tracing::info!(engine = %describe, pid = process.pid(), "engine answers");
                    return Ok(());
                }
                Err(why) => tracing::trace!(engine = %self.address, %why, "engine not answering yet"),
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            tokio::select! {
                _ = process.wait() => {}
                _ = tokio::time::sleep(PROBE_INTERVAL.min(deadline - now)) => {}
            }
        }
        if let Err(e) = process.stop(self.options.stop_grace).await {
            tracing::warn!(engine = %describe, error = %e, "stopping an engine that never answered");
        }
        self.process = None;
        self.release_mounts();
        Err(StartError::NoAnswer { endpoint: self.address.clone(), timeout: self.options.start_timeout })
    }
}

impl EngineProcess for Managed {
    fn describe(&self) -> String {
        format!("managed {} at {}", program(self.name), self.address)
    }

    fn start(&mut self) -> BoxFuture<'_, Result<(), StartError>> {
        Box::pin(self.start_inner())
    }

    fn exited(&mut self) -> BoxFuture<'_, String> {
        Box::pin(async move {
            let Some(process) = self.process.as_mut() else {
                return std::future::pending().await;
            };
            let status = process.wait().await;
            let cause = format!(
                "{} exited unexpectedly ({}); last lines of its output (full log: {}):\n{}",
                process.program(),
                describe_exit(status),
                process.log_file().display(),
                process.output_tail().await
            );
            self.process = None;
            self.release_mounts();
            cause
        })
    }

    fn stop(&mut self) -> BoxFuture<'_, Result<(), StopError>> {
        Box::pin(async move {
            let Some(mut process) = self.process.take() else { return Ok(()) };
            let result = process.stop(self.options.stop_grace).await;
            self.release_mounts();
            result
        })
    }
}

/// An engine someone else runs: rdd only checks that it answers.
struct External {
    name: EngineName,
    endpoint: String,
    options: EngineOptions,
}

impl EngineProcess for External {
    fn describe(&self) -> String {
        format!("external {} at {}", program(self.name), self.endpoint)
    }

    fn start(&mut self) -> BoxFuture<'_, Result<(), StartError>> {
        Box::pin(async move {
            let address = Address::parse(&self.endpoint)?;
            let deadline = Instant::now() + self.options.start_timeout;
            loop {
                match probe(self.name, &address).await {
                    Ok(()) => return Ok(()),
                    Err(why) => tracing::trace!(engine = %self.endpoint, %why, "external engine not answering yet"),
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(StartError::NoAnswer {
                        endpoint: self.endpoint.clone(),
                        timeout: self.options.start_timeout,
                    });
                }
                tokio::time::sleep(PROBE_INTERVAL.min(deadline - now)).await;
            }
        })
    }

    fn exited(&mut self) -> BoxFuture<'_, String> {
        Box::pin(async move {
            let Ok(address) = Address::parse(&self.endpoint) else {
                return std::future::pending().await;
            };
            let mut failures = 0;
            loop {
                tokio::time::sleep(EXTERNAL_HEALTH_INTERVAL).await;
                match probe(self.name, &address).await {
                    Ok(()) => failures = 0,
                    Err(why) => {
                        failures += 1;
                        if failures >= EXTERNAL_HEALTH_FAILURES {
                            return format!("external engine at {} stopped answering: {why}", self.endpoint);
                        }
                    }
                }
            }
        })
    }

    fn stop(&mut self) -> BoxFuture<'_, Result<(), StopError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The first executable file named `program` on PATH.
fn search_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| {
        std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// A minimal containerd configuration for one instance.
fn containerd_config(layout: &Layout) -> String {
    let quote = |path: &Path| {
        let text = path.to_string_lossy();
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    };
    format!(
        "# Generated by rdd for this instance; rewritten on every start.\n\
         version = 2\n\
         root = {root}\n\
         state = {state}\n\
         disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
         \n\
         [grpc]\n  address = {socket}\n",
        root = quote(&layout.data_root),
        state = quote(&layout.runtime_dir),
        socket = quote(&layout.socket),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::instance::{Environment, Instance};

    fn managed(name: EngineName, options: EngineOptions) -> Managed {
        let env = Environment { home: "/home/u".into(), ..Environment::default() };
        let paths = Paths::new(&Instance::new("7").unwrap(), &env);
        let settings = EngineSettings { name, provider: EngineProvider::Managed, endpoint: None };
        Managed {
            name,
            layout: Layout::new(&paths, name),
            address: engine_address(&paths, &settings),
            options,
            process: None,
        }
    }

    #[test]
    fn dockerd_gets_instance_paths_then_extra_args() {
        let options = EngineOptions { dockerd_args: vec!["--bridge=none".into()], ..EngineOptions::default() };
        let args: Vec<String> =
            managed(EngineName::Moby, options).args().iter().map(|a| a.to_string_lossy().into_owned()).collect();
        let data = "/home/u/.local/share/rancher-desktop-7/engine";
        assert_eq!(
            args,
            [
                "--host",
                "unix:///home/u/.rd7/docker.sock",
                "--data-root",
                &format!("{data}/data"),
                "--exec-root",
                "/home/u/.rd7/exec",
                "--pidfile",
                &format!("{data}/dockerd.pid"),
                "--config-file",
                &format!("{data}/daemon.json"),
                "--bridge=none",
            ]
        );
    }

    #[test]
    fn missing_binaries_say_what_to_do() {
        let options = EngineOptions { dockerd: Some("/nonexistent".into()), ..EngineOptions::default() };
        assert_eq!(
            managed(EngineName::Moby, options).binary().unwrap_err().to_string(),
            "dockerd not found at /nonexistent (from RDD_DOCKERD); point RDD_DOCKERD at a dockerd binary or unset it to use PATH"
        );
        assert_eq!(
            StartError::NotInPath { program: "dockerd", package: "docker.io", env_var: "RDD_DOCKERD" }.to_string(),
            "dockerd not found in PATH; install docker.io or set RDD_DOCKERD"
        );
    }

    #[test]
    fn bare_names_are_looked_up_on_path() {
        let options = EngineOptions { dockerd: Some("sh".into()), ..EngineOptions::default() };
        let found = managed(EngineName::Moby, options).binary().unwrap();
        assert!(found.is_absolute() && found.ends_with("sh"), "{found:?}");
        let options = EngineOptions { dockerd: Some("no-such-dockerd".into()), ..EngineOptions::default() };
        let error = managed(EngineName::Moby, options).binary().unwrap_err();
        assert!(error.to_string().starts_with("dockerd not found at no-such-dockerd (from RDD_DOCKERD)"), "{error}");
    }

    #[test]
    fn containerd_config_is_scoped_to_the_instance() {
        let m = managed(EngineName::Containerd, EngineOptions::default());
        let config = containerd_config(&m.layout);
        assert!(config.contains("address = \"/home/u/.rd7/containerd.sock\""), "{config}");
        assert!(config.contains("state = \"/home/u/.rd7/cstate\""), "{config}");
        assert!(config.contains("io.containerd.grpc.v1.cri"), "{config}");
    }
}
