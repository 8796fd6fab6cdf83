//! The harness's output: one JSON object per measure on stdout (the
//! machine-readable record), a one-line human summary of it on stderr, and
//! the percentile arithmetic the measures share.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

/// One measure of SPEC §11, as printed.
#[derive(Debug, Serialize)]
pub struct Measure {
    /// The SPEC §11 row, e.g. `P4`.
    pub id: &'static str,
    /// What is measured, e.g. `list_10000_ms`.
    pub name: String,
    /// The measured value; `null` when skipped.
    pub value: Option<f64>,
    pub unit: &'static str,
    /// The target as SPEC §11 writes it.
    pub target: String,
    /// Whether the target is met; `null` when skipped or the target is a
    /// ratio whose baseline could not be measured.
    pub pass: Option<bool>,
    /// The baseline measured in the same run, when the target compares.
    pub baseline: Option<f64>,
    /// value / baseline.
    pub ratio: Option<f64>,
    pub skipped: bool,
    /// Why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Counts, sizes and secondary numbers that explain the value.
    pub context: Map<String, Value>,
}

impl Measure {
    /// A measure with an absolute target: passes when `value <= max`
    /// (or `>= min` with `at_least`).
    pub fn new(id: &'static str, name: &str, value: f64, unit: &'static str, target: &str) -> Measure {
        Measure {
            id,
            name: name.to_owned(),
            value: Some(round(value)),
            unit,
            target: target.to_owned(),
            pass: None,
            baseline: None,
            ratio: None,
            skipped: false,
            reason: None,
            context: Map::new(),
        }
    }

    /// A measure that could not be taken, with the reason; never a number.
    pub fn skipped(
        id: &'static str,
        name: &str,
        unit: &'static str,
        target: &str,
        reason: impl Into<String>,
    ) -> Measure {
        Measure {
            id,
            name: name.to_owned(),
            value: None,
            unit,
            target: target.to_owned(),
            pass: None,
            baseline: None,
            ratio: None,
            skipped: true,
            reason: Some(reason.into()),
            context: Map::new(),
        }
    }

    pub fn at_most(mut self, max: f64) -> Measure {
        self.pass = self.value.map(|v| v <= max);
        self
    }

    pub fn at_least(mut self, min: f64) -> Measure {
        self.pass = self.value.map(|v| v >= min);
        self
    }

    /// Records the baseline and the ratio; `max_ratio` is also part of the
    /// pass condition (ANDed with an absolute bound set before).
    pub fn against(mut self, baseline: f64, max_ratio: Option<f64>) -> Measure {
        self.baseline = Some(round(baseline));
        let ratio = self.value.filter(|_| baseline > 0.0).map(|v| v / baseline);
        self.ratio = ratio.map(round);
        if let Some(max_ratio) = max_ratio {
            let ratio_ok = ratio.map(|r| r <= max_ratio);
            self.pass = match (self.pass, ratio_ok) {
                (Some(a), Some(b)) => Some(a && b),
                (None, b) => b,
                // No baseline: the comparison cannot be decided.
                (_, None) => None,
            };
        }
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Measure {
        let value = match value.into() {
            Value::Number(n) => n.as_f64().map(|f| Value::from(round(f))).unwrap_or(Value::Number(n)),
            other => other,
        };
        self.context.insert(key.to_owned(), value);
        self
    }

    /// Prints the JSON line on stdout and a summary on stderr.
    pub fn emit(&self) {
        // Serialising plain numbers, strings and maps cannot fail.
        let line = serde_json::to_string(self).unwrap_or_default();
        println!("{line}");
        let value = self.value.map_or_else(|| "skipped".to_owned(), |v| format!("{v} {}", self.unit));
        let verdict = match self.pass {
            Some(true) => "ok",
            Some(false) => "MISSED",
            None => "-",
        };
        let ratio = self.ratio.map_or_else(|| "-".to_owned(), |r| r.to_string());
        let baseline = self.baseline.map(|b| format!(" (baseline {b}, ratio {ratio})")).unwrap_or_default();
        let reason = self.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        eprintln!("{:<3} {:<40} {value}{baseline} target {} [{verdict}]{reason}", self.id, self.name, self.target);
    }
}

/// Three decimals are plenty for milliseconds, MiB and rates.
fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Percentiles of a sample (nearest rank).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub count: usize,
}

impl Percentiles {
    pub fn of(mut values: Vec<f64>) -> Percentiles {
        if values.is_empty() {
            return Percentiles::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            values[rank - 1]
        };
        Percentiles { p50: at(0.50), p95: at(0.95), p99: at(0.99), max: at(1.0), count: values.len() }
    }
}

/// The median of repeated runs.
pub fn median(values: Vec<f64>) -> f64 {
    Percentiles::of(values).p50
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let p = Percentiles::of((1..=100).map(f64::from).collect());
        assert_eq!((p.p50, p.p95, p.p99, p.max, p.count), (50.0, 95.0, 99.0, 100.0, 100));
        assert_eq!(Percentiles::of(vec![]).count, 0);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn a_ratio_target_and_an_absolute_bound_must_both_hold() {
        let m = Measure::new("P1", "lag", 20.0, "ms", "").at_most(25.0).against(10.0, Some(3.0));
        assert_eq!((m.pass, m.ratio), (Some(true), Some(2.0)));
        let m = Measure::new("P1", "lag", 20.0, "ms", "").at_most(25.0).against(5.0, Some(3.0));
        assert_eq!(m.pass, Some(false));
        let m = Measure::new("P2", "sync", 20.0, "ms", "").against(0.0, Some(1.3));
        assert_eq!((m.pass, m.ratio), (None, None));
    }

    #[test]
    fn a_skipped_measure_has_no_value_and_no_verdict() {
        let m = Measure::skipped("P6", "ctl", "ms", "<= 0.3x", "not there");
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["value"], Value::Null);
        assert_eq!(json["pass"], Value::Null);
        assert_eq!(json["skipped"], true);
        assert_eq!(json["reason"], "not there");
    }
}
