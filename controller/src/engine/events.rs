//! Docker event → work (the table of SPEC §6.4). Pure: the event payload
//! decides which object to re-read; what changed is always learnt from a
//! fresh inspect, never from the payload (an untag event carries the image
//! ID, not the tag: seed r2 I1).

use bollard::models::{EventMessage, EventMessageTypeEnum};

use super::queue::Work;

/// The work an event asks for, or `None` for events that change nothing
/// the mirror shows (exec, attach, health, mount, …).
pub fn work_for_event(event: &EventMessage) -> Option<Work> {
    let id = event.actor.as_ref()?.id.clone().filter(|id| !id.is_empty())?;
    let action = event.action.as_deref()?;
    // Docker appends details to some actions ("exec_start: sh", "health_status: healthy").
    let action = action.split(':').next().unwrap_or(action).trim();
    match event.typ? {
        EventMessageTypeEnum::CONTAINER => match action {
            "create" | "start" | "stop" | "die" | "pause" | "unpause" | "restart" | "rename" | "kill" | "oom"
            | "update" => Some(Work::Container(id)),
            "destroy" => Some(Work::ContainerGone(id)),
            _ => None,
        },
        EventMessageTypeEnum::IMAGE => match action {
            "pull" | "import" | "load" | "tag" | "untag" => Some(Work::Image(id)),
            "delete" => Some(Work::ImageGone(id)),
            _ => None,
        },
        EventMessageTypeEnum::VOLUME => match action {
            "create" => Some(Work::Volume(id)),
            "destroy" => Some(Work::VolumeGone(id)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::EventActor;

    fn event(typ: EventMessageTypeEnum, action: &str, id: &str) -> EventMessage {
        EventMessage {
            typ: Some(typ),
            action: Some(action.into()),
            actor: Some(EventActor { id: Some(id.into()), attributes: None }),
            ..Default::default()
        }
    }

    #[test]
    fn event_table() {
        use EventMessageTypeEnum as T;
        let c = |id: &str| Some(Work::Container(id.into()));
        let cases = [
            (T::CONTAINER, "create", c("c1")),
            (T::CONTAINER, "start", c("c1")),
            (T::CONTAINER, "stop", c("c1")),
            (T::CONTAINER, "die", c("c1")),
            (T::CONTAINER, "pause", c("c1")),
            (T::CONTAINER, "unpause", c("c1")),
            (T::CONTAINER, "restart", c("c1")),
            (T::CONTAINER, "rename", c("c1")),
            (T::CONTAINER, "kill", c("c1")),
            (T::CONTAINER, "oom", c("c1")),
            (T::CONTAINER, "update", c("c1")),
            (T::CONTAINER, "destroy", Some(Work::ContainerGone("c1".into()))),
            (T::CONTAINER, "exec_start: sh -c true", None),
            (T::CONTAINER, "health_status: healthy", None),
            (T::CONTAINER, "attach", None),
            (T::IMAGE, "pull", Some(Work::Image("c1".into()))),
            (T::IMAGE, "import", Some(Work::Image("c1".into()))),
            (T::IMAGE, "load", Some(Work::Image("c1".into()))),
            (T::IMAGE, "tag", Some(Work::Image("c1".into()))),
            (T::IMAGE, "untag", Some(Work::Image("c1".into()))),
            (T::IMAGE, "delete", Some(Work::ImageGone("c1".into()))),
            (T::IMAGE, "save", None),
            (T::VOLUME, "create", Some(Work::Volume("c1".into()))),
            (T::VOLUME, "destroy", Some(Work::VolumeGone("c1".into()))),
            (T::VOLUME, "mount", None),
            (T::NETWORK, "create", None),
        ];
        for (typ, action, want) in cases {
            assert_eq!(work_for_event(&event(typ, action, "c1")), want, "{typ:?} {action}");
        }
    }

    #[test]
    fn events_without_an_actor_id_are_ignored() {
        let mut e = event(EventMessageTypeEnum::CONTAINER, "start", "");
        assert_eq!(work_for_event(&e), None);
        e.actor = None;
        assert_eq!(work_for_event(&e), None);
    }
}
