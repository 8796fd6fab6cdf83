//! What the engine supervisor acts on (the engine part of an App spec) and
//! where each managed engine keeps its files: every socket, data and
//! runtime directory derives from the instance paths, so two instances
//! never share one, and socket paths stay short (a Unix socket address
//! holds at most 108 bytes).

use std::path::PathBuf;

use rdd_api::app::{ContainerEngine, EngineName, EngineProvider};
use rdd_api::instance::Paths;

/// The engine settings of an App that decide which process runs. Two
/// specs with equal settings need no restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineSettings {
    pub name: EngineName,
    pub provider: EngineProvider,
    /// Only kept for `external`: a managed engine ignores the endpoint, so
    /// editing it must not restart one.
    pub endpoint: Option<String>,
}

impl EngineSettings {
    pub fn from_spec(engine: &ContainerEngine) -> Self {
        EngineSettings {
            name: engine.name,
            provider: engine.provider,
            endpoint: match engine.provider {
                EngineProvider::External => engine.endpoint.clone(),
                EngineProvider::Managed => None,
            },
        }
    }

    /// `managed dockerd`, `external containerd`: how messages name the engine.
    pub fn describe(&self) -> String {
        format!("{} {}", self.provider.as_str(), program(self.name))
    }
}

/// The binary that implements an engine.
pub fn program(name: EngineName) -> &'static str {
    match name {
        EngineName::Moby => "dockerd",
        EngineName::Containerd => "containerd",
    }
}

/// Files and directories of a managed engine of one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The API socket clients use.
    pub socket: PathBuf,
    /// Persistent data (images, containers, volumes).
    pub data_root: PathBuf,
    /// Runtime state with sockets of its own (dockerd's `--exec-root`,
    /// containerd's `--state`): under `short_dir` to keep paths short.
    pub runtime_dir: PathBuf,
    /// Process id of the engine, used to reap one left by a crashed service.
    pub pid_file: PathBuf,
    /// Where the engine's stdout and stderr go.
    pub log_file: PathBuf,
    /// containerd's generated configuration (unused for dockerd).
    pub config_file: PathBuf,
}

impl Layout {
    pub fn new(paths: &Paths, name: EngineName) -> Self {
        match name {
            EngineName::Moby => Layout {
                socket: paths.docker_socket.clone(),
                data_root: paths.engine_dir.join("data"),
                runtime_dir: paths.short_dir.join("exec"),
                pid_file: paths.engine_dir.join("dockerd.pid"),
                log_file: paths.log_dir.join("dockerd.log"),
                config_file: paths.engine_dir.join("daemon.json"),
            },
            EngineName::Containerd => Layout {
                socket: paths.short_dir.join("containerd.sock"),
                data_root: paths.engine_dir.join("containerd"),
                runtime_dir: paths.short_dir.join("cstate"),
                pid_file: paths.engine_dir.join("containerd.pid"),
                log_file: paths.log_dir.join("containerd.log"),
                config_file: paths.engine_dir.join("containerd.toml"),
            },
        }
    }
}

/// The address clients use to reach the engine of these settings:
/// `unix://<socket>` for a managed engine, the endpoint for an external one.
pub fn engine_address(paths: &Paths, settings: &EngineSettings) -> String {
    match settings.provider {
        EngineProvider::Managed => format!("unix://{}", Layout::new(paths, settings.name).socket.display()),
        EngineProvider::External => settings.endpoint.clone().unwrap_or_default(),
    }
}

/// The `DOCKER_HOST` for this instance's engine, or `None` when the engine
/// is containerd (which speaks no Docker API).
pub fn docker_host(paths: &Paths, engine: &ContainerEngine) -> Option<String> {
    let settings = EngineSettings::from_spec(engine);
    match settings.name {
        EngineName::Moby => Some(engine_address(paths, &settings)),
        EngineName::Containerd => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::instance::{Environment, Instance};

    fn paths() -> Paths {
        let env = Environment { home: "/home/u".into(), ..Environment::default() };
        Paths::new(&Instance::new("7").unwrap(), &env)
    }

    #[test]
    fn managed_endpoint_ignores_the_spec_endpoint() {
        let engine = ContainerEngine {
            name: EngineName::Moby,
            provider: EngineProvider::Managed,
            endpoint: Some("unix:///elsewhere".into()),
        };
        assert_eq!(EngineSettings::from_spec(&engine).endpoint, None);
        assert_eq!(docker_host(&paths(), &engine).as_deref(), Some("unix:///home/u/.rd7/docker.sock"));
    }

    #[test]
    fn external_uses_the_endpoint_and_containerd_has_no_docker_host() {
        let mut engine = ContainerEngine {
            name: EngineName::Moby,
            provider: EngineProvider::External,
            endpoint: Some("tcp://127.0.0.1:2375".into()),
        };
        assert_eq!(docker_host(&paths(), &engine).as_deref(), Some("tcp://127.0.0.1:2375"));
        engine.name = EngineName::Containerd;
        assert_eq!(docker_host(&paths(), &engine), None);
    }

    #[test]
    fn sockets_live_under_the_short_dir() {
        for name in [EngineName::Moby, EngineName::Containerd] {
            let layout = Layout::new(&paths(), name);
            assert!(layout.socket.starts_with("/home/u/.rd7"), "{layout:?}");
            assert!(layout.runtime_dir.starts_with("/home/u/.rd7"), "{layout:?}");
            assert!(layout.data_root.starts_with(&paths().engine_dir), "{layout:?}");
        }
    }
}
