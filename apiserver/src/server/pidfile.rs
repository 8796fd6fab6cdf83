//! The pid file of a running `rdd svc serve`: one process per instance.
//!
//! The file holds the pid and is kept under an exclusive `flock` for the
//! life of the process. A pid file nobody holds a lock on is stale (the
//! process died without cleaning up, e.g. `kill -9`): the kernel drops the
//! lock with the process, so liveness never depends on a recycled pid.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why the pid file could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    #[error("another rdd service is already running for this instance (pid {pid}, pid file {path})", pid = pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string()), path = path.display())]
    AlreadyRunning { pid: Option<u32>, path: PathBuf },
    #[error("cannot use the pid file {path}: {source}; check that its directory is writable", path = path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// The held pid file; dropping it removes the file and releases the lock.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    // Held for its lock; closing it releases the lock.
    _file: File,
}

impl PidFile {
    /// Creates (or takes over a stale) pid file at `path` holding this
    /// process's pid. Fails when another live process holds it.
    pub fn acquire(path: &Path) -> Result<PidFile, PidFileError> {
        let io_err = |source| PidFileError::Io { path: path.to_owned(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err)?;
        }
        // A racing owner may unlink the file between our open and our lock:
        // then the lock is on a dead inode, so open again. Two rounds are
        // enough unless owners come and go in a tight loop.
        for _ in 0..5 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .open(path)
                .map_err(io_err)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(PidFileError::AlreadyRunning { pid: read_pid(&mut file), path: path.to_owned() });
                }
                Err(TryLockError::Error(source)) => return Err(io_err(source)),
            }
            let held = file.metadata().map_err(io_err)?;
            match std::fs::metadata(path) {
                Ok(current) if current.ino() == held.ino() && current.dev() == held.dev() => {}
                Ok(_) => continue,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(io_err(err)),
            }
            file.set_len(0).map_err(io_err)?;
            file.write_all(format!("{}\n", std::process::id()).as_bytes()).map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
            return Ok(PidFile { path: path.to_owned(), _file: file });
        }
        Err(io_err(io::Error::other("the pid file kept being replaced by another process")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the file now, for an exit that skips destructors.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Unlink before the lock goes away with the file handle, so a new
        // owner never sees its fresh file removed by us.
        self.remove();
    }
}

/// The state a pid file describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PidState {
    /// No pid file, or a stale one.
    NotRunning,
    /// A live process holds the pid file; `None` while it is still writing it.
    Running(Option<u32>),
}

/// Reads the state of the pid file at `path` without disturbing its owner.
pub fn probe(path: &Path) -> io::Result<PidState> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(PidState::NotRunning),
        Err(err) => return Err(err),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(PidState::NotRunning),
        Err(TryLockError::WouldBlock) => Ok(PidState::Running(read_pid(&mut file))),
        Err(TryLockError::Error(err)) => Err(err),
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acquire_probe_and_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/rdd.pid");
        assert_eq!(probe(&path).unwrap(), PidState::NotRunning);
        let held = PidFile::acquire(&path).unwrap();
        assert_eq!(probe(&path).unwrap(), PidState::Running(Some(std::process::id())));
        // flock locks belong to the open file description, so a second
        // acquire in the same process conflicts like another process would.
        match PidFile::acquire(&path) {
            Err(PidFileError::AlreadyRunning { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected AlreadyRunning, got {other:?}"),
        }
        drop(held);
        assert!(!path.exists());
        assert_eq!(probe(&path).unwrap(), PidState::NotRunning);
    }

    #[test]
    fn a_stale_pid_file_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rdd.pid");
        std::fs::write(&path, "999999\n").unwrap();
        assert_eq!(probe(&path).unwrap(), PidState::NotRunning);
        let _held = PidFile::acquire(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{}\n", std::process::id()));
    }
}
