//! The service's log files (SPEC §3.1): `log_dir/rdd.stdout.log` and
//! `rdd.stderr.log`, rotated at every background start with five older
//! generations kept (`.1` newest … `.5` oldest), and `rdd svc logs [-f]`,
//! which prints (and follows) the diagnostics the service writes to stderr.

use std::fs::File;
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rdd_api::instance::Paths;

use crate::CommandError;

/// Older generations kept beside each log file.
pub const KEPT_GENERATIONS: usize = 5;
/// How often `logs -f` looks for new lines.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);

/// `log_dir/rdd.stdout.log`.
pub fn stdout_log(paths: &Paths) -> PathBuf {
    paths.log_dir.join("rdd.stdout.log")
}

/// `log_dir/rdd.stderr.log`, where the service's diagnostics go.
pub fn stderr_log(paths: &Paths) -> PathBuf {
    paths.log_dir.join("rdd.stderr.log")
}

fn generation(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Shifts `path` to `path.1`, `path.1` to `path.2` …, dropping the oldest.
pub fn rotate(path: &Path) -> io::Result<()> {
    let ignore_missing = |result: io::Result<()>| match result {
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
        other => other,
    };
    ignore_missing(std::fs::remove_file(generation(path, KEPT_GENERATIONS)))?;
    for n in (1..KEPT_GENERATIONS).rev() {
        ignore_missing(std::fs::rename(generation(path, n), generation(path, n + 1)))?;
    }
    ignore_missing(std::fs::rename(path, generation(path, 1)))
}

/// Rotates both logs and opens fresh ones for a new service process.
pub fn open_fresh(paths: &Paths) -> Result<(File, File), CommandError> {
    let fail = |path: &Path, err: io::Error| {
        CommandError::failure(format!(
            "cannot prepare the log file {}: {err}; check that the directory is writable",
            path.display()
        ))
    };
    std::fs::create_dir_all(&paths.log_dir).map_err(|err| fail(&paths.log_dir, err))?;
    let fresh = |path: PathBuf| {
        rotate(&path).map_err(|err| fail(&path, err))?;
        File::create(&path).map_err(|err| fail(&path, err))
    };
    Ok((fresh(stdout_log(paths))?, fresh(stderr_log(paths))?))
}

/// The last `lines` lines of a log, for error messages ("" if unreadable).
pub fn tail(path: &Path, lines: usize) -> String {
    let Ok(text) = std::fs::read_to_string(path) else { return String::new() };
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Copies `from` to stdout; `Ok(false)` when stdout was closed.
fn copy_out(from: &mut impl Read) -> io::Result<bool> {
    let mut stdout = io::stdout().lock();
    match io::copy(from, &mut stdout).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(err),
    }
}

/// `rdd svc logs [-f]`: prints the service's stderr log; with `follow`,
/// keeps printing new lines (across restarts of the service) until
/// interrupted or stdout closes.
pub fn print(paths: &Paths, follow: bool) -> Result<(), CommandError> {
    let path = stderr_log(paths);
    let fail = |err: io::Error| CommandError::failure(format!("reading the log {}: {err}", path.display()));
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::NotFound => {
            return Err(CommandError::failure(format!(
                "no service log at {}: the service has not been started in the background; run `rdd svc start`",
                path.display()
            )));
        }
        Err(err) => return Err(fail(err)),
    };
    if !copy_out(&mut file).map_err(fail)? || !follow {
        return Ok(());
    }
    loop {
        std::thread::sleep(FOLLOW_INTERVAL);
        if !copy_out(&mut file).map_err(fail)? {
            return Ok(());
        }
        // A new start rotated the log: finish the old file (done above),
        // then continue with the new one from its beginning.
        let current = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == ErrorKind::NotFound => continue,
            Err(err) => return Err(fail(err)),
        };
        let held = file.metadata().map_err(fail)?;
        if current.ino() != held.ino() || current.dev() != held.dev() {
            file = File::open(&path).map_err(fail)?;
        } else if current.len() < file.stream_position().map_err(fail)? {
            // Truncated in place: start over.
            file.seek(SeekFrom::Start(0)).map_err(fail)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_five_generations() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("rdd.stderr.log");
        for start in 0..8 {
            rotate(&log).unwrap();
            std::fs::write(&log, format!("start {start}")).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "start 7");
        for n in 1..=KEPT_GENERATIONS {
            assert_eq!(std::fs::read_to_string(generation(&log, n)).unwrap(), format!("start {}", 7 - n));
        }
        assert!(!generation(&log, KEPT_GENERATIONS + 1).exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1 + KEPT_GENERATIONS);
    }

    #[test]
    fn tail_takes_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        std::fs::write(&log, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&log, 2), "b\nc");
        assert_eq!(tail(&log, 10), "a\nb\nc");
        assert_eq!(tail(&dir.path().join("missing"), 3), "");
    }
}
