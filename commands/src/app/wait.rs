//! Waiting for the App to settle (SPEC §7): list+watch the App and decide
//! on each update whether the write of generation G is done (Settled True
//! at observedGeneration ≥ G), has failed (Settled False at ≥ G with a
//! `...Failed` reason: exit 5 with the reason and message), or is still
//! under way. The deadline and Ctrl-C are checked around the watch, which
//! kube's watcher re-establishes on its own when it drops.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use rdd_api::App;
use rdd_api::app::condition::{SETTLED, is_failure_reason};

use super::progress::Progress;
use super::reconnect::Reconnect;
use crate::CommandError;

/// Where a wait stands after one look at the App.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Settled,
    Failed { reason: String, message: String },
    Waiting,
}

fn settled_condition(conditions: &[Condition]) -> Option<&Condition> {
    conditions.iter().find(|c| c.type_ == SETTLED)
}

/// The decision of SPEC §7 for an App whose write returned `generation`.
pub fn judge(conditions: &[Condition], generation: i64) -> Verdict {
    let Some(settled) = settled_condition(conditions) else { return Verdict::Waiting };
    if settled.observed_generation.unwrap_or(0) < generation {
        return Verdict::Waiting;
    }
    match settled.status.as_str() {
        "True" => Verdict::Settled,
        "False" if is_failure_reason(&settled.reason) => {
            Verdict::Failed { reason: settled.reason.clone(), message: settled.message.clone() }
        }
        _ => Verdict::Waiting,
    }
}

/// `Settled=False EngineStale: message` — what a timeout reports as last seen.
pub fn describe(condition: &Condition) -> String {
    let mut text = format!("{}={} {}", condition.type_, condition.status, condition.reason);
    if !condition.message.is_empty() {
        text.push_str(": ");
        text.push_str(&condition.message);
    }
    text
}

fn conditions_of(app: &App) -> &[Condition] {
    app.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or_default()
}

/// Waits until the App settles at `generation`.
///
/// `timeout` of None waits forever; `timeout_text` is the user's spelling
/// of it, used in the timeout message.
pub async fn wait_for_settled(
    api: Api<App>,
    generation: i64,
    timeout: Option<Duration>,
    timeout_text: &str,
    progress: &mut Progress,
    mut reconnect: Option<&mut Reconnect>,
) -> Result<(), CommandError> {
    // The watcher re-lists and re-watches after an error, with backoff; the
    // deadline below is the caller's and is not reset by that.
    let mut stream = watch_app(api);
    let mut last_settled: Option<Condition> = None;
    let deadline = deadline(timeout);
    tokio::pin!(deadline);
    // One handler for the whole wait, so no SIGINT falls between two polls.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            () = &mut deadline => {
                let last = last_settled.as_ref().map_or_else(
                    || "Settled not reported yet".to_owned(),
                    |settled| describe_against(settled, generation),
                );
                return Err(CommandError::deadline_exceeded(format!(
                    "timed out after {timeout_text} waiting for App to settle (last: {last})"
                )));
            }
            _ = &mut ctrl_c => return Err(CommandError::interrupted()),
            event = stream.next() => match event {
                None => return Err(CommandError::failure("the watch on the App ended unexpectedly")),
                Some(Err(err)) => {
                    tracing::debug!(error = %err, "watch on the App failed; re-establishing it");
                    if let Some(client) = renewed_client(&mut reconnect).await {
                        stream = watch_app(Api::all(client));
                    }
                }
                Some(Ok(Event::Delete(_))) => {
                    return Err(CommandError::failure("the App was deleted while waiting for it to settle"));
                }
                Some(Ok(Event::Apply(app) | Event::InitApply(app))) => {
                    let conditions = conditions_of(&app);
                    progress.observe(conditions);
                    if let Some(settled) = settled_condition(conditions) {
                        last_settled = Some(settled.clone());
                    }
                    match judge(conditions, generation) {
                        Verdict::Settled => return Ok(()),
                        Verdict::Failed { reason, message } => {
                            return Err(CommandError::desired_state_failed(format!("{reason}: {message}")));
                        }
                        Verdict::Waiting => {}
                    }
                }
                Some(Ok(Event::Init | Event::InitDone)) => {}
            }
        }
    }
}

/// A watch of the App singleton that re-establishes itself with backoff.
pub fn watch_app(api: Api<App>) -> BoxStream<'static, Result<Event<App>, watcher::Error>> {
    watcher::watcher(api, watcher::Config::default().fields("metadata.name=app")).default_backoff().boxed()
}

/// A new client when the service restarted with new credentials.
pub async fn renewed_client(reconnect: &mut Option<&mut Reconnect>) -> Option<kube::Client> {
    match reconnect {
        Some(reconnect) => reconnect.renewed_client().await,
        None => None,
    }
}

/// Sleeps for `timeout`, or forever when there is none.
pub async fn deadline(timeout: Option<Duration>) {
    match timeout {
        Some(t) => tokio::time::sleep(t).await,
        None => std::future::pending().await,
    }
}

/// [`describe`], noting when the condition is about an older generation
/// than the one awaited (its status says nothing about this write yet).
pub fn describe_against(condition: &Condition, generation: i64) -> String {
    let observed = condition.observed_generation.unwrap_or(0);
    if observed < generation {
        format!("{} (for generation {observed}; waiting for {generation})", describe(condition))
    } else {
        describe(condition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use rdd_api::jiff::Timestamp;

    fn cond(type_: &str, status: &str, reason: &str, generation: i64) -> Condition {
        Condition {
            type_: type_.into(),
            status: status.into(),
            reason: reason.into(),
            message: format!("{reason} happened"),
            observed_generation: Some(generation),
            last_transition_time: Time(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn settled_only_at_the_written_generation_or_later() {
        assert_eq!(judge(&[cond("Settled", "True", "Settled", 2)], 3), Verdict::Waiting);
        assert_eq!(judge(&[cond("Settled", "True", "Settled", 3)], 3), Verdict::Settled);
        assert_eq!(judge(&[cond("Settled", "True", "Settled", 4)], 3), Verdict::Settled);
        assert_eq!(judge(&[], 1), Verdict::Waiting);
    }

    #[test]
    fn failed_reasons_fail_fast_but_only_when_current() {
        let failed = judge(&[cond("Settled", "False", "StartFailed", 3)], 3);
        assert_eq!(failed, Verdict::Failed { reason: "StartFailed".into(), message: "StartFailed happened".into() });
        // A failure of an older generation is stale: keep waiting.
        assert_eq!(judge(&[cond("Settled", "False", "StartFailed", 2)], 3), Verdict::Waiting);
        // Transient reasons keep waiting.
        for reason in ["Starting", "Connecting", "EngineStale", "WaitingForEngine"] {
            assert_eq!(judge(&[cond("Settled", "False", reason, 3)], 3), Verdict::Waiting, "{reason}");
        }
    }

    #[test]
    fn a_sequence_of_updates_reaches_its_verdict() {
        // Starting → Started but engine stale → Settled.
        let sequence = [
            vec![cond("Running", "False", "Starting", 5), cond("Settled", "False", "Starting", 5)],
            vec![cond("Running", "True", "Started", 5), cond("Settled", "False", "EngineStale", 5)],
            vec![cond("Running", "True", "Started", 5), cond("Settled", "True", "Settled", 5)],
        ];
        let verdicts: Vec<Verdict> = sequence.iter().map(|c| judge(c, 5)).collect();
        assert_eq!(verdicts, [Verdict::Waiting, Verdict::Waiting, Verdict::Settled]);
    }

    #[test]
    fn describe_names_condition_status_reason_and_message() {
        assert_eq!(
            describe(&cond("Settled", "False", "EngineStale", 1)),
            "Settled=False EngineStale: EngineStale happened"
        );
        assert_eq!(
            describe_against(&cond("Settled", "True", "Settled", 1), 2),
            "Settled=True Settled: Settled happened (for generation 1; waiting for 2)"
        );
    }
}
