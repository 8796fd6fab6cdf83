//! The Docker source: the narrow set of daemon calls the engine controller
//! makes (list, inspect, events, remove, start/stop/unpause, clock), as a
//! trait so that the mirror logic runs the same against bollard and
//! against the scripted fake of the unit tests.

use std::future::Future;

use bollard::models::{ContainerInspectResponse, EventMessage, ImageInspect, ImageSummary, Volume};
use futures::stream::BoxStream;

use super::error::DockerError;

/// Everything the engine controller asks of a Docker daemon. Object
/// arguments are IDs or names exactly as Docker accepts them.
pub trait DockerSource: Send + Sync + 'static {
    fn ping(&self) -> impl Future<Output = Result<(), DockerError>> + Send;
    /// The daemon's clock (`/info` SystemTime, RFC 3339), if it reports one.
    fn system_time(&self) -> impl Future<Output = Result<Option<String>, DockerError>> + Send;
    /// IDs of all containers, running or not.
    fn list_containers(&self) -> impl Future<Output = Result<Vec<String>, DockerError>> + Send;
    fn inspect_container(&self, id: &str)
    -> impl Future<Output = Result<ContainerInspectResponse, DockerError>> + Send;
    fn list_images(&self) -> impl Future<Output = Result<Vec<ImageSummary>, DockerError>> + Send;
    /// By ID or by reference (`busybox:latest`).
    fn inspect_image(&self, reference: &str) -> impl Future<Output = Result<ImageInspect, DockerError>> + Send;
    fn list_volumes(&self) -> impl Future<Output = Result<Vec<Volume>, DockerError>> + Send;
    fn inspect_volume(&self, name: &str) -> impl Future<Output = Result<Volume, DockerError>> + Send;
    /// Container, image and volume events from `since` (Unix seconds, as
    /// Docker's `since` filter takes them) on; the stream ends or yields an
    /// error when the connection breaks.
    fn events(&self, since: &str) -> BoxStream<'static, Result<EventMessage, DockerError>>;
    /// Removes a container even when it runs (`force`).
    fn remove_container(&self, id: &str) -> impl Future<Output = Result<(), DockerError>> + Send;
    /// Removes one tag, or a dangling image by ID; never forced, so Docker
    /// refuses (Conflict) while a container uses the image.
    fn remove_image(&self, reference: &str) -> impl Future<Output = Result<(), DockerError>> + Send;
    fn remove_volume(&self, name: &str) -> impl Future<Output = Result<(), DockerError>> + Send;
    fn start_container(&self, id: &str) -> impl Future<Output = Result<(), DockerError>> + Send;
    fn stop_container(&self, id: &str) -> impl Future<Output = Result<(), DockerError>> + Send;
    fn unpause_container(&self, id: &str) -> impl Future<Output = Result<(), DockerError>> + Send;
}

/// Opens a [`DockerSource`] for a Docker host URL (`unix://…`, `tcp://…`).
pub trait DockerConnector: Send + Sync + 'static {
    type Source: DockerSource;
    fn connect(&self, host: &str) -> impl Future<Output = Result<Self::Source, DockerError>> + Send;
}
