//! Turning a failed Kubernetes call into a `CommandError` with the exit
//! code of SPEC §2: rejections by the API server (400, 403, 422) are 3,
//! timeouts 4, anything else 1. The server's own message is kept, since it
//! says what was wrong.

use crate::CommandError;

/// Maps a kube client error; `doing` says what was attempted
/// (e.g. "updating the App").
pub fn from_kube(err: kube::Error, doing: &str) -> CommandError {
    match err {
        kube::Error::Api(status) => match status.code {
            400 | 403 | 422 => CommandError::rejected(status.message),
            401 => CommandError::failure(format!(
                "{doing}: the API server refused the credentials of this kubeconfig (401 Unauthorized); restart the service with `rdd svc start` to refresh them"
            )),
            408 | 504 => CommandError::deadline_exceeded(format!("{doing}: {}", status.message)),
            _ => CommandError::failure(format!("{doing}: {}", status.message)),
        },
        other => CommandError::failure(format!("{doing}: {other}")),
    }
}

/// Whether an error is the API server's NotFound.
pub fn is_not_found(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 404)
}

/// Whether an error is the API server's AlreadyExists.
pub fn is_already_exists(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 409 && status.reason == "AlreadyExists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExitStatus;
    use kube::core::Status;

    fn api(code: u16, reason: &str) -> kube::Error {
        kube::Error::Api(Status::failure("server says no", reason).with_code(code).boxed())
    }

    #[test]
    fn rejections_exit_3_with_the_servers_message() {
        for code in [400, 403, 422] {
            let err = from_kube(api(code, "Invalid"), "updating the App");
            assert_eq!((err.status, err.message.as_str()), (ExitStatus::Rejected, "server says no"));
        }
    }

    #[test]
    fn other_failures_exit_1_and_timeouts_4() {
        assert_eq!(from_kube(api(500, "InternalError"), "x").status, ExitStatus::Failure);
        assert_eq!(from_kube(api(504, "Timeout"), "x").status, ExitStatus::DeadlineExceeded);
        assert!(is_not_found(&api(404, "NotFound")));
        assert!(is_already_exists(&api(409, "AlreadyExists")));
        assert!(!is_already_exists(&api(409, "Conflict")));
    }
}
