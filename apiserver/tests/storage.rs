//! Integration tests of the store against real SQLite databases in temporary
//! directories: write semantics, lists, watches, restarts and compaction.
//! The kill -9 test is in `storage_crash.rs`.

use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use rdd_apiserver::storage::{
    EventKind, Precondition, Store, StoreError, StoreOptions, WatchEvent, WatchStream, WriteOp, WriteOutcome,
};
use serde_json::{Value, json};

fn open(dir: &Path, options: StoreOptions) -> Store {
    Store::open(&dir.join("state/db.sqlite"), options).expect("open the store")
}

fn object(name: &str, data: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"app": data}}, "data": {"v": data}})
}

async fn put(store: &Store, key: &str, data: &str, precondition: Precondition) -> Result<WriteOutcome, StoreError> {
    store.write(WriteOp::Put { key: key.into(), object: object(key, data), precondition }).await
}

async fn delete(store: &Store, key: &str, precondition: Precondition) -> Result<WriteOutcome, StoreError> {
    store.write(WriteOp::Delete { key: key.into(), object: object(key, "gone"), precondition }).await
}

fn json_of(store: &Store, key: &str) -> Value {
    serde_json::from_slice(&store.get(key).expect("key present").json).unwrap()
}

async fn next_event(stream: &mut WatchStream) -> WatchEvent {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event within 10s")
        .expect("the stream is open")
        .expect("no watch error")
}

mod storage_writes {
    use super::*;

    #[tokio::test]
    async fn preconditions_and_stamping() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        assert_eq!(store.revision(), 0);

        let created = put(&store, "/core/configmaps/ns/a", "1", Precondition::MustNotExist).await.unwrap();
        assert_eq!(created.revision, 1);
        assert_eq!(json_of(&store, "/core/configmaps/ns/a")["metadata"]["resourceVersion"], "1");
        assert_eq!(store.get("/core/configmaps/ns/a").unwrap(), created.object);
        assert_eq!(created.object.labels["app"], "1");
        // Stored bytes are compact JSON.
        assert!(!created.object.json.contains(&b' '));

        let again = put(&store, "/core/configmaps/ns/a", "x", Precondition::MustNotExist).await;
        assert!(matches!(again, Err(StoreError::AlreadyExists { key }) if key == "/core/configmaps/ns/a"));

        let updated = put(&store, "/core/configmaps/ns/a", "2", Precondition::Revision(1)).await.unwrap();
        assert_eq!(updated.revision, 2);
        let stale = put(&store, "/core/configmaps/ns/a", "3", Precondition::Revision(1)).await;
        match stale {
            Err(StoreError::Conflict { current, .. }) => assert_eq!(current.revision, 2),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let missing = put(&store, "/core/configmaps/ns/b", "1", Precondition::Revision(1)).await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })));
        let blind = put(&store, "/core/configmaps/ns/a", "4", Precondition::None).await.unwrap();
        assert_eq!(blind.revision, 3, "failed writes consume no revision");

        assert!(matches!(
            delete(&store, "/core/configmaps/ns/b", Precondition::None).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            delete(&store, "/core/configmaps/ns/a", Precondition::Revision(2)).await,
            Err(StoreError::Conflict { .. })
        ));
        let deleted = delete(&store, "/core/configmaps/ns/a", Precondition::Revision(3)).await.unwrap();
        assert_eq!(deleted.revision, 4);
        let last: Value = serde_json::from_slice(&deleted.object.json).unwrap();
        assert_eq!(last["metadata"]["resourceVersion"], "4");
        assert_eq!(last["data"]["v"], "gone");
        assert!(store.get("/core/configmaps/ns/a").is_none());
        assert_eq!(store.revision(), 4);

        // A key can be created again after its deletion.
        let recreated = put(&store, "/core/configmaps/ns/a", "5", Precondition::MustNotExist).await.unwrap();
        assert_eq!(recreated.revision, 5);

        let bad = store
            .write(WriteOp::Put { key: "/x".into(), object: json!([1, 2]), precondition: Precondition::None })
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid { .. })));
        store.shutdown().await;
    }

    #[tokio::test]
    async fn revisions_strictly_increase_in_write_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        let mut last = 0;
        for i in 0..50 {
            let outcome = put(&store, &format!("/k/{}", i % 7), &i.to_string(), Precondition::None).await.unwrap();
            assert_eq!(outcome.revision, last + 1);
            assert_eq!(store.revision(), outcome.revision);
            last = outcome.revision;
        }
        let snapshot = store.list("/k/", None, None);
        assert_eq!(snapshot.items.len(), 7);
        assert_eq!(snapshot.revision, 50);
        // Each object carries the revision of its own last write.
        assert_eq!(store.get("/k/0").unwrap().revision, 50);
        assert_eq!(store.get("/k/6").unwrap().revision, 49);
        store.shutdown().await;
    }

    #[tokio::test]
    async fn list_pages_and_keeps_prefixes_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        for key in [
            "/core/configmaps/a/3",
            "/core/configmaps/a/1",
            "/core/configmaps/ab/1",
            "/core/configmaps/a/2",
            "/core/configmaps/b/1",
        ] {
            put(&store, key, "v", Precondition::MustNotExist).await.unwrap();
        }
        let keys = |s: &rdd_apiserver::storage::ListSnapshot| s.items.iter().map(|o| o.key.clone()).collect::<Vec<_>>();
        let page = store.list("/core/configmaps/a/", None, Some(2));
        assert_eq!(keys(&page), ["/core/configmaps/a/1", "/core/configmaps/a/2"]);
        assert_eq!((page.remaining, page.revision), (1, 5));
        let rest = store.list("/core/configmaps/a/", Some("/core/configmaps/a/2"), Some(2));
        assert_eq!(keys(&rest), ["/core/configmaps/a/3"]);
        assert_eq!(rest.remaining, 0);
        assert_eq!(store.list("/core/configmaps/", None, None).items.len(), 5);
        assert_eq!(keys(&store.list("/core/configmaps/ab/", None, None)), ["/core/configmaps/ab/1"]);
        store.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_group_committed() {
        const TASKS: usize = 32;
        const WRITES: usize = 200;
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut revisions = Vec::with_capacity(WRITES);
                for i in 0..WRITES {
                    let key = format!("/bench/{t}/{i}");
                    revisions.push(put(&store, &key, "v", Precondition::MustNotExist).await.unwrap().revision);
                }
                revisions
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            let revisions = task.await.unwrap();
            assert!(revisions.windows(2).all(|w| w[0] < w[1]), "one client's writes commit in its order");
            all.extend(revisions);
        }
        all.sort_unstable();
        assert_eq!(all, (1..=(TASKS * WRITES) as u64).collect::<Vec<_>>());
        let stats = store.stats();
        assert_eq!(stats.writes, (TASKS * WRITES) as u64);
        assert!(stats.transactions < stats.writes / 4, "writes were batched: {stats:?}");
        assert_eq!(store.list("/bench/", None, None).items.len(), TASKS * WRITES);
        store.shutdown().await;
    }
}

mod storage_watch {
    use super::*;

    #[tokio::test]
    async fn events_carry_kind_object_and_previous() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        let mut stream = store.watch("/w/", 0).unwrap();
        put(&store, "/w/a", "1", Precondition::None).await.unwrap();
        put(&store, "/other/a", "1", Precondition::None).await.unwrap();
        put(&store, "/w/a", "2", Precondition::None).await.unwrap();
        delete(&store, "/w/a", Precondition::None).await.unwrap();

        let added = next_event(&mut stream).await;
        assert_eq!((added.kind, added.revision, added.previous.is_none()), (EventKind::Added, 1, true));
        let modified = next_event(&mut stream).await;
        assert_eq!((modified.kind, modified.revision), (EventKind::Modified, 3));
        assert_eq!(modified.previous.as_ref().unwrap().revision, 1);
        assert_eq!(modified.object.labels["app"], "2");
        let deleted = next_event(&mut stream).await;
        assert_eq!((deleted.kind, deleted.revision, deleted.object.revision), (EventKind::Deleted, 4, 4));
        assert_eq!(deleted.previous.as_ref().unwrap().revision, 3);
        store.shutdown().await;
        assert!(matches!(stream.next().await, Some(Err(StoreError::Closed))));
        assert!(stream.next().await.is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replay_then_live_without_gaps_or_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        let mut expected = Vec::new();
        for i in 0..40 {
            let key = if i % 2 == 0 { format!("/w/a/{}", i % 5) } else { format!("/w/ab/{i}") };
            let outcome = put(&store, &key, "v", Precondition::None).await.unwrap();
            if key.starts_with("/w/a/") && outcome.revision > 10 {
                expected.push(outcome.revision);
            }
        }
        let mut stream = store.watch("/w/a/", 10).unwrap();
        let mut writers = Vec::new();
        for t in 0..4 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for i in 0..100 {
                    let key = if t % 2 == 0 { format!("/w/a/{t}-{}", i % 10) } else { format!("/w/ab/{t}-{i}") };
                    let outcome = put(&store, &key, "v", Precondition::None).await.unwrap();
                    if t % 2 == 0 {
                        mine.push(outcome.revision);
                    }
                }
                mine
            }));
        }
        for writer in writers {
            expected.extend(writer.await.unwrap());
        }
        expected.sort_unstable();
        let mut seen = Vec::new();
        while seen.len() < expected.len() {
            let event = next_event(&mut stream).await;
            assert!(event.object.key.starts_with("/w/a/"));
            seen.push(event.revision);
        }
        assert_eq!(seen, expected);
        // Nothing more is pending.
        assert!(tokio::time::timeout(Duration::from_millis(100), stream.next()).await.is_err());
        store.shutdown().await;
    }

    #[tokio::test]
    async fn resuming_before_the_window_is_too_old() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions { watch_window: 5, ..StoreOptions::default() });
        for i in 0..20 {
            put(&store, "/w/k", &i.to_string(), Precondition::None).await.unwrap();
        }
        match store.watch("/w/", 3) {
            Err(StoreError::TooOld { requested, oldest }) => assert_eq!((requested, oldest), (3, 15)),
            other => panic!("expected TooOld, got {:?}", other.map(|_| ())),
        }
        let mut stream = store.watch("/w/", 15).unwrap();
        for revision in 16..=20 {
            assert_eq!(next_event(&mut stream).await.revision, revision);
        }
        store.shutdown().await;
    }

    #[tokio::test]
    async fn a_stalled_watcher_is_told_it_lagged() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions { watcher_queue: 8, ..StoreOptions::default() });
        let mut stalled = store.watch("/w/", 0).unwrap();
        let mut keeping_up = store.watch("/w/", 0).unwrap();
        for i in 0..50 {
            put(&store, &format!("/w/{i}"), "v", Precondition::None).await.unwrap();
            assert_eq!(next_event(&mut keeping_up).await.revision, i + 1);
        }
        let mut delivered = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(10), stalled.next()).await.unwrap() {
                Some(Ok(event)) => delivered.push(event.revision),
                Some(Err(StoreError::Lagged)) => break,
                other => panic!("expected events then Lagged, got {other:?}"),
            }
        }
        assert!(delivered.len() < 50);
        assert!(delivered.windows(2).all(|w| w[1] == w[0] + 1), "what was delivered has no gaps");
        assert!(stalled.next().await.is_none(), "the stream ends after Lagged");
        store.shutdown().await;
    }
}

mod storage_durability {
    use super::*;

    #[tokio::test]
    async fn reopening_keeps_state_window_and_revisions() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), StoreOptions::default());
        put(&store, "/d/a", "1", Precondition::None).await.unwrap();
        put(&store, "/d/b", "1", Precondition::None).await.unwrap();
        put(&store, "/d/a", "2", Precondition::Revision(1)).await.unwrap();
        delete(&store, "/d/b", Precondition::None).await.unwrap();
        let before = store.get("/d/a").unwrap();
        let second = Store::open(&dir.path().join("state/db.sqlite"), StoreOptions::default());
        assert!(matches!(second, Err(StoreError::Database(message)) if message.contains("in use by another process")));
        store.shutdown().await;
        assert!(matches!(put(&store, "/d/c", "1", Precondition::None).await, Err(StoreError::Closed)));
        assert!(matches!(store.watch("/d/", 0), Err(StoreError::Closed)));
        drop(store);

        let store = open(dir.path(), StoreOptions::default());
        assert_eq!(store.revision(), 4);
        assert_eq!(store.get("/d/a").unwrap(), before);
        assert!(store.get("/d/b").is_none());
        // The event window is rebuilt from the log, so watches resume.
        let mut stream = store.watch("/d/", 1).unwrap();
        let kinds = [EventKind::Added, EventKind::Modified, EventKind::Deleted];
        for (revision, kind) in (2..=4).zip(kinds) {
            let event = next_event(&mut stream).await;
            assert_eq!((event.revision, event.kind), (revision, kind));
        }
        assert_eq!(put(&store, "/d/b", "2", Precondition::MustNotExist).await.unwrap().revision, 5);
        assert_eq!(next_event(&mut stream).await.revision, 5);
        store.shutdown().await;
    }

    #[tokio::test]
    async fn compaction_keeps_every_latest_row_and_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { retained_revisions: 10, ..StoreOptions::default() };
        let store = open(dir.path(), options.clone());
        put(&store, "/c/old", "never rewritten", Precondition::None).await.unwrap();
        for round in 0..20 {
            for key in ["/c/a", "/c/b", "/c/c"] {
                put(&store, key, &round.to_string(), Precondition::None).await.unwrap();
            }
        }
        put(&store, "/c/gone", "x", Precondition::None).await.unwrap();
        delete(&store, "/c/gone", Precondition::None).await.unwrap();
        for round in 20..24 {
            put(&store, "/c/a", &round.to_string(), Precondition::None).await.unwrap();
        }
        let revision = store.revision();
        assert_eq!(revision, 67);
        let before = store.list("/c/", None, None);
        let report = store.compact().await.unwrap();
        assert_eq!(report.cutoff, 57);
        // Every row at or below 57 is superseded by a later row of its key,
        // except /c/old's only row (revision 1), which stays.
        let db = rusqlite::Connection::open(dir.path().join("state/db.sqlite")).unwrap();
        let rows: Vec<(i64, String)> = db
            .prepare("SELECT revision, key FROM log ORDER BY revision")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows[0], (1, "/c/old".to_string()));
        assert!(rows[1..].iter().all(|(r, _)| *r > 57), "no other history at or below the cutoff survives: {rows:?}");
        assert_eq!(report.deleted_rows, 56);
        drop(db);
        store.shutdown().await;

        let store = open(dir.path(), options);
        let after = store.list("/c/", None, None);
        assert_eq!(after.items, before.items);
        assert!(store.get("/c/gone").is_none());
        assert_eq!(store.revision(), 67);
        assert_eq!(store.get("/c/old").unwrap().revision, 1);
        assert_eq!(put(&store, "/c/new", "x", Precondition::None).await.unwrap().revision, 68);
        store.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_commits_what_it_acknowledges_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        // A queue deep enough for the whole load: this watcher is read only
        // at the end.
        let store = open(dir.path(), StoreOptions { watcher_queue: 16_384, ..StoreOptions::default() });
        let mut watch = store.watch("/s/", 0).unwrap();
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                for i in 0..1000 {
                    let key = format!("/s/{t}/{i}");
                    match put(&store, &key, "v", Precondition::MustNotExist).await {
                        Ok(outcome) => acked.push((key, outcome.revision)),
                        Err(StoreError::Closed) => break,
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
                acked
            }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        store.shutdown().await;
        let mut acked = Vec::new();
        for task in tasks {
            acked.extend(task.await.unwrap());
        }
        assert!(!acked.is_empty());
        assert!(acked.len() < 8000, "shutdown came before the load ended");
        let mut watched = 0;
        let end = loop {
            match watch.next().await {
                Some(Ok(_)) => watched += 1,
                end => break end,
            }
        };
        assert!(matches!(end, Some(Err(StoreError::Closed))), "{end:?}");
        assert_eq!(watched, acked.len(), "watchers got every committed write before Closed");
        drop(store);

        let store = open(dir.path(), StoreOptions::default());
        assert_eq!(store.revision(), acked.len() as u64);
        for (key, revision) in &acked {
            assert_eq!(store.get(key).unwrap().revision, *revision);
        }
        store.shutdown().await;
    }

    #[tokio::test]
    async fn compaction_runs_periodically_inside_a_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            retained_revisions: 0,
            compaction_interval: Duration::from_millis(50),
            ..StoreOptions::default()
        };
        let store = open(dir.path(), options);
        for i in 0..10 {
            put(&store, "/p/a", &i.to_string(), Precondition::None).await.unwrap();
        }
        let db = rusqlite::Connection::open(dir.path().join("state/db.sqlite")).unwrap();
        let count = || db.query_row("SELECT COUNT(*) FROM log", [], |r| r.get::<_, i64>(0)).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while count() > 1 {
            assert!(tokio::time::Instant::now() < deadline, "periodic compaction did not run");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(store.get("/p/a").unwrap().revision, 10);
        store.shutdown().await;
    }
}
