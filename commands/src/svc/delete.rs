//! `rdd svc delete`: stops the service, then removes every file of the
//! instance: `dir` (database, certificates, kubeconfig, engine data),
//! `short_dir` (sockets) and the service logs.
//!
//! `log_dir` is removed whole only when it is the instance's own default
//! directory; a directory given through `RDD_LOG_DIR` may be shared or
//! hold other files, so only rdd's log files leave it (and it goes only
//! when that leaves it empty).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rdd_api::instance::Paths;

use super::logs::{KEPT_GENERATIONS, stderr_log, stdout_log};
use super::service::{Service, StopOutcome};
use crate::CommandError;

/// What `delete` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    pub stopped: Option<StopOutcome>,
    /// Files and directories removed, in order.
    pub removed: Vec<PathBuf>,
}

/// Stops the service (waiting at most `timeout`) and removes the files.
pub async fn delete(service: &Service, timeout: Duration) -> Result<Deleted, CommandError> {
    let stopped = service.stop(Some(timeout)).await?;
    let paths = service.paths().clone();
    let own_log_dir = paths.log_dir.file_name().is_some_and(|name| *name == *service.instance().full_name());
    let removed = tokio::task::spawn_blocking(move || remove_files(&paths, own_log_dir))
        .await
        .map_err(|err| CommandError::failure(format!("removing the instance files failed: {err}")))??;
    Ok(Deleted { stopped: Some(stopped).filter(|s| *s != StopOutcome::AlreadyStopped), removed })
}

fn remove_files(paths: &Paths, own_log_dir: bool) -> Result<Vec<PathBuf>, CommandError> {
    let mut removed = Vec::new();
    let mut whole = vec![paths.dir.clone(), paths.short_dir.clone()];
    if own_log_dir {
        whole.push(paths.log_dir.clone());
    } else {
        let logs = [stdout_log(paths), stderr_log(paths)];
        for log in logs {
            let generations = (1..=KEPT_GENERATIONS).map(|n| PathBuf::from(format!("{}.{n}", log.display())));
            for file in std::iter::once(log.clone()).chain(generations) {
                if remove(&file, false)? {
                    removed.push(file);
                }
            }
        }
        // Gone only if nothing else lives there.
        if std::fs::remove_dir(&paths.log_dir).is_ok() {
            removed.push(paths.log_dir.clone());
        }
    }
    for dir in whole {
        if remove(&dir, true)? {
            removed.push(dir);
        }
    }
    Ok(removed)
}

/// Removes a file or a directory tree; false when there was nothing.
fn remove(path: &Path, tree: bool) -> Result<bool, CommandError> {
    let result = if tree { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
    match result {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(false),
        Err(err) => Err(CommandError::failure(format!(
            "cannot remove {}: {err}; remove it by hand or fix its permissions, then run `rdd svc delete` again",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::instance::{Environment, Instance};

    #[test]
    fn a_shared_log_dir_keeps_other_files() {
        let home = tempfile::tempdir().unwrap();
        let logs = home.path().join("shared-logs");
        let env =
            Environment { home: home.path().to_owned(), rdd_log_dir: Some(logs.clone()), ..Environment::default() };
        let paths = Paths::new(&Instance::new("t").unwrap(), &env);
        for dir in [&paths.dir, &paths.short_dir, &paths.log_dir] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(stderr_log(&paths), "x").unwrap();
        std::fs::write(format!("{}.3", stdout_log(&paths).display()), "x").unwrap();
        std::fs::write(logs.join("other.log"), "keep").unwrap();
        let removed = remove_files(&paths, false).unwrap();
        assert_eq!(removed.len(), 4, "{removed:?}");
        assert!(!paths.dir.exists() && !paths.short_dir.exists());
        assert_eq!(std::fs::read_dir(&logs).unwrap().count(), 1);
        // Nothing left to remove: not an error.
        assert_eq!(remove_files(&paths, false).unwrap(), Vec::<PathBuf>::new());
    }
}
