//! Pure decisions about desired versus observed state: which Docker call
//! brings a container to its `spec.state` (SPEC §6.5), what the
//! StateReconciled condition says, which mirrors a snapshot no longer
//! backs (SPEC §6.3), and what an image refresh must write and remove
//! (SPEC §6.4). No I/O: table tests pin every rule.

use std::collections::{BTreeSet, HashSet};

use rdd_api::container::{DesiredState, ObservedState};
use rdd_api::image::ImageStatus;
use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

/// The Docker call that moves a container towards its desired state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateAction {
    Start,
    Stop,
    Unpause,
}

impl StateAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StateAction::Start => "start",
            StateAction::Stop => "stop",
            StateAction::Unpause => "unpause",
        }
    }
}

/// SPEC §6.5: running ← paused is an unpause (Docker refuses to start a
/// paused container, seed r2 I2); running ← created/exited/dead is a start;
/// created ← running/paused/restarting is a stop. Transitional states
/// (removing, unknown) wait for Docker's next event.
pub fn state_action(desired: DesiredState, observed: ObservedState) -> Option<StateAction> {
    use ObservedState as O;
    match (desired, observed) {
        (DesiredState::Unknown, _) => None,
        (DesiredState::Running, O::Paused) => Some(StateAction::Unpause),
        (DesiredState::Running, O::Created | O::Exited | O::Dead) => Some(StateAction::Start),
        (DesiredState::Running, _) => None,
        (DesiredState::Created, O::Running | O::Paused | O::Restarting) => Some(StateAction::Stop),
        (DesiredState::Created, _) => None,
    }
}

/// Whether the observed state satisfies the desired one.
pub fn state_met(desired: DesiredState, observed: ObservedState) -> bool {
    match desired {
        DesiredState::Unknown => true,
        DesiredState::Running => observed == ObservedState::Running,
        DesiredState::Created => {
            matches!(observed, ObservedState::Created | ObservedState::Exited | ObservedState::Dead)
        }
    }
}

/// Reasons of the StateReconciled condition.
pub mod reason {
    pub const NO_DESIRED_STATE: &str = "NoDesiredState";
    pub const STATE_MET: &str = "StateMet";
    pub const PENDING: &str = "Pending";
    pub const ACTION_FAILED: &str = "ActionFailed";
}

/// The outcome of the last Docker call made for `spec.state`, if one was
/// just made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// No call in this pass: keep a previous failure on record.
    None,
    Succeeded,
    Failed(String),
}

/// (status, reason, message) of StateReconciled: True when met or when
/// there is no intent; False with Docker's error after a failed attempt
/// (kept until a later attempt succeeds or the state is met); False/Pending
/// otherwise.
pub fn state_reconciled(
    desired: DesiredState,
    observed: ObservedState,
    existing: Option<&Condition>,
    attempt: &Attempt,
) -> (bool, &'static str, String) {
    if desired == DesiredState::Unknown {
        return (true, reason::NO_DESIRED_STATE, String::new());
    }
    if state_met(desired, observed) {
        return (true, reason::STATE_MET, String::new());
    }
    match attempt {
        Attempt::Failed(message) => (false, reason::ACTION_FAILED, message.clone()),
        Attempt::None => match existing {
            Some(c) if c.status == "False" && c.reason == reason::ACTION_FAILED => {
                (false, reason::ACTION_FAILED, c.message.clone())
            }
            _ => pending(desired, observed),
        },
        Attempt::Succeeded => pending(desired, observed),
    }
}

fn pending(desired: DesiredState, observed: ObservedState) -> (bool, &'static str, String) {
    (
        false,
        reason::PENDING,
        format!("waiting for the container to go from {} to {}", observed.as_str(), desired.as_str()),
    )
}

/// Mirrors (by object name) that exist but are not in `expected`.
pub fn stale<'a>(existing: impl IntoIterator<Item = &'a str>, expected: &HashSet<String>) -> Vec<String> {
    let mut out: Vec<String> =
        existing.into_iter().filter(|name| !expected.contains(*name)).map(str::to_owned).collect();
    out.sort();
    out
}

/// An Image mirror as the refresh logic sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageMirrorRef {
    pub name: String,
    pub id: Option<String>,
    pub repo_tag: Option<String>,
}

/// What to do after re-inspecting one image (SPEC §6.4).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImagePlan {
    /// Mirrors to create or update.
    pub apply: Vec<(String, ImageStatus)>,
    /// Mirrors to remove (Docker already dropped what they stand for).
    pub remove: Vec<String>,
    /// Other image IDs that lost a tag to this image: they may have become
    /// dangling, and only a re-inspect tells (a re-pointed tag emits no
    /// untag event for the image that lost it).
    pub reinspect: Vec<String>,
}

/// `fresh` is the image's mirrors computed from the inspect (the same
/// image ID throughout). Removes this ID's mirrors whose tag is gone
/// (untag, and tagged → dangling or dangling → tagged transitions), and
/// other IDs' mirrors that claim one of this image's tags.
pub fn plan_image_refresh(fresh: Vec<(String, ImageStatus)>, existing: &[ImageMirrorRef]) -> ImagePlan {
    let Some(id) = fresh.first().and_then(|(_, s)| s.id.clone()) else {
        return ImagePlan { apply: fresh, ..ImagePlan::default() };
    };
    let names: HashSet<&str> = fresh.iter().map(|(n, _)| n.as_str()).collect();
    let tags: HashSet<&str> = fresh.iter().filter_map(|(_, s)| s.repo_tag.as_deref()).collect();
    let mut remove = BTreeSet::new();
    let mut reinspect = BTreeSet::new();
    for mirror in existing {
        let same_id = mirror.id.as_deref() == Some(id.as_str());
        if same_id && !names.contains(mirror.name.as_str()) {
            remove.insert(mirror.name.clone());
        }
        if !same_id
            && let Some(tag) = mirror.repo_tag.as_deref()
            && tags.contains(tag)
        {
            remove.insert(mirror.name.clone());
            if let Some(other) = &mirror.id {
                reinspect.insert(other.clone());
            }
        }
    }
    ImagePlan { apply: fresh, remove: remove.into_iter().collect(), reinspect: reinspect.into_iter().collect() }
}

/// Mirrors to remove when the image `id` is gone from Docker.
pub fn image_gone(id: &str, existing: &[ImageMirrorRef]) -> Vec<String> {
    let mut out: Vec<String> =
        existing.iter().filter(|m| m.id.as_deref() == Some(id)).map(|m| m.name.clone()).collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use DesiredState as D;
    use ObservedState as O;
    use rdd_api::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use rdd_api::mirror::image_mirror_name;

    #[test]
    fn state_action_table() {
        let table = [
            (D::Unknown, O::Running, None),
            (D::Unknown, O::Exited, None),
            (D::Running, O::Running, None),
            (D::Running, O::Paused, Some(StateAction::Unpause)),
            (D::Running, O::Created, Some(StateAction::Start)),
            (D::Running, O::Exited, Some(StateAction::Start)),
            (D::Running, O::Dead, Some(StateAction::Start)),
            (D::Running, O::Restarting, None),
            (D::Running, O::Removing, None),
            (D::Created, O::Running, Some(StateAction::Stop)),
            (D::Created, O::Paused, Some(StateAction::Stop)),
            (D::Created, O::Restarting, Some(StateAction::Stop)),
            (D::Created, O::Created, None),
            (D::Created, O::Exited, None),
            (D::Created, O::Dead, None),
            (D::Created, O::Removing, None),
        ];
        for (desired, observed, action) in table {
            assert_eq!(state_action(desired, observed), action, "{desired:?} × {observed:?}");
            // Every action-free pair is either met or transitional.
            if action.is_none() && desired != D::Unknown {
                assert!(state_met(desired, observed) || matches!(observed, O::Restarting | O::Removing));
            }
        }
    }

    fn cond(status: &str, reason: &str, message: &str) -> Condition {
        Condition {
            type_: "StateReconciled".into(),
            status: status.into(),
            reason: reason.into(),
            message: message.into(),
            observed_generation: Some(1),
            last_transition_time: Time(Default::default()),
        }
    }

    #[test]
    fn state_reconciled_table() {
        let failed = cond("False", reason::ACTION_FAILED, "boom");
        type Case<'a> = (D, O, Option<&'a Condition>, Attempt, bool, &'a str, &'a str);
        let cases: Vec<Case> = vec![
            (D::Unknown, O::Exited, Some(&failed), Attempt::None, true, reason::NO_DESIRED_STATE, ""),
            (D::Running, O::Running, Some(&failed), Attempt::None, true, reason::STATE_MET, ""),
            (D::Created, O::Exited, None, Attempt::None, true, reason::STATE_MET, ""),
            (
                D::Running,
                O::Exited,
                None,
                Attempt::Failed("no such file".into()),
                false,
                reason::ACTION_FAILED,
                "no such file",
            ),
            // A recorded failure survives syncs that made no attempt.
            (D::Running, O::Exited, Some(&failed), Attempt::None, false, reason::ACTION_FAILED, "boom"),
            // A later success clears it.
            (
                D::Running,
                O::Exited,
                Some(&failed),
                Attempt::Succeeded,
                false,
                reason::PENDING,
                "waiting for the container to go from exited to running",
            ),
            (
                D::Created,
                O::Running,
                None,
                Attempt::None,
                false,
                reason::PENDING,
                "waiting for the container to go from running to created",
            ),
        ];
        for (desired, observed, existing, attempt, status, why, message) in cases {
            let got = state_reconciled(desired, observed, existing, &attempt);
            assert_eq!(got, (status, why, message.to_owned()), "{desired:?} × {observed:?} after {attempt:?}");
        }
    }

    #[test]
    fn stale_lists_what_is_not_expected() {
        let expected: HashSet<String> = ["a".to_owned(), "c".to_owned()].into();
        assert_eq!(stale(["c", "b", "a", "d"], &expected), ["b", "d"]);
        assert!(stale(["a"], &expected).is_empty());
    }

    fn status(id: &str, tag: Option<&str>) -> (String, ImageStatus) {
        (
            image_mirror_name(id, tag),
            ImageStatus { id: Some(id.into()), repo_tag: tag.map(Into::into), ..ImageStatus::default() },
        )
    }

    fn mirror(id: &str, tag: Option<&str>) -> ImageMirrorRef {
        ImageMirrorRef { name: image_mirror_name(id, tag), id: Some(id.into()), repo_tag: tag.map(Into::into) }
    }

    #[test]
    fn image_refresh_table() {
        let a = "sha256:aaaa";
        let b = "sha256:bbbb";
        struct Case {
            what: &'static str,
            fresh: Vec<(String, ImageStatus)>,
            existing: Vec<ImageMirrorRef>,
            remove: Vec<String>,
            reinspect: Vec<String>,
        }
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let cases = [
            Case {
                what: "untag: the event has no tag; the tag missing from the inspect goes",
                fresh: vec![status(a, Some("x:1"))],
                existing: vec![mirror(a, Some("x:1")), mirror(a, Some("x:2"))],
                remove: vec![image_mirror_name(a, Some("x:2"))],
                reinspect: vec![],
            },
            Case {
                what: "tagged → dangling: tag mirrors go, the dangling one is applied",
                fresh: vec![status(a, None)],
                existing: vec![mirror(a, Some("x:1"))],
                remove: vec![image_mirror_name(a, Some("x:1"))],
                reinspect: vec![],
            },
            Case {
                what: "dangling → tagged: the dangling mirror goes",
                fresh: vec![status(a, Some("x:1"))],
                existing: vec![mirror(a, None)],
                remove: vec![image_mirror_name(a, None)],
                reinspect: vec![],
            },
            Case {
                what: "tag re-pointed from b to a: b's mirror of the tag goes and b is re-inspected",
                fresh: vec![status(a, Some("x:1"))],
                existing: vec![mirror(b, Some("x:1")), mirror(b, Some("y:1"))],
                remove: vec![image_mirror_name(b, Some("x:1"))],
                reinspect: vec![b.to_owned()],
            },
            Case {
                what: "nothing changed",
                fresh: vec![status(a, Some("x:1")), status(a, Some("x:2"))],
                existing: vec![mirror(a, Some("x:1")), mirror(a, Some("x:2")), mirror(b, None)],
                remove: vec![],
                reinspect: vec![],
            },
        ];
        for case in cases {
            let plan = plan_image_refresh(case.fresh.clone(), &case.existing);
            assert_eq!(plan.apply, case.fresh, "{}", case.what);
            assert_eq!(plan.remove, sorted(case.remove), "{}", case.what);
            assert_eq!(plan.reinspect, case.reinspect, "{}", case.what);
        }
    }

    #[test]
    fn image_delete_removes_every_mirror_of_the_id() {
        let existing = [mirror("sha256:a", Some("x:1")), mirror("sha256:a", Some("x:2")), mirror("sha256:b", None)];
        let mut want = vec![image_mirror_name("sha256:a", Some("x:1")), image_mirror_name("sha256:a", Some("x:2"))];
        want.sort();
        assert_eq!(image_gone("sha256:a", &existing), want);
    }
}
