//! `rdd ctl wait-condition TYPE/NAME COND[=STATUS] [--reason R] [--timeout D]`:
//! rdd's own wait for one condition of one object, for scripts that need
//! to know why a wait failed. It waits until `status.conditions` holds a
//! condition of type COND (exact name) with status STATUS (default `True`)
//! and, with `--reason`, that reason, not older than `metadata.generation`.
//! Output and exit codes follow SPEC §2, not kubectl:
//! - 0: met; prints `kind.group/name COND=STATUS` (and ` reason=R`).
//! - 4: the deadline passed (`--timeout`, default 30s; 0 = look once);
//!   prints `error: timed out after D waiting for COND=STATUS on
//!   plural/name` and the condition as last seen.
//! - 5: COND reports a reason ending in `Failed` (the desired state
//!   failed) while not met; prints `error: COND=S reason=R: message`.
//! - 1: the object does not exist or the server failed; 2: usage;
//!   130: interrupted (prints `wait cancelled`).

use std::time::Duration;

use futures::TryStreamExt as _;
use kube::Client;
use kube::core::WatchEvent;
use serde_json::Value;
use tokio::time::Instant;

use super::client::{CtlError, get_json};
use super::discovery::{Discovery, get_request, resource_path};
use super::reporting::{encode, write_stdout};
use crate::ExitStatus;

/// The arguments of `wait-condition`.
#[derive(Debug, Clone)]
pub struct ConditionWaitOptions {
    /// `TYPE/NAME`.
    pub object: String,
    /// `COND[=STATUS]`.
    pub condition: String,
    pub reason: Option<String>,
    pub timeout: Duration,
    pub namespace: String,
}

/// What the condition looks like on one version of the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Met,
    /// Not (yet) met; the condition as seen, if present and current.
    Pending(Option<String>),
    /// The condition reports a `...Failed` reason.
    Failed(String),
}

/// The wanted condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
}

impl Wanted {
    pub fn parse(text: &str, reason: Option<String>) -> Result<Wanted, CtlError> {
        let (kind, status) = text.split_once('=').unwrap_or((text, "True"));
        if kind.is_empty() || status.is_empty() {
            return Err(CtlError {
                text: format!("error: invalid condition {text:?}: expected COND or COND=STATUS, e.g. Ready=True"),
                status: ExitStatus::Usage,
            });
        }
        Ok(Wanted { kind: kind.to_owned(), status: status.to_owned(), reason })
    }

    fn describe(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{}={} reason={reason}", self.kind, self.status),
            None => format!("{}={}", self.kind, self.status),
        }
    }

    /// Judges one version of the object.
    pub fn judge(&self, object: &Value) -> Verdict {
        let conditions = object.pointer("/status/conditions").and_then(Value::as_array);
        let Some(condition) =
            conditions.into_iter().flatten().find(|c| c.get("type").and_then(Value::as_str) == Some(&self.kind))
        else {
            return Verdict::Pending(None);
        };
        let text = |key: &str| condition.get(key).and_then(Value::as_str).unwrap_or_default();
        let generation = object.pointer("/metadata/generation").and_then(Value::as_i64);
        let observed = condition
            .get("observedGeneration")
            .and_then(Value::as_i64)
            .or_else(|| object.pointer("/status/observedGeneration").and_then(Value::as_i64));
        if let (Some(generation), Some(observed)) = (generation, observed)
            && observed < generation
        {
            return Verdict::Pending(None);
        }
        let seen = if text("message").is_empty() {
            format!("{}={} reason={}", self.kind, text("status"), text("reason"))
        } else {
            format!("{}={} reason={}: {}", self.kind, text("status"), text("reason"), text("message"))
        };
        let reason_ok = self.reason.as_deref().is_none_or(|r| r == text("reason"));
        if text("status") == self.status && reason_ok {
            Verdict::Met
        } else if text("reason").ends_with("Failed") {
            Verdict::Failed(seen)
        } else {
            Verdict::Pending(Some(seen))
        }
    }
}

fn failed(seen: &str) -> CtlError {
    CtlError { text: format!("error: {seen}"), status: ExitStatus::DesiredStateFailed }
}

/// Runs `wait-condition`.
pub async fn wait_condition(
    client: &Client,
    discovery: &Discovery,
    options: &ConditionWaitOptions,
) -> Result<(), CtlError> {
    let usage = |text: String| CtlError { text: format!("error: {text}"), status: ExitStatus::Usage };
    let Some((typed, name)) = options.object.split_once('/') else {
        return Err(usage(format!("{:?} is not TYPE/NAME, e.g. containers/web", options.object)));
    };
    let wanted = Wanted::parse(&options.condition, options.reason.clone())?;
    let resource = discovery.resolve(typed)?;
    let path = resource_path(resource, Some(&options.namespace), Some(name));
    let short = format!("{}/{name}", resource.name);
    // `--timeout=0` looks once, however long that one read takes.
    let deadline = Instant::now() + if options.timeout.is_zero() { Duration::from_secs(3600) } else { options.timeout };
    let mut last_seen: Option<String> = None;
    let waited = async {
        let mut backoff = Duration::from_millis(100);
        loop {
            let object = get_json(client, &path).await?;
            match wanted.judge(&object) {
                Verdict::Met => return Ok(object),
                Verdict::Failed(seen) => return Err(failed(&seen)),
                Verdict::Pending(seen) => last_seen = seen.or(last_seen.take()),
            }
            if options.timeout.is_zero() {
                return Err(CtlError::message("not met"));
            }
            let rv = object.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or_default();
            let watch = format!(
                "{}?watch=true&fieldSelector={}&resourceVersion={}",
                resource_path(resource, Some(&options.namespace), None),
                encode(&format!("metadata.name={name}")),
                encode(rv)
            );
            let stream = client
                .request_events::<Value>(get_request(&watch, "application/json")?)
                .await
                .map_err(CtlError::from_kube)?;
            futures::pin_mut!(stream);
            while let Ok(Some(event)) = stream.try_next().await {
                let object = match event {
                    WatchEvent::Added(object) | WatchEvent::Modified(object) => object,
                    WatchEvent::Deleted(_) => {
                        return Err(CtlError::message(format!(
                            "{short} was deleted while waiting for {}",
                            wanted.describe()
                        )));
                    }
                    WatchEvent::Bookmark(_) | WatchEvent::Error(_) => break,
                };
                match wanted.judge(&object) {
                    Verdict::Met => return Ok(object),
                    Verdict::Failed(seen) => return Err(failed(&seen)),
                    Verdict::Pending(seen) => last_seen = seen.or(last_seen.take()),
                }
            }
            // The watch ended: read the object again after a capped backoff.
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    };
    let interrupt = tokio::signal::ctrl_c();
    let outcome = tokio::select! {
        outcome = tokio::time::timeout_at(deadline, waited) => outcome,
        _ = interrupt => {
            return Err(CtlError { text: "error: wait cancelled".to_owned(), status: ExitStatus::Interrupted });
        }
    };
    let timed_out = || {
        let last = last_seen.as_deref().map_or_else(|| format!("no current {} condition", wanted.kind), str::to_owned);
        CtlError {
            text: format!(
                "error: timed out after {} waiting for {} on {short} (last seen: {last})",
                if options.timeout.is_zero() {
                    "0s".to_owned()
                } else {
                    crate::duration::format_duration(options.timeout)
                },
                wanted.describe()
            ),
            status: ExitStatus::DeadlineExceeded,
        }
    };
    let object = match outcome {
        Err(_elapsed) => return Err(timed_out()),
        Ok(Err(err)) if err.text == "error: not met" => return Err(timed_out()),
        Ok(Err(err)) => return Err(err),
        Ok(Ok(object)) => object,
    };
    let object = if object.get("kind").is_some() {
        object
    } else {
        let mut object = object;
        object["kind"] = Value::String(resource.kind.clone());
        object["apiVersion"] = Value::String(resource.group_version.clone());
        object
    };
    let name_line = super::name_lines(&object, None).map_err(|err| CtlError::message(err.to_string()))?;
    write_stdout(&format!("{} {}\n", name_line.trim_end(), wanted.describe()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(status: &str, reason: &str, observed: i64) -> Value {
        json!({"metadata": {"generation": 2}, "status": {"conditions": [
            {"type": "Running", "status": status, "reason": reason, "message": "m", "observedGeneration": observed}]}})
    }

    #[test]
    fn judges_status_reason_and_generation() {
        let wanted = Wanted::parse("Running", None).unwrap();
        assert_eq!(wanted, Wanted { kind: "Running".into(), status: "True".into(), reason: None });
        assert_eq!(wanted.judge(&object("True", "Started", 2)), Verdict::Met);
        assert_eq!(wanted.judge(&object("True", "Started", 1)), Verdict::Pending(None));
        assert_eq!(
            wanted.judge(&object("False", "Stopped", 2)),
            Verdict::Pending(Some("Running=False reason=Stopped: m".into()))
        );
        assert_eq!(
            wanted.judge(&object("False", "StartFailed", 2)),
            Verdict::Failed("Running=False reason=StartFailed: m".into())
        );
        assert_eq!(wanted.judge(&json!({})), Verdict::Pending(None));
        let with_reason = Wanted::parse("Running=False", Some("Stopped".into())).unwrap();
        assert_eq!(with_reason.judge(&object("False", "Stopped", 2)), Verdict::Met);
        assert_eq!(
            with_reason.judge(&object("False", "Other", 2)),
            Verdict::Pending(Some("Running=False reason=Other: m".into()))
        );
        assert_eq!(Wanted::parse("=x", None).unwrap_err().status, ExitStatus::Usage);
    }
}
