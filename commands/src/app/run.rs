//! `rdd run CMD...`: with the engine running, replace rdd by CMD with
//! `DOCKER_HOST` pointing at this instance's engine and `KUBECONFIG` at
//! this instance's kubeconfig, so CMD's exit code is rdd's.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

use rdd_api::App;
use rdd_api::instance::Paths;
use rdd_controller::app::{EngineSettings, engine_address};

use crate::{CommandError, ExitStatus};

/// The `DOCKER_HOST` of the engine an App describes; containerd has none.
pub fn docker_host(paths: &Paths, app: &App) -> Result<String, CommandError> {
    let engine = &app.spec.container_engine;
    rdd_controller::app::docker_host(paths, engine).ok_or_else(|| {
        CommandError::failure(format!(
            "the App runs containerd ({}), which has no Docker API for DOCKER_HOST: run `rdd set containerEngine.name=moby` first",
            engine_address(paths, &EngineSettings::from_spec(engine))
        ))
    })
}

/// Replaces this process by `program` with the instance's `DOCKER_HOST`
/// and `KUBECONFIG`. Returns only when the program could not be run.
pub fn exec(program: &[OsString], docker_host: &str, kubeconfig: &std::path::Path) -> CommandError {
    let Some((command, args)) = program.split_first() else {
        return CommandError::usage("rdd run needs a command to run, e.g. rdd run docker ps");
    };
    let err = std::process::Command::new(command)
        .args(args)
        .env("DOCKER_HOST", docker_host)
        .env("KUBECONFIG", kubeconfig)
        .exec();
    // exec only returns when it failed; shells use 127 and 126 for these.
    let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    CommandError::new(ExitStatus::Program(code), format!("cannot run {}: {err}", command.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::AppSpec;
    use rdd_api::app::{APP_NAME, ContainerEngine, EngineName, EngineProvider};
    use rdd_api::instance::{Environment, Instance};

    fn app(name: EngineName, provider: EngineProvider, endpoint: Option<&str>) -> App {
        App::new(
            APP_NAME,
            AppSpec {
                running: true,
                namespace: "rancher-desktop".into(),
                container_engine: ContainerEngine { name, provider, endpoint: endpoint.map(str::to_owned) },
            },
        )
    }

    #[test]
    fn docker_host_follows_the_provider() {
        let env = Environment { home: "/home/u".into(), ..Environment::default() };
        let paths = Paths::new(&Instance::new("7").unwrap(), &env);
        assert_eq!(
            docker_host(&paths, &app(EngineName::Moby, EngineProvider::Managed, None)).unwrap(),
            "unix:///home/u/.rd7/docker.sock"
        );
        assert_eq!(
            docker_host(&paths, &app(EngineName::Moby, EngineProvider::External, Some("tcp://127.0.0.1:2375")))
                .unwrap(),
            "tcp://127.0.0.1:2375"
        );
        let err = docker_host(&paths, &app(EngineName::Containerd, EngineProvider::Managed, None)).unwrap_err();
        assert!(err.message.contains("containerd.sock"), "{}", err.message);
    }

    #[test]
    fn a_missing_program_exits_127() {
        let err = exec(&["/nonexistent/program".into()], "unix:///x", std::path::Path::new("/x"));
        assert_eq!(err.status.code(), 127);
        assert!(err.message.contains("cannot run /nonexistent/program"), "{}", err.message);
    }
}
