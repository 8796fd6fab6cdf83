//! `rdd run CMD...`: with the engine running, replace rdd by CMD with
//! `DOCKER_HOST` pointing at this instance's engine and `KUBECONFIG` at
//! this instance's kubeconfig, so CMD's exit code is rdd's.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;

use kube::Client;
use kube::api::Api;
use rdd_api::App;
use rdd_api::app::{APP_NAME, EngineName, EngineProvider};

use crate::kube_error::from_kube;
use crate::{CommandError, ExitStatus};

/// The `DOCKER_HOST` of the engine an App describes.
pub fn docker_host(app: &App, docker_socket: &Path) -> Result<String, CommandError> {
    let engine = &app.spec.container_engine;
    match (engine.name, engine.provider) {
        (EngineName::Moby, EngineProvider::Managed) => Ok(format!("unix://{}", docker_socket.display())),
        (EngineName::Moby, EngineProvider::External) => engine.endpoint.clone().ok_or_else(|| {
            CommandError::failure("the App's external engine has no endpoint: set containerEngine.endpoint")
        }),
        (EngineName::Containerd, _) => Err(CommandError::failure(
            "the App runs containerd, which has no Docker API for DOCKER_HOST: run `rdd set containerEngine.name=moby` first",
        )),
    }
}

/// Looks up where the engine is, then execs the program.
pub async fn run(
    client: &Client,
    docker_socket: &Path,
    kubeconfig: &Path,
    program: &[OsString],
) -> Result<(), CommandError> {
    let Some((command, args)) = program.split_first() else {
        return Err(CommandError::usage("rdd run needs a command to run, e.g. rdd run docker ps"));
    };
    let api: Api<App> = Api::all(client.clone());
    let app = api.get(APP_NAME).await.map_err(|err| from_kube(err, "reading the App"))?;
    let host = docker_host(&app, docker_socket)?;
    let err =
        std::process::Command::new(command).args(args).env("DOCKER_HOST", host).env("KUBECONFIG", kubeconfig).exec();
    // exec only returns when it failed; shells use 127 and 126 for these.
    let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    Err(CommandError::new(ExitStatus::Program(code), format!("cannot run {}: {err}", command.to_string_lossy())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::AppSpec;
    use rdd_api::app::ContainerEngine;

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
        let socket = Path::new("/home/u/.rd2/docker.sock");
        assert_eq!(
            docker_host(&app(EngineName::Moby, EngineProvider::Managed, None), socket).unwrap(),
            "unix:///home/u/.rd2/docker.sock"
        );
        assert_eq!(
            docker_host(&app(EngineName::Moby, EngineProvider::External, Some("tcp://127.0.0.1:2375")), socket)
                .unwrap(),
            "tcp://127.0.0.1:2375"
        );
        assert!(docker_host(&app(EngineName::Containerd, EngineProvider::Managed, None), socket).is_err());
    }
}
