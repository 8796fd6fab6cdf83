//! The errors of the engine controller: what a Docker call, a Kubernetes
//! write or the controller as a whole can fail with. Docker errors are
//! classified once, here, so every caller asks the same questions
//! ("was it NotFound?", "did Docker refuse?") the same way.

/// How a Docker call failed, as far as the controller's decisions go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DockerErrorKind {
    /// 404: the object is gone (a raced delete, or never existed).
    NotFound,
    /// 409: Docker refuses in the object's current state (image in use,
    /// volume in use, container paused).
    Conflict,
    /// Any other answer of the daemon (4xx/5xx).
    Server(u16),
    /// The daemon could not be reached or the answer could not be read.
    Transport,
}

/// A failed Docker call: which operation on which object, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {message}")]
pub struct DockerError {
    /// e.g. `inspect container 4f2a…`.
    pub operation: String,
    pub kind: DockerErrorKind,
    pub message: String,
}

impl DockerError {
    pub fn new(operation: impl Into<String>, kind: DockerErrorKind, message: impl Into<String>) -> Self {
        DockerError { operation: operation.into(), kind, message: message.into() }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == DockerErrorKind::NotFound
    }

    pub fn is_conflict(&self) -> bool {
        self.kind == DockerErrorKind::Conflict
    }
}

/// A failed Kubernetes call made by the mirror writer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{operation} {kind} {namespace}/{name}: {source}")]
    Api {
        operation: &'static str,
        kind: &'static str,
        namespace: String,
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error(
        "{operation} {kind} {namespace}/{name}: still conflicting after {attempts} attempts (another writer keeps changing it); will retry later"
    )]
    ConflictRetriesExhausted {
        operation: &'static str,
        kind: &'static str,
        namespace: String,
        name: String,
        attempts: u32,
    },
    /// Only the in-memory store of the unit tests produces this one.
    #[error("{0}")]
    Injected(String),
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Api { source: kube::Error::Api(status), .. } if status.code == 409)
    }
}

/// Why one unit of work (an event, a resync, a delete) failed; the work
/// queue retries it with backoff.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error(transparent)]
    Docker(#[from] DockerError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

/// Why [`crate::engine::run`] returned.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("engine controller: {operation}: {source}")]
    Kube {
        operation: String,
        #[source]
        source: kube::Error,
    },
    #[error("engine controller: {0}")]
    Invalid(String),
}
