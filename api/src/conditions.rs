//! Condition bookkeeping shared by every writer of status conditions:
//! find a condition by type, and upsert one so that `lastTransitionTime`
//! moves only when the status changes while `observedGeneration` is always
//! re-stamped (seed r5 C1: a steady-state reconcile must still stamp it).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// The content a writer wants a condition to have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredCondition<'a> {
    pub type_: &'a str,
    pub status: ConditionStatus,
    pub reason: &'a str,
    pub message: &'a str,
}

/// `True`, `False` or `Unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

impl ConditionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }

    pub fn from_bool(value: bool) -> Self {
        if value { ConditionStatus::True } else { ConditionStatus::False }
    }
}

/// The condition of the given type, if present.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Sets a condition, returning whether anything changed (so the caller can
/// skip a write that would only churn `resourceVersion`).
///
/// `lastTransitionTime` becomes `now` when the condition is new or its
/// status changes; a new reason or message alone keeps the old time, as
/// the Kubernetes API conventions ask.
pub fn upsert_condition(
    conditions: &mut Vec<Condition>,
    desired: &DesiredCondition<'_>,
    observed_generation: i64,
    now: Time,
) -> bool {
    let status = desired.status.as_str();
    match conditions.iter_mut().find(|c| c.type_ == desired.type_) {
        Some(existing) => {
            let mut changed = false;
            if existing.status != status {
                existing.status = status.to_owned();
                existing.last_transition_time = now;
                changed = true;
            }
            if existing.reason != desired.reason {
                existing.reason = desired.reason.to_owned();
                changed = true;
            }
            if existing.message != desired.message {
                existing.message = desired.message.to_owned();
                changed = true;
            }
            if existing.observed_generation != Some(observed_generation) {
                existing.observed_generation = Some(observed_generation);
                changed = true;
            }
            changed
        }
        None => {
            conditions.push(Condition {
                type_: desired.type_.to_owned(),
                status: status.to_owned(),
                reason: desired.reason.to_owned(),
                message: desired.message.to_owned(),
                observed_generation: Some(observed_generation),
                last_transition_time: now,
            });
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jiff::Timestamp;

    fn at(seconds: i64) -> Time {
        Time(Timestamp::from_second(seconds).unwrap())
    }

    fn running(status: ConditionStatus, reason: &'static str) -> DesiredCondition<'static> {
        DesiredCondition { type_: "Running", status, reason, message: "m" }
    }

    #[test]
    fn new_condition_is_added_with_now_and_generation() {
        let mut conditions = Vec::new();
        assert!(upsert_condition(&mut conditions, &running(ConditionStatus::False, "Starting"), 3, at(10)));
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].status, "False");
        assert_eq!(conditions[0].observed_generation, Some(3));
        assert_eq!(conditions[0].last_transition_time, at(10));
    }

    #[test]
    fn transition_time_moves_only_on_status_change() {
        let mut conditions = Vec::new();
        upsert_condition(&mut conditions, &running(ConditionStatus::False, "Starting"), 1, at(10));
        // Same status, new reason: time stays.
        assert!(upsert_condition(&mut conditions, &running(ConditionStatus::False, "StartFailed"), 1, at(20)));
        assert_eq!(conditions[0].last_transition_time, at(10));
        assert_eq!(conditions[0].reason, "StartFailed");
        // New status: time moves.
        assert!(upsert_condition(&mut conditions, &running(ConditionStatus::True, "Started"), 1, at(30)));
        assert_eq!(conditions[0].last_transition_time, at(30));
    }

    #[test]
    fn generation_is_always_restamped() {
        let mut conditions = Vec::new();
        upsert_condition(&mut conditions, &running(ConditionStatus::True, "Started"), 1, at(10));
        // Identical content at a newer generation is still a change.
        assert!(upsert_condition(&mut conditions, &running(ConditionStatus::True, "Started"), 2, at(20)));
        assert_eq!(conditions[0].observed_generation, Some(2));
        assert_eq!(conditions[0].last_transition_time, at(10));
        // Identical content at the same generation is not.
        assert!(!upsert_condition(&mut conditions, &running(ConditionStatus::True, "Started"), 2, at(30)));
    }

    #[test]
    fn other_conditions_are_untouched() {
        let mut conditions = Vec::new();
        upsert_condition(&mut conditions, &running(ConditionStatus::True, "Started"), 1, at(10));
        let settled =
            DesiredCondition { type_: "Settled", status: ConditionStatus::True, reason: "Settled", message: "" };
        upsert_condition(&mut conditions, &settled, 1, at(20));
        assert_eq!(conditions.len(), 2);
        assert_eq!(find_condition(&conditions, "Running").unwrap().reason, "Started");
        assert_eq!(find_condition(&conditions, "Settled").unwrap().reason, "Settled");
        assert!(find_condition(&conditions, "Missing").is_none());
    }
}
