//! How the read verbs (`describe`, `wait`, `get --watch`) hand text to
//! the terminal: stdout written as it is produced (a closed pipe ends the
//! verb quietly, as kubectl's does), query values percent-encoded, and
//! several errors reported the way kubectl's aggregate errors are.

use std::io::Write;

use super::client::CtlError;

/// Whether stdout still takes output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Ok,
    /// The reader went away (EPIPE): stop producing output.
    Closed,
}

/// Writes `text` to stdout and flushes it.
pub fn write_stdout(text: &str) -> Result<Written, CtlError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(Written::Ok),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(Written::Closed),
        Err(err) => Err(CtlError::message(format!("writing to stdout: {err}"))),
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// kubectl's report of errors collected along the way: one error as it is
/// (`error: ...`, exit code kept); several one per line, plain messages
/// without their `error: ` prefix, and exit 1.
pub fn report(mut errors: Vec<CtlError>) -> Result<(), CtlError> {
    if errors.len() <= 1 {
        return errors.pop().map_or(Ok(()), Err);
    }
    eprintln!("{}", aggregate_text(&errors));
    Err(already_reported(crate::ExitStatus::Failure))
}

/// The lines kubectl prints for several errors.
pub fn aggregate_text(errors: &[CtlError]) -> String {
    let lines: Vec<&str> = errors.iter().map(|e| e.text.strip_prefix("error: ").unwrap_or(&e.text)).collect();
    lines.join("\n")
}

/// An error whose text is already on stderr: rdd only exits with `status`.
pub fn already_reported(status: crate::ExitStatus) -> CtlError {
    CtlError { text: String::new(), status }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_errors_lose_their_prefix() {
        let errors = vec![
            CtlError::message("timed out waiting for the condition on containers/a"),
            CtlError { text: "Error from server (NotFound): x".into(), status: crate::ExitStatus::Failure },
        ];
        assert_eq!(
            aggregate_text(&errors),
            "timed out waiting for the condition on containers/a\nError from server (NotFound): x"
        );
        assert_eq!(report(errors).unwrap_err().text, "");
        assert_eq!(report(vec![CtlError::message("one")]).unwrap_err().text, "error: one");
        assert!(report(Vec::new()).is_ok());
        assert_eq!(encode("a=b,c d"), "a%3Db%2Cc%20d");
    }
}
