//! Observability of the mirror (SPEC §6.8): counters and histograms kept
//! with atomics, rendered in the Prometheus text format, and an optional
//! HTTP endpoint (`--metrics-addr`) that serves them at `/metrics`.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

/// Upper bounds (seconds) of the histogram buckets.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A cumulative histogram in microseconds.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, value: Duration) {
        let seconds = value.as_secs_f64();
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(value.as_micros().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", bucket.load(Ordering::Relaxed));
        }
        let count = self.count();
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}\n{name}_sum {sum}\n{name}_count {count}");
    }
}

/// What the engine controller counts.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Docker events received that asked for work.
    pub events_processed: AtomicU64,
    /// Work that failed (error or panic) and was scheduled again.
    pub retries: AtomicU64,
    /// Docker connections lost and re-established in place.
    pub watcher_restarts: AtomicU64,
    /// Duration of full syncs.
    pub sync_duration: Histogram,
    /// From a Docker event's timestamp to its work being done.
    pub mirror_lag: Histogram,
}

impl Metrics {
    fn counter(out: &mut String, name: &str, help: &str, value: &AtomicU64) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        Self::counter(
            &mut out,
            "rdd_engine_events_processed_total",
            "Docker events that asked for work.",
            &self.events_processed,
        );
        Self::counter(&mut out, "rdd_engine_retries_total", "Work retried after an error or a panic.", &self.retries);
        Self::counter(
            &mut out,
            "rdd_engine_watcher_restarts_total",
            "Docker event streams lost and reconnected.",
            &self.watcher_restarts,
        );
        self.sync_duration.render(&mut out, "rdd_engine_sync_duration_seconds", "Duration of full syncs.");
        self.mirror_lag.render(
            &mut out,
            "rdd_engine_mirror_lag_seconds",
            "From a Docker event to its mirror being written.",
        );
        out
    }
}

/// Serves `GET /metrics` on `addr` until `shutdown` turns true.
pub async fn serve_metrics(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), std::io::Error> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving metrics at /metrics");
    loop {
        let (stream, _) = tokio::select! {
            _ = async { let _ = shutdown.wait_for(|s| *s).await; } => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics endpoint: accept failed");
                    continue;
                }
            },
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let metrics = metrics.clone();
                async move {
                    let response = if req.uri().path() == "/metrics" {
                        Response::builder()
                            .header("content-type", "text/plain; version=0.0.4")
                            .body(Full::new(Bytes::from(metrics.render())))
                    } else {
                        Response::builder()
                            .status(StatusCode::NOT_FOUND)
                            .body(Full::new(Bytes::from_static(b"not found\n")))
                    };
                    // Invariant: the builders above only get valid static headers and statuses.
                    Ok::<_, Infallible>(response.unwrap_or_default())
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.events_processed.fetch_add(3, Ordering::Relaxed);
        m.mirror_lag.observe(Duration::from_millis(20));
        m.mirror_lag.observe(Duration::from_secs(2));
        let text = m.render();
        assert!(
            text.contains("# TYPE rdd_engine_events_processed_total counter\nrdd_engine_events_processed_total 3\n")
        );
        assert!(text.contains("rdd_engine_mirror_lag_seconds_bucket{le=\"0.025\"} 1\n"));
        assert!(text.contains("rdd_engine_mirror_lag_seconds_bucket{le=\"2.5\"} 2\n"));
        assert!(text.contains("rdd_engine_mirror_lag_seconds_bucket{le=\"+Inf\"} 2\nrdd_engine_mirror_lag_seconds_sum 2.02\nrdd_engine_mirror_lag_seconds_count 2\n"));
        assert!(text.contains("rdd_engine_sync_duration_seconds_count 0\n"));
    }

    #[tokio::test]
    async fn serves_metrics_over_http() {
        let metrics = Arc::new(Metrics::default());
        metrics.retries.fetch_add(1, Ordering::Relaxed);
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let (tx, rx) = watch::channel(false);
        let server = tokio::spawn(serve_metrics(addr, metrics, rx));
        let mut body = String::new();
        for _ in 0..50 {
            if let Ok(mut s) = tokio::net::TcpStream::connect(addr).await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
                s.read_to_string(&mut body).await.unwrap();
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(body.starts_with("HTTP/1.1 200"), "{body}");
        assert!(body.contains("rdd_engine_retries_total 1"), "{body}");
        tx.send(true).unwrap();
        server.await.unwrap().unwrap();
    }
}
