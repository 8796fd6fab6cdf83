//! The SQLite revision log: schema, connection settings, loading the current
//! state and the recent event window at open, appending rows, and the
//! compaction statement.
//!
//! Every write is one row `(revision, key, value, deleted, prev_revision)`;
//! `prev_revision` is the revision of the key's previous live version (0
//! when the write created the key), which lets the event window be rebuilt
//! exactly after a restart. The `meta` table remembers the latest revision so
//! it survives compaction removing the newest rows (old tombstones).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::fs::{File, OpenOptions, Permissions, TryLockError};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::memory::from_bytes;
use super::{EventKind, StoreError, StoredObject, WatchEvent};
use crate::server::files::create_private_dir;

/// Version of the schema below, kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    deleted INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

/// Maps a SQLite failure to a store error saying what was being done.
pub fn db_error(context: impl Display) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |err| StoreError::Database(format!("{context}: {err}"))
}

/// A revision as SQLite stores it (INTEGER is signed 64-bit).
fn sql(revision: u64) -> rusqlite::Result<i64> {
    i64::try_from(revision).map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))
}

/// Reads a revision column.
fn revision_at(row: &rusqlite::Row, index: usize) -> rusqlite::Result<u64> {
    let value: i64 = row.get(index)?;
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(index, value))
}

/// Reads an optional revision from a one-row query.
fn optional_revision(row: &rusqlite::Row) -> rusqlite::Result<Option<u64>> {
    match row.get::<_, Option<i64>>(0)? {
        None => Ok(None),
        Some(_) => revision_at(row, 0).map(Some),
    }
}

/// `path` with `suffix` appended to its file name (`state.db` → `state.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` if missing and makes it 0600, so that the database (and
/// the WAL and shared-memory files SQLite creates with the database file's
/// mode) is readable by its owner only (SPEC §12): every object, Secrets
/// included, is in it.
fn private_file(path: &Path) -> std::io::Result<()> {
    let file = OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(path)?;
    // The mode of open() applies to a new file only; an older database
    // made with the umask's mode is tightened here.
    file.set_permissions(Permissions::from_mode(0o600))
}

/// Takes the exclusive lock that makes this process the database's only
/// writer: two writers would hand out the same revisions. The kernel drops
/// the lock when the process dies, so a crash never leaves it behind.
///
/// The database's directory is made private (0700) here, before any of
/// its files exist.
pub fn lock(path: &Path) -> Result<File, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(|err| {
            StoreError::Database(format!("creating the directory {} for the store: {err}", parent.display()))
        })?;
    }
    let lock_path = with_suffix(path, ".lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|err| StoreError::Database(format!("opening the lock file {}: {err}", lock_path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Database(format!(
            "{} is in use by another process (it holds {}); stop that process first",
            path.display(),
            lock_path.display()
        ))),
        Err(TryLockError::Error(err)) => Err(StoreError::Database(format!("locking {}: {err}", lock_path.display()))),
    }
}

/// Opens the database at `path` for writing, creating it.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let shown = path.display();
    for file in [path.to_owned(), with_suffix(path, "-wal"), with_suffix(path, "-shm")] {
        // The WAL and shared-memory files exist only after an unclean stop.
        if file == path || file.exists() {
            private_file(&file).map_err(|err| {
                StoreError::Database(format!("making {} readable by its owner only: {err}", file.display()))
            })?;
        }
    }
    let conn = Connection::open(path).map_err(db_error(format!("opening {shown}")))?;
    // WAL lets the log be appended with one fsync per transaction;
    // synchronous=FULL makes that fsync happen before COMMIT returns, which
    // is what "acknowledged only when durable" needs.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(db_error(format!("switching {shown} to WAL mode")))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!(
            "{shown} cannot use WAL mode (got {mode}); is it on a filesystem without shared memory support?"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")
        .map_err(db_error(format!("configuring {shown}")))?;
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(db_error(format!("reading {shown}")))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Database(format!(
            "{shown} has schema version {version}, newer than this rdd understands ({SCHEMA_VERSION}); use a newer rdd"
        )));
    }
    conn.execute_batch(&format!("BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"))
        .map_err(db_error(format!("creating the schema in {shown}")))?;
    Ok(conn)
}

/// What `open` finds in the database.
pub struct Loaded {
    pub objects: BTreeMap<String, Arc<StoredObject>>,
    pub revision: u64,
    /// Every event after this revision is in `events`.
    pub floor: u64,
    pub events: Vec<WatchEvent>,
}

/// Reads the current state (each key's latest row, unless it is a
/// tombstone) and rebuilds up to `window` most recent events.
pub fn load(conn: &mut Connection, path: &Path, window: usize) -> Result<Loaded, StoreError> {
    let context = || format!("loading the current state from {}", path.display());
    let tx = conn.transaction().map_err(db_error(context()))?;
    let last_row: Option<u64> =
        tx.query_row("SELECT MAX(revision) FROM log", [], optional_revision).map_err(db_error(context()))?;
    let remembered: Option<u64> = tx
        .query_row("SELECT value FROM meta WHERE name = 'revision'", [], optional_revision)
        .optional()
        .map_err(db_error(context()))?
        .flatten();
    let revision = last_row.unwrap_or(0).max(remembered.unwrap_or(0));

    let mut objects = BTreeMap::new();
    {
        let mut statement = tx
            .prepare(
                "SELECT l.revision, l.key, l.value FROM log l
                 JOIN (SELECT key, MAX(revision) AS latest FROM log GROUP BY key) m ON l.revision = m.latest
                 WHERE l.deleted = 0",
            )
            .map_err(db_error(context()))?;
        let rows = statement
            .query_map([], |row| Ok((revision_at(row, 0)?, row.get::<_, String>(1)?, row.get::<_, Vec<u8>>(2)?)))
            .map_err(db_error(context()))?;
        for row in rows {
            let (rev, key, value) = row.map_err(db_error(context()))?;
            objects.insert(key.clone(), Arc::new(from_bytes(key, rev, value)));
        }
    }
    let (floor, events) = load_window(&tx, revision, window).map_err(db_error(context()))?;
    tx.commit().map_err(db_error(context()))?;
    Ok(Loaded { objects, revision, floor, events })
}

struct LogRow {
    revision: u64,
    key: String,
    value: Vec<u8>,
    deleted: bool,
    prev_revision: u64,
}

/// Rebuilds the newest events, stopping at the first revision whose row (or
/// whose predecessor's row) compaction already removed, so the window is
/// always complete from its floor to `revision`.
fn load_window(tx: &Transaction, revision: u64, window: usize) -> rusqlite::Result<(u64, Vec<WatchEvent>)> {
    let oldest_wanted = revision.saturating_sub(window as u64);
    let mut statement = tx.prepare(
        "SELECT revision, key, value, deleted, prev_revision FROM log WHERE revision > ?1 ORDER BY revision DESC",
    )?;
    let mut rows = Vec::new();
    let mut expected = revision;
    let mut query = statement.query([sql(oldest_wanted)?])?;
    while let Some(row) = query.next()? {
        let row = LogRow {
            revision: revision_at(row, 0)?,
            key: row.get(1)?,
            value: row.get(2)?,
            deleted: row.get::<_, i64>(3)? != 0,
            prev_revision: revision_at(row, 4)?,
        };
        if row.revision != expected {
            break;
        }
        expected -= 1;
        rows.push(row);
    }
    drop(query);
    rows.reverse();

    let mut floor = expected;
    let mut events: Vec<WatchEvent> = Vec::with_capacity(rows.len());
    let mut by_revision: HashMap<u64, Arc<StoredObject>> = HashMap::new();
    let mut previous_row = tx.prepare("SELECT key, value FROM log WHERE revision = ?1")?;
    for row in rows {
        let previous = match row.prev_revision {
            0 => None,
            p => match by_revision.get(&p) {
                Some(found) => Some(found.clone()),
                None => {
                    let found = previous_row
                        .query_row([sql(p)?], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))
                        .optional()?;
                    match found {
                        Some((key, value)) => Some(Arc::new(from_bytes(key, p, value))),
                        None => {
                            // The previous version is compacted away, so this
                            // event cannot be told apart from a creation:
                            // start the window after it.
                            events.clear();
                            floor = row.revision;
                            continue;
                        }
                    }
                }
            },
        };
        let object = Arc::new(from_bytes(row.key, row.revision, row.value));
        let kind = match (row.deleted, &previous) {
            (true, _) => EventKind::Deleted,
            (false, None) => EventKind::Added,
            (false, Some(_)) => EventKind::Modified,
        };
        by_revision.insert(row.revision, object.clone());
        events.push(WatchEvent { kind, revision: row.revision, object, previous });
    }
    Ok((floor, events))
}

/// One row to append.
pub struct NewRow<'a> {
    pub revision: u64,
    pub key: &'a str,
    pub value: &'a [u8],
    pub deleted: bool,
    pub prev_revision: u64,
}

pub fn append(tx: &Transaction, row: &NewRow) -> rusqlite::Result<()> {
    let mut statement = tx
        .prepare_cached("INSERT INTO log (revision, key, value, deleted, prev_revision) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    statement.execute(params![
        sql(row.revision)?,
        row.key,
        row.value,
        i64::from(row.deleted),
        sql(row.prev_revision)?
    ])?;
    Ok(())
}

/// Deletes history at or below `cutoff` except each key's latest row, then
/// tombstones at or below it, and remembers `revision` so it survives the
/// removal of the newest rows. Returns how many rows were deleted.
pub fn compact(conn: &mut Connection, cutoff: u64, revision: u64) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    // Superseded rows first: removing them never changes any key's latest row.
    let superseded = tx.execute(
        "DELETE FROM log WHERE revision <= ?1
           AND revision < (SELECT MAX(l.revision) FROM log l WHERE l.key = log.key)",
        [sql(cutoff)?],
    )?;
    // A tombstone may go only once no older row of its key is left, or that
    // row would become the key's latest and bring the key back.
    let tombstones = tx.execute(
        "DELETE FROM log WHERE revision <= ?1 AND deleted = 1
           AND NOT EXISTS (SELECT 1 FROM log l WHERE l.key = log.key AND l.revision < log.revision)",
        [sql(cutoff)?],
    )?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('revision', ?1)
         ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
        [sql(revision)?],
    )?;
    tx.commit()?;
    Ok(superseded + tombstones)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(conn: &mut Connection, revision: u64, key: &str, deleted: bool, prev: u64) {
        let tx = conn.transaction().unwrap();
        let value = format!(r#"{{"metadata":{{"name":"{key}","resourceVersion":"{revision}"}}}}"#);
        append(&tx, &NewRow { revision, key, value: value.as_bytes(), deleted, prev_revision: prev }).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn database_files_and_their_directory_are_private() {
        use std::os::unix::fs::MetadataExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db/state.db");
        // A directory and database left by an older rdd with the umask's modes.
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::set_permissions(path.parent().unwrap(), Permissions::from_mode(0o755)).unwrap();
        std::fs::write(&path, b"").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        let _lock = lock(&path).unwrap();
        let mut conn = open(&path).unwrap();
        put(&mut conn, 1, "/a", false, 0);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        for name in ["state.db", "state.db-wal", "state.db-shm", "state.db.lock"] {
            assert_eq!(mode(&path.with_file_name(name)), 0o600, "{name}");
        }
    }

    #[test]
    fn load_derives_state_and_window_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/db.sqlite");
        let _lock = lock(&path).unwrap();
        assert!(lock(&path).unwrap_err().to_string().contains("in use by another process"));
        let mut conn = open(&path).unwrap();
        put(&mut conn, 1, "/a", false, 0);
        put(&mut conn, 2, "/b", false, 0);
        put(&mut conn, 3, "/a", false, 1);
        put(&mut conn, 4, "/b", true, 2);
        let loaded = load(&mut conn, &path, 100).unwrap();
        assert_eq!(loaded.revision, 4);
        assert_eq!(loaded.objects.keys().collect::<Vec<_>>(), ["/a"]);
        assert_eq!(loaded.objects["/a"].revision, 3);
        assert_eq!(loaded.floor, 0);
        let kinds: Vec<_> = loaded.events.iter().map(|e| (e.revision, e.kind)).collect();
        assert_eq!(
            kinds,
            [(1, EventKind::Added), (2, EventKind::Added), (3, EventKind::Modified), (4, EventKind::Deleted)]
        );
        assert_eq!(loaded.events[3].previous.as_ref().unwrap().revision, 2);

        let short = load(&mut conn, &path, 2).unwrap();
        assert_eq!((short.floor, short.events.len()), (2, 2));
    }

    #[test]
    fn compaction_keeps_latest_rows_and_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut conn = open(&path).unwrap();
        put(&mut conn, 1, "/a", false, 0);
        put(&mut conn, 2, "/a", false, 1);
        put(&mut conn, 3, "/b", false, 0);
        put(&mut conn, 4, "/b", true, 3);
        put(&mut conn, 5, "/a", false, 2);
        put(&mut conn, 6, "/c", false, 0);
        put(&mut conn, 7, "/c", true, 6);
        // Rows 1, 2 (superseded), 3 and 4 (a deleted key) and 6, 7 go.
        assert_eq!(compact(&mut conn, 7, 7).unwrap(), 6);
        let loaded = load(&mut conn, &path, 100).unwrap();
        assert_eq!(loaded.revision, 7, "the revision survives the removal of its row");
        assert_eq!(loaded.objects.keys().collect::<Vec<_>>(), ["/a"]);
        assert_eq!(loaded.objects["/a"].revision, 5);
        // Row 5's predecessor is gone and 6, 7 are missing: nothing to replay.
        assert_eq!((loaded.floor, loaded.events.len()), (7, 0));
    }

    #[test]
    fn window_starts_after_an_event_whose_predecessor_was_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut conn = open(&path).unwrap();
        put(&mut conn, 1, "/a", false, 0);
        put(&mut conn, 2, "/a", false, 1);
        put(&mut conn, 3, "/b", false, 0);
        assert_eq!(compact(&mut conn, 1, 3).unwrap(), 1);
        let loaded = load(&mut conn, &path, 100).unwrap();
        assert_eq!(loaded.floor, 2);
        assert_eq!(loaded.events.iter().map(|e| e.revision).collect::<Vec<_>>(), [3]);
    }
}
