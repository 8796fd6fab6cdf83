//! `rdd ctl wait`: kubectl 1.33's wait. `--for` is read by `WaitFor`; the
//! objects come from names, `TYPE/NAME`, `-l`, `--field-selector` or
//! `--all`; each is waited for in turn under one overall `--timeout`
//! (default 30s, 0 = check once, negative = a week). A met condition
//! prints `kind.group/name condition met`; failures are reported after all
//! objects were tried, with kubectl's texts (`timed out waiting for the
//! condition on containers/x`, `condition not met for containers/x`,
//! `no matching resources found`). Waiting uses a GET and then a watch on
//! the one object, re-established with a capped backoff when it ends.

use std::time::Duration;

use futures::TryStreamExt as _;
use kube::Client;
use kube::core::WatchEvent;
use serde_json::Value;
use tokio::time::Instant;

use super::api_resources::ApiResource;
use super::client::encode;
use super::client::{CtlError, get_json};
use super::discovery::{Discovery, get_request, resource_path};
use super::lookup::{Grouping, Picking, Request, requests, selector_params, with_query};
use super::reporting::{Written, report, write_stdout};
use super::{WaitError, WaitFor};

/// kubectl's wait.ErrWaitTimeout.
const TIMED_OUT: &str = "timed out waiting for the condition";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

/// The flags of `wait` served natively.
#[derive(Debug, Clone, Default)]
pub struct WaitOptions {
    pub args: Vec<String>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub selector: Option<String>,
    pub field_selector: Option<String>,
    pub all: bool,
    pub for_condition: String,
    /// `--timeout` as typed (Go duration).
    pub timeout: Option<String>,
    pub output: Option<String>,
}

/// `--timeout`: a Go duration; negative means a week, as in kubectl.
pub fn parse_timeout(text: Option<&str>) -> Result<Duration, CtlError> {
    let Some(text) = text else { return Ok(DEFAULT_TIMEOUT) };
    let invalid = || {
        CtlError::message(format!(
            "invalid argument \"{text}\" for \"--timeout\" flag: time: invalid duration \"{text}\"\nSee 'kubectl wait --help' for usage."
        ))
    };
    match text.strip_prefix('-') {
        Some(rest) => crate::duration::parse_duration(rest).map(|_| WEEK).map_err(|_| invalid()),
        None => crate::duration::parse_duration(text).map_err(|_| invalid()),
    }
}

/// An object to wait for, as the resource builder found it.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub resource: &'a ApiResource,
    pub namespace: String,
    pub name: String,
    /// The object as first read (printed when it is deleted before we look again).
    pub object: Value,
}

impl Target<'_> {
    fn path(&self) -> String {
        resource_path(self.resource, Some(&self.namespace), Some(&self.name))
    }

    fn watch_path(&self, resource_version: &str, remaining: Duration) -> String {
        let mut path = resource_path(self.resource, Some(&self.namespace), None);
        path.push_str(&format!(
            "?watch=true&fieldSelector={}&timeoutSeconds={}",
            encode(&format!("metadata.name={}", self.name)),
            remaining.as_secs().max(1)
        ));
        if !resource_version.is_empty() {
            path.push_str(&format!("&resourceVersion={}", encode(resource_version)));
        }
        path
    }

    /// `containers/x`, as kubectl names the object in wait errors.
    fn short_name(&self) -> String {
        format!("{}/{}", self.resource.name, self.name)
    }
}

fn with_kind(mut item: Value, r: &ApiResource) -> Value {
    if let Some(object) = item.as_object_mut() {
        object.entry("apiVersion").or_insert_with(|| Value::String(r.group_version.clone()));
        object.entry("kind").or_insert_with(|| Value::String(r.kind.clone()));
    }
    item
}

/// GET that maps NotFound to `None`.
async fn get_optional(client: &Client, path: &str) -> Result<Option<Value>, CtlError> {
    match get_json(client, path).await {
        Ok(object) => Ok(Some(object)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// What the arguments name: resources with names, or resources to list
/// (with `-l` or `--field-selector`, or a lone type with `--all`).
fn selections<'a>(discovery: &'a Discovery, options: &WaitOptions) -> Result<Vec<Request<'a>>, CtlError> {
    let picking = Picking::by_flags(options.selector.as_deref(), options.field_selector.as_deref(), options.all);
    requests(discovery, &options.args, Grouping::PerArgument, picking)
}

/// The objects the selections name, plus NotFound errors for missing names.
async fn find<'a>(
    client: &Client,
    selections: &[Request<'a>],
    options: &WaitOptions,
) -> Result<(Vec<Target<'a>>, Vec<CtlError>), CtlError> {
    let namespace = (!options.all_namespaces).then_some(options.namespace.as_str());
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    for selection in selections {
        let r = selection.resource;
        if selection.names.is_empty() {
            let params = selector_params(options.selector.as_deref(), options.field_selector.as_deref());
            let path = with_query(resource_path(r, namespace, None), &params);
            let list = get_json(client, &path).await?;
            for item in list.get("items").and_then(Value::as_array).into_iter().flatten() {
                let item = with_kind(item.clone(), r);
                let name = item.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_owned();
                let ns = item.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_owned();
                targets.push(Target { resource: r, namespace: ns, name, object: item });
            }
            continue;
        }
        if options.all_namespaces {
            return Err(super::lookup::names_across_namespaces());
        }
        for name in &selection.names {
            match super::lookup::get_named(client, r, &options.namespace, name).await {
                Ok(object) => targets.push(Target {
                    resource: r,
                    namespace: options.namespace.clone(),
                    name: name.clone(),
                    object: with_kind(object, r),
                }),
                Err(err) => errors.push(err),
            }
        }
    }
    Ok((targets, errors))
}

/// Why waiting for one object ended without the condition.
enum Unmet {
    TimedOut,
    Failed(CtlError),
}

fn wait_error(err: WaitError) -> CtlError {
    CtlError::message(err.to_string())
}

/// Waits until `condition` holds for the target or `deadline` passes;
/// returns the object to print.
async fn await_target(
    client: &Client,
    target: &Target<'_>,
    condition: &WaitFor,
    deadline: Instant,
) -> Result<Value, Unmet> {
    let mut backoff = Duration::from_millis(100);
    loop {
        let current = get_optional(client, &target.path()).await.map_err(Unmet::Failed)?;
        let Some(object) = current else {
            if matches!(condition, WaitFor::Delete) {
                return Ok(target.object.clone());
            }
            // kubectl's informer precondition: the object is gone.
            return Err(Unmet::Failed(CtlError {
                text: format!(
                    "Error from server (NotFound): {} \"{}\" not found",
                    super::discovery::qualified_name(target.resource),
                    target.name
                ),
                status: crate::ExitStatus::Failure,
            }));
        };
        let object = with_kind(object, target.resource);
        if matches!(condition, WaitFor::Delete) {
            let old_uid = target.object.pointer("/metadata/uid");
            if old_uid.is_some() && object.pointer("/metadata/uid") != old_uid {
                return Ok(object);
            }
        } else if condition.is_met(Some(&object)).map_err(|e| Unmet::Failed(wait_error(e)))? {
            return Ok(object);
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Unmet::TimedOut);
        }
        let rv = object.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or_default();
        let watched = tokio::time::timeout_at(deadline, watch_until(client, target, condition, rv)).await;
        match watched {
            Err(_elapsed) => return Err(Unmet::TimedOut),
            Ok(Ok(Some(object))) => return Ok(object),
            Ok(Ok(None)) => {}
            Ok(Err(err)) => {
                tracing::debug!(kind = %target.resource.kind, namespace = %target.namespace, name = %target.name,
                    error = %err.text, "watch ended; reading the object again");
            }
        }
        // The watch ended (server timeout, restart): look again after a pause.
        tokio::time::sleep_until(deadline.min(Instant::now() + backoff)).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
        if Instant::now() >= deadline {
            return Err(Unmet::TimedOut);
        }
    }
}

/// Follows the object's watch; `Some(object)` once the condition holds,
/// `None` when the watch ends first.
async fn watch_until(
    client: &Client,
    target: &Target<'_>,
    condition: &WaitFor,
    resource_version: &str,
) -> Result<Option<Value>, CtlError> {
    let remaining = Duration::from_secs(3600);
    let request = get_request(&target.watch_path(resource_version, remaining), "application/json")?;
    let stream = client.request_events::<Value>(request).await.map_err(CtlError::from_kube)?;
    futures::pin_mut!(stream);
    while let Some(event) = stream.try_next().await.map_err(CtlError::from_kube)? {
        match event {
            WatchEvent::Added(object) | WatchEvent::Modified(object) => {
                let object = with_kind(object, target.resource);
                let met = match condition {
                    WaitFor::Delete => false,
                    other => other.is_met(Some(&object)).map_err(wait_error)?,
                };
                if met {
                    return Ok(Some(object));
                }
            }
            WatchEvent::Deleted(object) => {
                if matches!(condition, WaitFor::Delete) {
                    return Ok(Some(with_kind(object, target.resource)));
                }
            }
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(status) => {
                return Err(CtlError::message(format!("watching {}: {}", target.short_name(), status.message)));
            }
        }
    }
    Ok(None)
}

/// kubectl's printer for a met condition: the default name printer adds
/// `condition met`; an explicit `-o name` does not.
fn print_met(object: &Value, output: Option<&str>) -> Result<Written, CtlError> {
    let text = match output {
        None => super::name_lines(object, Some("condition met")).map_err(|e| CtlError::message(e.to_string()))?,
        Some(other) => super::get::print_generic(object.clone(), other, false)?,
    };
    write_stdout(&text)
}

/// Runs `wait`.
pub async fn wait(client: &Client, discovery: &Discovery, options: &WaitOptions) -> Result<(), CtlError> {
    let timeout = parse_timeout(options.timeout.as_deref())?;
    let condition = WaitFor::parse(&options.for_condition).map_err(wait_error)?;
    let selections = selections(discovery, options)?;
    let deadline = Instant::now() + timeout;
    if matches!(condition, WaitFor::Create) {
        await_creation(client, &selections, options, deadline).await?;
    }
    let (targets, mut errors) = find(client, &selections, options).await?;
    let is_delete = matches!(condition, WaitFor::Delete);
    if is_delete {
        errors.retain(|e| !e.is_not_found());
    }
    let mut failures = Vec::new();
    for target in &targets {
        let outcome = match condition {
            WaitFor::Create => Ok(target.object.clone()),
            _ if timeout.is_zero() => check_once(client, target, &condition).await,
            _ => await_target(client, target, &condition, deadline).await.map_err(|unmet| match unmet {
                Unmet::TimedOut => CtlError::message(format!("{TIMED_OUT} on {}", target.short_name())),
                Unmet::Failed(err) => err,
            }),
        };
        match outcome {
            Ok(object) => {
                if print_met(&object, options.output.as_deref())? == Written::Closed {
                    return Ok(());
                }
            }
            Err(err) => failures.push(err),
        }
    }
    if targets.is_empty() && errors.is_empty() && !is_delete {
        return Err(CtlError::message("no matching resources found"));
    }
    failures.extend(errors);
    report(failures)
}

/// `--timeout=0`: one look.
async fn check_once(client: &Client, target: &Target<'_>, condition: &WaitFor) -> Result<Value, CtlError> {
    let current = get_optional(client, &target.path()).await?;
    let not_met = || CtlError::message(format!("condition not met for {}", target.short_name()));
    match (condition, current) {
        (WaitFor::Delete, None) => Ok(target.object.clone()),
        (WaitFor::Delete, Some(_)) => Err(not_met()),
        (_, None) => Err(CtlError {
            text: format!(
                "Error from server (NotFound): {} \"{}\" not found",
                super::discovery::qualified_name(target.resource),
                target.name
            ),
            status: crate::ExitStatus::Failure,
        }),
        (condition, Some(object)) => {
            let object = with_kind(object, target.resource);
            if condition.is_met(Some(&object)).map_err(wait_error)? { Ok(object) } else { Err(not_met()) }
        }
    }
}

/// `--for=create`: kubectl polls every half second until every named
/// object exists (or, for a selector, until one matches).
async fn await_creation(
    client: &Client,
    selections: &[Request<'_>],
    options: &WaitOptions,
    deadline: Instant,
) -> Result<(), CtlError> {
    loop {
        let (targets, errors) = find(client, selections, options).await?;
        if let Some(err) = errors.iter().find(|e| !e.is_not_found()) {
            return Err(err.clone());
        }
        let by_selector = selections.iter().any(|s| s.names.is_empty());
        if errors.is_empty() && (!by_selector || !targets.is_empty()) {
            return Ok(());
        }
        let next = Instant::now() + Duration::from_millis(500);
        if next > deadline {
            tokio::time::sleep_until(deadline).await;
            return Err(CtlError::message(TIMED_OUT));
        }
        tokio::time::sleep_until(next).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_like_kubectl() {
        assert_eq!(parse_timeout(None).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(parse_timeout(Some("0")).unwrap(), Duration::ZERO);
        assert_eq!(parse_timeout(Some("1m30s")).unwrap(), Duration::from_secs(90));
        assert_eq!(parse_timeout(Some("-1s")).unwrap(), WEEK);
        assert_eq!(
            parse_timeout(Some("bad")).unwrap_err().text,
            "error: invalid argument \"bad\" for \"--timeout\" flag: time: invalid duration \"bad\"\nSee 'kubectl wait --help' for usage."
        );
    }
}
