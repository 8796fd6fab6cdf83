//! A scripted engine for tests of the supervisor and the reconciler:
//! counts starts and stops, fails on demand, crashes when told.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Notify;

use super::error::{StartError, StopError};
use super::provider::EngineProcess;
use super::settings::EngineSettings;
use super::supervisor::EngineFactory;

#[derive(Default)]
pub struct Script {
    pub starts: AtomicUsize,
    pub stops: AtomicUsize,
    /// How many of the next starts fail.
    pub failing_starts: AtomicUsize,
    pub slow_start: AtomicBool,
    pub stop_fails: AtomicBool,
    pub crash: Notify,
}

pub struct Fake {
    name: &'static str,
    script: Arc<Script>,
}

impl EngineProcess for Fake {
    fn describe(&self) -> String {
        format!("fake {}", self.name)
    }

    fn start(&mut self) -> BoxFuture<'_, Result<(), StartError>> {
        Box::pin(async move {
            self.script.starts.fetch_add(1, Ordering::SeqCst);
            if self.script.slow_start.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_secs(20)).await;
            }
            let failing = self.script.failing_starts.load(Ordering::SeqCst);
            if failing > 0 {
                self.script.failing_starts.store(failing - 1, Ordering::SeqCst);
                return Err(StartError::NoAnswer { endpoint: "unix:///fake".into(), timeout: Duration::from_secs(30) });
            }
            Ok(())
        })
    }

    fn exited(&mut self) -> BoxFuture<'_, String> {
        Box::pin(async move {
            self.script.crash.notified().await;
            "fake exited unexpectedly (exit status 3)".to_owned()
        })
    }

    fn stop(&mut self) -> BoxFuture<'_, Result<(), StopError>> {
        Box::pin(async move {
            self.script.stops.fetch_add(1, Ordering::SeqCst);
            if self.script.stop_fails.load(Ordering::SeqCst) {
                return Err(StopError::Killed { program: "fake", pid: 42, grace: Duration::from_secs(30) });
            }
            Ok(())
        })
    }
}

impl Script {
    /// A factory whose engines all follow this script.
    pub fn factory(script: &Arc<Script>) -> EngineFactory {
        let shared = script.clone();
        Box::new(move |s: &EngineSettings| {
            Box::new(Fake { name: s.name.as_str(), script: shared.clone() }) as Box<dyn EngineProcess>
        })
    }

    pub fn starts(&self) -> usize {
        self.starts.load(Ordering::SeqCst)
    }

    pub fn stops(&self) -> usize {
        self.stops.load(Ordering::SeqCst)
    }
}
