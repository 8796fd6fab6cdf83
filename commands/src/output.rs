//! Writing a command's result to stdout. A closed pipe (`rdd crds | head`)
//! is the reader's choice, not an error of ours.

use std::io::{ErrorKind, Write};

use crate::CommandError;

/// Writes `text` to stdout and flushes it; a broken pipe counts as done.
pub fn print(text: &str) -> Result<(), CommandError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CommandError::failure(format!("writing to stdout: {err}"))),
    }
}
