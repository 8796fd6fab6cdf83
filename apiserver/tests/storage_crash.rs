//! kill -9 during a write load (SPEC §3.5, §12): a child process — this test
//! re-executed with the child's database in its environment — writes as fast as it can and
//! prints every acknowledged write; the parent kills it with SIGKILL midway
//! and checks that the reopened store holds every acknowledged write, that
//! SQLite's integrity check passes and that revisions keep increasing.

mod storage_crash {
    use std::io::{BufRead, BufReader};
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use rdd_apiserver::storage::{Precondition, Store, StoreOptions, WriteOp};
    use serde_json::json;

    /// Set in the child: the database to write to.
    const CHILD_DB: &str = "RDD_STORAGE_CRASH_CHILD_DB";
    const WRITERS: usize = 16;
    /// Acknowledgements to see before the kill.
    const KILL_AFTER: usize = 1500;

    /// The child's writer: runs until the parent kills it.
    fn crash_child(path: PathBuf) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let store = Store::open(&path, StoreOptions::default()).unwrap();
            let mut tasks = Vec::new();
            for t in 0..WRITERS {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0.. {
                        // New keys, and rewrites of one key per writer.
                        let (key, precondition) = if i % 2 == 0 {
                            (format!("/crash/new/{t}/{i}"), Precondition::MustNotExist)
                        } else {
                            (format!("/crash/counter/{t}"), Precondition::None)
                        };
                        let object = json!({"metadata": {"name": key}, "data": {"i": i}});
                        let outcome =
                            store.write(WriteOp::Put { key: key.clone(), object, precondition }).await.unwrap();
                        println!("ack {} {key}", outcome.revision);
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
        });
    }

    #[test]
    fn acknowledged_writes_survive_kill_9() {
        // The same test, re-executed with CHILD_DB set, is the child.
        if let Some(path) = std::env::var_os(CHILD_DB) {
            crash_child(PathBuf::from(path));
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.sqlite");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "storage_crash::acknowledged_writes_survive_kill_9", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut acked: Vec<(u64, String)> = Vec::new();
        let mut line = String::new();
        let started = Instant::now();
        let mut killed = false;
        loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                break;
            }
            // Only complete lines count: a line cut by the kill was never
            // fully acknowledged to us.
            if let Some(rest) = line.strip_prefix("ack ").and_then(|l| l.strip_suffix('\n')) {
                let (revision, key) = rest.split_once(' ').unwrap();
                acked.push((revision.parse().unwrap(), key.to_owned()));
            }
            if !killed && (acked.len() >= KILL_AFTER || started.elapsed() > Duration::from_secs(120)) {
                // Child::kill sends SIGKILL on Unix; the pipe keeps what was
                // printed before it, which the loop goes on reading.
                child.kill().unwrap();
                killed = true;
            }
        }
        let status = child.wait().unwrap();
        assert!(killed, "the child exited by itself: {status:?}");
        assert!(acked.len() >= KILL_AFTER, "only {} writes acknowledged before the deadline", acked.len());

        let conn = rusqlite::Connection::open(&db).unwrap();
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(integrity, "ok");
        drop(conn);

        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let store = Store::open(&db, StoreOptions::default()).unwrap();
            let newest = acked.iter().map(|(r, _)| *r).max().unwrap();
            assert!(store.revision() >= newest);
            for (revision, key) in &acked {
                let stored = store.get(key).unwrap_or_else(|| panic!("acknowledged {key} at {revision} is lost"));
                if key.starts_with("/crash/new/") {
                    assert_eq!(stored.revision, *revision, "{key}");
                } else {
                    assert!(stored.revision >= *revision, "{key} went back from {revision} to {}", stored.revision);
                }
            }
            let object = json!({"metadata": {"name": "after"}});
            let after = store
                .write(WriteOp::Put { key: "/crash/after".into(), object, precondition: Precondition::MustNotExist })
                .await
                .unwrap();
            assert!(after.revision > store.revision() - 1 && after.revision > newest);
            store.shutdown().await;
        });
    }
}
