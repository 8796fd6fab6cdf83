//! The ctl verbs' error type and their requests. Errors carry the exact
//! stderr text kubectl would print (`Error from server (NotFound): ...`,
//! `error: ...`) and kubectl's exit code, 1 for every failure, so scripts
//! written for kubectl work unchanged (docs/design/cmd_ctl.md; rdd's own
//! `wait-condition` keeps SPEC §2's codes).

use kube::Client;
use serde_json::Value;

use crate::{CommandError, ExitStatus};

/// A failed ctl verb: what to print on stderr and how to exit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct CtlError {
    /// The whole stderr text, without the final newline.
    pub text: String,
    pub status: ExitStatus,
}

impl CtlError {
    /// kubectl's `error: MESSAGE`, exit 1.
    pub fn message(message: impl Into<String>) -> CtlError {
        CtlError { text: format!("error: {}", message.into()), status: ExitStatus::Failure }
    }

    /// As a `CommandError` whose message is printed verbatim.
    pub fn into_command_error(self) -> CommandError {
        CommandError::verbatim(self.status, self.text)
    }

    /// A kube client error as kubectl reports it.
    pub fn from_kube(err: kube::Error) -> CtlError {
        match err {
            kube::Error::Api(status) => {
                let reason = if status.reason.is_empty() { "Unknown".to_owned() } else { status.reason.clone() };
                CtlError {
                    text: format!("Error from server ({reason}): {}", status.message),
                    status: ExitStatus::Failure,
                }
            }
            other => CtlError::message(other.to_string()),
        }
    }

    /// Whether the server said NotFound.
    pub fn is_not_found(&self) -> bool {
        self.text.starts_with("Error from server (NotFound)")
    }
}

/// GET `path` as JSON.
pub async fn get_json(client: &Client, path: &str) -> Result<Value, CtlError> {
    get_typed(client, path, "application/json").await
}

/// GET `path` with the given Accept header, decoded into `T` (`Value`, or
/// a type of its own for large bodies such as Tables, skipping a `Value`).
pub async fn get_typed<T: serde::de::DeserializeOwned>(
    client: &Client,
    path: &str,
    accept: &str,
) -> Result<T, CtlError> {
    let request = super::discovery::get_request(path, accept)?;
    client.request::<T>(request).await.map_err(CtlError::from_kube)
}

/// Percent-encodes a query value (selectors, names in query strings).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_escapes_everything_but_unreserved_bytes() {
        assert_eq!(encode("a=b,c d"), "a%3Db%2Cc%20d");
        assert_eq!(encode("x.y-z_~1"), "x.y-z_~1");
        assert_eq!(encode("é"), "%C3%A9");
    }
}
