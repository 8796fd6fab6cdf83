//! Which work may run beside which (SPEC §6.4 ordering under concurrency).
//! Work is handled by a bounded pool, but everything that touches one
//! mirror shares a lane and a lane runs one work at a time, so a newer
//! inspect is never overtaken by an older one for the same object. Image
//! work shares one lane (a tag moves between image IDs, and each image
//! handler plans over every image mirror), and a full sync runs alone
//! (it writes every object). The bound on work in flight is per pool
//! ([`Pool`]): per kind for work that calls Docker, and one for work that
//! only writes to Kubernetes.

use std::collections::HashMap;

use rdd_api::mirror::volume_mirror_name;

use super::queue::{MirrorKind, Work};

/// The serialisation domain of a work.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// One Container or Volume mirror, by mirror name.
    Object(MirrorKind, String),
    /// Every image mirror.
    Images,
    /// ContainerNamespace `moby`.
    Namespace,
    /// Everything: a full sync.
    All,
}

pub fn lane(work: &Work) -> Lane {
    match work {
        Work::Container(id) | Work::ContainerGone(id) | Work::ContainerState(id) => {
            Lane::Object(MirrorKind::Container, id.clone())
        }
        Work::Delete(MirrorKind::Container, name) => Lane::Object(MirrorKind::Container, name.clone()),
        Work::Image(_) | Work::ImageGone(_) | Work::Delete(MirrorKind::Image, _) => Lane::Images,
        Work::Volume(name) | Work::VolumeGone(name) => Lane::Object(MirrorKind::Volume, volume_mirror_name(name)),
        Work::Delete(MirrorKind::Volume, name) => Lane::Object(MirrorKind::Volume, name.clone()),
        Work::ContainerNamespace => Lane::Namespace,
        Work::FullSync => Lane::All,
    }
}

/// Which share of the worker pool a work draws on. Each pool has the whole
/// `concurrency` to itself, so work that waits on Docker for one kind (a
/// container inspect blocks while dockerd holds that container's lock for
/// a slow start or stop) never starves another kind's work, nor the work
/// that only writes to Kubernetes (a destroyed object's mirror removal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pool {
    Docker(MirrorKind),
    KubernetesOnly,
    FullSync,
}

pub fn pool(work: &Work) -> Pool {
    match work {
        Work::Container(_) | Work::ContainerState(_) | Work::Delete(MirrorKind::Container, _) => {
            Pool::Docker(MirrorKind::Container)
        }
        Work::Image(_) | Work::Delete(MirrorKind::Image, _) => Pool::Docker(MirrorKind::Image),
        Work::Volume(_) | Work::Delete(MirrorKind::Volume, _) => Pool::Docker(MirrorKind::Volume),
        Work::ContainerGone(_) | Work::ImageGone(_) | Work::VolumeGone(_) | Work::ContainerNamespace => {
            Pool::KubernetesOnly
        }
        Work::FullSync => Pool::FullSync,
    }
}

/// The lanes busy right now, with how many works hold each (one, by the
/// rule above; counted so a release never frees a lane someone else holds),
/// and how many works each pool runs.
#[derive(Debug, Default)]
pub struct Busy {
    lanes: HashMap<Lane, usize>,
    pools: HashMap<Pool, usize>,
    total: usize,
}

impl Busy {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.total
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Whether `work` may start now: its lane is free, its pool runs fewer
    /// than `per_pool`, nothing runs beside a full sync, and a full sync
    /// waits until everything else is done.
    pub fn may_start(&self, work: &Work, per_pool: usize) -> bool {
        if self.lanes.contains_key(&Lane::All) {
            return false;
        }
        match lane(work) {
            Lane::All => self.total == 0,
            l => !self.lanes.contains_key(&l) && self.pools.get(&pool(work)).copied().unwrap_or(0) < per_pool,
        }
    }

    pub fn take(&mut self, work: &Work) {
        *self.lanes.entry(lane(work)).or_insert(0) += 1;
        *self.pools.entry(pool(work)).or_insert(0) += 1;
        self.total += 1;
    }

    pub fn release(&mut self, work: &Work) {
        let l = lane(work);
        if let Some(n) = self.lanes.get_mut(&l) {
            *n -= 1;
            if *n == 0 {
                self.lanes.remove(&l);
            }
            self.total -= 1;
            if let Some(p) = self.pools.get_mut(&pool(work)) {
                *p = p.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_object_one_lane() {
        let c = |w: Work| lane(&w);
        let a = Lane::Object(MirrorKind::Container, "a".into());
        assert_eq!(c(Work::Container("a".into())), a);
        assert_eq!(c(Work::ContainerGone("a".into())), a);
        assert_eq!(c(Work::ContainerState("a".into())), a);
        assert_eq!(c(Work::Delete(MirrorKind::Container, "a".into())), a);
        // A volume event names the volume; a Kubernetes delete names the mirror.
        let v = Work::Volume("data".into());
        assert_eq!(c(v), c(Work::Delete(MirrorKind::Volume, volume_mirror_name("data"))));
        assert_eq!(c(Work::Image("x".into())), c(Work::ImageGone("y".into())));
        assert_eq!(c(Work::Image("x".into())), c(Work::Delete(MirrorKind::Image, "z".into())));
    }

    #[test]
    fn busy_lanes_block_their_own_work_and_a_full_sync_runs_alone() {
        let mut busy = Busy::default();
        let a = Work::Container("a".into());
        assert!(busy.may_start(&Work::FullSync, 8));
        busy.take(&a);
        assert!(!busy.may_start(&Work::ContainerGone("a".into()), 8));
        assert!(busy.may_start(&Work::Container("b".into()), 8));
        assert!(!busy.may_start(&Work::FullSync, 8));
        busy.release(&a);
        assert!(busy.is_empty());
        busy.take(&Work::FullSync);
        assert!(!busy.may_start(&Work::Container("b".into()), 8));
        assert!(!busy.may_start(&Work::ContainerNamespace, 8));
        busy.release(&Work::FullSync);
        assert!(busy.may_start(&Work::ContainerNamespace, 8));
        assert_eq!(busy.len(), 0);
    }

    #[test]
    fn slow_container_inspects_leave_room_for_the_other_kinds() {
        let mut busy = Busy::default();
        for i in 0..2 {
            busy.take(&Work::Container(format!("c{i}")));
        }
        // The container pool is full…
        assert!(!busy.may_start(&Work::Container("c2".into()), 2));
        assert!(!busy.may_start(&Work::ContainerState("c3".into()), 2));
        // …the others are not.
        assert!(busy.may_start(&Work::Volume("v".into()), 2));
        assert!(busy.may_start(&Work::Image("i".into()), 2));
        assert!(busy.may_start(&Work::ContainerGone("c4".into()), 2));
        assert!(busy.may_start(&Work::VolumeGone("v2".into()), 2));
        busy.release(&Work::Container("c0".into()));
        assert!(busy.may_start(&Work::Container("c2".into()), 2));
        assert_eq!(busy.len(), 1);
    }
}
