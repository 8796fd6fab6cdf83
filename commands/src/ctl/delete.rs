//! `rdd ctl delete`: kubectl's delete by name, `-l`, `--field-selector` or
//! `--all`. Named objects are deleted without being read first (as
//! kubectl's builder does for delete); each deletion prints `kind "name"
//! deleted` (or `kind/name` with `-o name`), and unless `--wait=false` or a
//! dry run the command then waits, up to `--timeout`, until every deleted
//! object is gone (or replaced by one with another UID).

use std::time::Duration;

use http::Method;
use kube::Client;
use serde_json::{Value, json};

use super::client::{CtlError, get_json};
use super::discovery::Discovery;
use super::mutate::{DryRun, Selection, Target, report, select, send, write_out, write_query};
use crate::ExitStatus;

/// The flags of `delete` served natively.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub selection: Selection,
    /// `None` when not given: then true with `-l`, `--field-selector` or `--all`.
    pub ignore_not_found: Option<bool>,
    pub wait: bool,
    /// Zero waits "forever" (a week, as kubectl).
    pub timeout: Duration,
    pub dry_run: DryRun,
    pub output: Option<String>,
    /// `--grace-period`; negative for the object's default.
    pub grace_period: i64,
}

/// Go's time.ParseDuration for the forms people type (`30s`, `1m30s`,
/// `500ms`, `2h`, `0`).
pub fn parse_duration(text: &str) -> Result<Duration, CtlError> {
    let invalid = || {
        CtlError::message(format!("invalid argument {text:?} for \"--timeout\" flag: time: invalid duration {text:?}"))
    };
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = text;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(invalid)?;
        if digits == 0 {
            return Err(invalid());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += number * seconds;
        rest = &rest[unit_len..];
    }
    Ok(Duration::from_secs_f64(total))
}

/// What `delete` prints for one object.
fn deleted_line(target: &Target<'_>, options: &DeleteOptions) -> String {
    let r = target.resource;
    let kind = r.kind.to_lowercase();
    let kind = if r.group.is_empty() { kind } else { format!("{kind}.{}", r.group) };
    if options.output.as_deref() == Some("name") {
        return format!("{kind}/{}\n", target.name);
    }
    let operation = if options.grace_period == 0 { "force deleted" } else { "deleted" };
    format!("{kind} \"{}\" {}\n", target.name, options.dry_run.decorate(operation))
}

/// Runs `delete`.
pub async fn delete(client: &Client, discovery: &Discovery, options: &DeleteOptions) -> Result<(), CtlError> {
    if let Some(output) = options.output.as_deref().filter(|o| !o.is_empty() && *o != "name") {
        return Err(CtlError::message(format!("unexpected -o output mode: {output}. We only support '-o name'")));
    }
    let selection = &options.selection;
    // The builder's SelectAllParam, then (after the builder) kubectl's
    // Validate, which also refuses blank selectors the builder ignored.
    if selection.all && selection.picking(false).by_selector {
        return Err(CtlError::message("setting 'all' parameter but found a non empty selector. "));
    }
    let (targets, mut errors) = select(client, discovery, selection, selection.picking(true), false).await?;
    selection.refuse_all_with_selectors()?;
    let ignore_not_found = options.ignore_not_found.unwrap_or(selection.selects());
    let mut deleted = Vec::new();
    let mut found = 0;
    for target in targets {
        found += 1;
        if options.dry_run == DryRun::Client {
            write_out(&deleted_line(&target, options))?;
            continue;
        }
        let mut body = json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"});
        if options.grace_period >= 0 {
            body["gracePeriodSeconds"] = json!(options.grace_period);
        }
        let path = target.path() + &write_query(options.dry_run, None, false);
        let body = serde_json::to_vec(&body).unwrap_or_default();
        match send(client, Method::DELETE, &path, "application/json", body).await {
            Ok(answer) => {
                write_out(&deleted_line(&target, options))?;
                let uid = answer
                    .pointer("/details/uid")
                    .or_else(|| answer.pointer("/metadata/uid"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                deleted.push((target, uid));
            }
            Err(err) if err.is_not_found() && ignore_not_found => {}
            Err(err) => errors.push(err),
        }
    }
    errors.retain(|err| !(ignore_not_found && err.is_not_found()));
    if found == 0 {
        write_out("No resources found\n")?;
        return report(errors);
    }
    if options.wait && options.dry_run == DryRun::None && errors.is_empty() {
        let timeout = if options.timeout.is_zero() { Duration::from_secs(168 * 3600) } else { options.timeout };
        wait_deleted(client, &deleted, timeout).await?;
    }
    report(errors)
}

/// Polls each deleted object until it is gone, with a backoff capped at one second.
async fn wait_deleted(
    client: &Client,
    deleted: &[(Target<'_>, Option<String>)],
    timeout: Duration,
) -> Result<(), CtlError> {
    let deadline = tokio::time::Instant::now() + timeout;
    for (target, uid) in deleted {
        let mut delay = Duration::from_millis(20);
        loop {
            match get_json(client, &target.path()).await {
                Err(err) if err.is_not_found() => break,
                Err(err) => return Err(err),
                Ok(object) => {
                    let current = object.pointer("/metadata/uid").and_then(Value::as_str);
                    if uid.as_deref().is_some_and(|uid| Some(uid) != current) {
                        break;
                    }
                }
            }
            if tokio::time::Instant::now() + delay > deadline {
                return Err(CtlError {
                    text: format!(
                        "error: timed out waiting for the condition on {}/{}",
                        target.resource.name, target.name
                    ),
                    status: ExitStatus::Failure,
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
    }
}
