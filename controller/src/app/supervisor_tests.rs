//! Supervisor behaviour with a scripted fake engine, on paused time.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rdd_api::app::{EngineName, EngineProvider};

use super::*;
use crate::app::fake_engine::Script;

fn settings(name: EngineName) -> EngineSettings {
    EngineSettings { name, provider: EngineProvider::Managed, endpoint: None }
}

fn want(generation: i64, name: Option<EngineName>) -> Desired {
    Desired { generation, engine: name.map(settings) }
}

struct Harness {
    script: Arc<Script>,
    handle: SupervisorHandle,
    shutdown: watch::Sender<bool>,
}

fn harness() -> Harness {
    let script = Arc::new(Script::default());
    let factory = Script::factory(&script);
    let (shutdown, shutdown_rx) = watch::channel(false);
    Harness { script, handle: SupervisorHandle::spawn(factory, shutdown_rx), shutdown }
}

impl Harness {
    /// Waits (on paused time: instantly) for a report matching `desired` and `phase`.
    async fn reach(&self, desired: &Desired, phase: Phase) -> Observed {
        let mut rx = self.handle.observed();
        let found = match tokio::time::timeout(
            Duration::from_secs(600),
            rx.wait_for(|o| o.desired == *desired && o.phase == phase),
        )
        .await
        {
            Ok(Ok(observed)) => Some(observed.clone()),
            _ => None,
        };
        found.unwrap_or_else(|| panic!("never reached {phase:?} for {desired:?}; last {:?}", *rx.borrow()))
    }

    fn starts(&self) -> usize {
        self.script.starts.load(Ordering::SeqCst)
    }

    fn stops(&self) -> usize {
        self.script.stops.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn starts_and_stops() {
    let h = harness();
    h.reach(&Desired::default(), Phase::Stopped).await;
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    let observed = h.reach(&on, Phase::Running).await;
    assert_eq!(observed.message, "fake moby answers");
    let off = want(2, None);
    h.handle.set(off.clone());
    assert_eq!(h.reach(&off, Phase::Stopped).await.message, "no engine is running");
    assert_eq!((h.starts(), h.stops()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_new_generation_with_the_same_settings_is_acknowledged_without_restart() {
    let h = harness();
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    h.reach(&on, Phase::Running).await;
    let again = want(2, Some(EngineName::Moby));
    h.handle.set(again.clone());
    h.reach(&again, Phase::Running).await;
    assert_eq!((h.starts(), h.stops()), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn failed_starts_are_retried_with_backoff_until_one_succeeds() {
    let h = harness();
    h.script.failing_starts.store(2, Ordering::SeqCst);
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    let failed = h.reach(&on, Phase::StartFailed).await;
    assert_eq!(failed.message, "no answer from unix:///fake within 30s (retrying in 1s)");
    let begun = tokio::time::Instant::now();
    h.reach(&on, Phase::Running).await;
    // 1s after the first failure, 2s after the second.
    assert!(begun.elapsed() >= Duration::from_secs(3), "{:?}", begun.elapsed());
    assert_eq!(h.starts(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_new_generation_cuts_the_backoff_short() {
    let h = harness();
    h.script.failing_starts.store(5, Ordering::SeqCst);
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    h.reach(&on, Phase::StartFailed).await;
    h.script.failing_starts.store(0, Ordering::SeqCst);
    let again = want(2, Some(EngineName::Moby));
    let begun = tokio::time::Instant::now();
    h.handle.set(again.clone());
    h.reach(&again, Phase::Running).await;
    assert!(begun.elapsed() < Duration::from_secs(1), "{:?}", begun.elapsed());
}

#[tokio::test(start_paused = true)]
async fn an_engine_that_exits_while_wanted_is_restarted() {
    let h = harness();
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    h.reach(&on, Phase::Running).await;
    h.script.crash.notify_one();
    let failed = h.reach(&on, Phase::StartFailed).await;
    assert_eq!(failed.message, "fake exited unexpectedly (exit status 3) (restarting in 1s)");
    h.reach(&on, Phase::Running).await;
    assert_eq!(h.starts(), 2);
}

#[tokio::test(start_paused = true)]
async fn new_settings_restart_the_engine() {
    let h = harness();
    let moby = want(1, Some(EngineName::Moby));
    h.handle.set(moby.clone());
    h.reach(&moby, Phase::Running).await;
    let containerd = want(2, Some(EngineName::Containerd));
    h.handle.set(containerd.clone());
    let observed = h.reach(&containerd, Phase::Running).await;
    assert_eq!(observed.message, "fake containerd answers");
    assert_eq!((h.starts(), h.stops()), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn a_start_abandoned_for_new_settings_is_cleaned_up() {
    let h = harness();
    h.script.slow_start.store(true, Ordering::SeqCst);
    let moby = want(1, Some(EngineName::Moby));
    h.handle.set(moby.clone());
    h.reach(&moby, Phase::Starting).await;
    // Same settings, new generation: acknowledged while still starting.
    let moby2 = want(2, Some(EngineName::Moby));
    h.handle.set(moby2.clone());
    h.reach(&moby2, Phase::Starting).await;
    let off = want(3, None);
    h.handle.set(off.clone());
    h.reach(&off, Phase::Stopped).await;
    assert_eq!((h.starts(), h.stops()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_killed_engine_is_stop_failed_until_the_next_generation() {
    let h = harness();
    h.script.stop_fails.store(true, Ordering::SeqCst);
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    h.reach(&on, Phase::Running).await;
    let off = want(2, None);
    h.handle.set(off.clone());
    let failed = h.reach(&off, Phase::StopFailed).await;
    assert_eq!(failed.message, "fake (pid 42) did not stop within 30s; killed");
    let off3 = want(3, None);
    h.handle.set(off3.clone());
    h.reach(&off3, Phase::Stopped).await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_the_engine() {
    let h = harness();
    let on = want(1, Some(EngineName::Moby));
    h.handle.set(on.clone());
    h.reach(&on, Phase::Running).await;
    h.shutdown.send(true).unwrap();
    let last = h.handle.join().await.unwrap();
    assert_eq!((last.desired, last.phase), (on, Phase::Stopped));
    assert_eq!(h.script.stops.load(Ordering::SeqCst), 1);
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let delays: Vec<u64> = (0..9).map(|n| backoff(n).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
}
