//! The production [`DockerSource`]: bollard 0.21 over a Unix socket or
//! TCP, with the API version negotiated on connect (dockerd 20.10 speaks
//! API 1.41, older than bollard's default) and every error classified into
//! a [`DockerError`].

use std::collections::HashMap;

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerInspectResponse, EventMessage, ImageInspect, ImageSummary, Volume};
use bollard::query_parameters::{
    EventsOptions, ListContainersOptions, ListImagesOptions, ListVolumesOptions, RemoveContainerOptions,
    RemoveImageOptions, RemoveVolumeOptions,
};
use futures::StreamExt;
use futures::stream::BoxStream;

use super::docker::{DockerConnector, DockerSource};
use super::error::{DockerError, DockerErrorKind};

/// A connected daemon.
#[derive(Clone, Debug)]
pub struct BollardSource {
    docker: Docker,
}

impl BollardSource {
    /// Connects to `host` and negotiates the API version (the daemon may be
    /// older than bollard's default).
    pub async fn connect(host: &str) -> Result<Self, DockerError> {
        let operation = format!("connect to Docker at {host}");
        let docker = Docker::connect_with_host(host).map_err(|e| classify(&operation, e))?;
        let docker = docker.negotiate_version().await.map_err(|e| classify(&operation, e))?;
        Ok(BollardSource { docker })
    }
}

/// Connects with [`BollardSource::connect`].
#[derive(Clone, Copy, Debug, Default)]
pub struct BollardConnector;

impl DockerConnector for BollardConnector {
    type Source = BollardSource;

    async fn connect(&self, host: &str) -> Result<BollardSource, DockerError> {
        BollardSource::connect(host).await
    }
}

fn classify(operation: &str, error: BollardError) -> DockerError {
    let (kind, message) = match error {
        BollardError::DockerResponseServerError { status_code, message } => {
            let kind = match status_code {
                404 => DockerErrorKind::NotFound,
                409 => DockerErrorKind::Conflict,
                code => DockerErrorKind::Server(code),
            };
            (kind, message)
        }
        other => (DockerErrorKind::Transport, other.to_string()),
    };
    DockerError::new(operation, kind, message)
}

fn event_filters() -> HashMap<String, Vec<String>> {
    HashMap::from([("type".to_owned(), vec!["container".to_owned(), "image".to_owned(), "volume".to_owned()])])
}

impl DockerSource for BollardSource {
    async fn ping(&self) -> Result<(), DockerError> {
        self.docker.ping().await.map(|_| ()).map_err(|e| classify("ping Docker", e))
    }

    async fn system_time(&self) -> Result<Option<String>, DockerError> {
        let info = self.docker.info().await.map_err(|e| classify("read Docker /info", e))?;
        Ok(info.system_time)
    }

    async fn list_containers(&self) -> Result<Vec<String>, DockerError> {
        let options = ListContainersOptions { all: true, ..Default::default() };
        let list = self.docker.list_containers(Some(options)).await.map_err(|e| classify("list containers", e))?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }

    async fn inspect_container(&self, id: &str) -> Result<ContainerInspectResponse, DockerError> {
        self.docker.inspect_container(id, None).await.map_err(|e| classify(&format!("inspect container {id}"), e))
    }

    async fn list_images(&self) -> Result<Vec<ImageSummary>, DockerError> {
        let options = ListImagesOptions { all: false, ..Default::default() };
        self.docker.list_images(Some(options)).await.map_err(|e| classify("list images", e))
    }

    async fn inspect_image(&self, reference: &str) -> Result<ImageInspect, DockerError> {
        self.docker.inspect_image(reference).await.map_err(|e| classify(&format!("inspect image {reference}"), e))
    }

    async fn list_volumes(&self) -> Result<Vec<Volume>, DockerError> {
        let list =
            self.docker.list_volumes(None::<ListVolumesOptions>).await.map_err(|e| classify("list volumes", e))?;
        Ok(list.volumes.unwrap_or_default())
    }

    async fn inspect_volume(&self, name: &str) -> Result<Volume, DockerError> {
        self.docker.inspect_volume(name).await.map_err(|e| classify(&format!("inspect volume {name}"), e))
    }

    fn events(&self, since: &str) -> BoxStream<'static, Result<EventMessage, DockerError>> {
        let options = EventsOptions { since: Some(since.to_owned()), until: None, filters: Some(event_filters()) };
        self.docker.events(Some(options)).map(|item| item.map_err(|e| classify("read Docker events", e))).boxed()
    }

    async fn remove_container(&self, id: &str) -> Result<(), DockerError> {
        let options = RemoveContainerOptions { force: true, ..Default::default() };
        self.docker
            .remove_container(id, Some(options))
            .await
            .map_err(|e| classify(&format!("remove container {id}"), e))
    }

    async fn remove_image(&self, reference: &str) -> Result<(), DockerError> {
        let options = RemoveImageOptions { force: false, noprune: false, platforms: None };
        self.docker
            .remove_image(reference, Some(options), None)
            .await
            .map(|_| ())
            .map_err(|e| classify(&format!("remove image {reference}"), e))
    }

    async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        self.docker
            .remove_volume(name, None::<RemoveVolumeOptions>)
            .await
            .map_err(|e| classify(&format!("remove volume {name}"), e))
    }

    async fn start_container(&self, id: &str) -> Result<(), DockerError> {
        self.docker.start_container(id, None).await.map_err(|e| classify(&format!("start container {id}"), e))
    }

    async fn stop_container(&self, id: &str) -> Result<(), DockerError> {
        self.docker.stop_container(id, None).await.map_err(|e| classify(&format!("stop container {id}"), e))
    }

    async fn unpause_container(&self, id: &str) -> Result<(), DockerError> {
        self.docker.unpause_container(id).await.map_err(|e| classify(&format!("unpause container {id}"), e))
    }
}
