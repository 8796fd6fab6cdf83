//! Progress of a wait (SPEC §2, §7): on a terminal an indicatif spinner on
//! stderr showing the latest condition transition; otherwise one info log
//! line per transition. Never a spinner in pipes or CI.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

use owo_colors::OwoColorize;
use rdd_api::app::condition::is_failure_reason;

use super::wait::describe;
use crate::color::StreamColors;

/// Reports condition transitions while waiting.
pub struct Progress {
    spinner: Option<ProgressBar>,
    seen: BTreeMap<String, (String, String, String)>,
}

impl Progress {
    /// A spinner when stderr is a terminal, log lines otherwise.
    pub fn new(waiting_for: &str) -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message(format!("waiting for {waiting_for}"));
            bar
        });
        Progress { spinner, seen: BTreeMap::new() }
    }

    /// Notes the current conditions; reports each one that changed.
    pub fn observe(&mut self, conditions: &[Condition]) {
        for condition in conditions {
            let state = (condition.status.clone(), condition.reason.clone(), condition.message.clone());
            if self.seen.get(&condition.type_) == Some(&state) {
                continue;
            }
            self.seen.insert(condition.type_.clone(), state);
            let line = describe(condition);
            match &self.spinner {
                Some(bar) => bar.set_message(colored(condition, line)),
                None => tracing::info!(condition = %condition.type_, "{line}"),
            }
        }
    }

    /// Removes the spinner (before printing a result or an error).
    pub fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

/// The spinner's line, green when the condition is True and red when it
/// failed, if stderr is coloured (SPEC §2).
fn colored(condition: &Condition, line: String) -> String {
    if !StreamColors::current().stderr {
        return line;
    }
    if condition.status == "True" {
        line.green().to_string()
    } else if is_failure_reason(&condition.reason) {
        line.red().to_string()
    } else {
        line
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
