//! The exit codes of SPEC §2 and the error type every command returns.
//! Mapping a failure to its code happens once, where the error is made,
//! so that every command agrees on what 3, 4 and 5 mean.

use std::fmt;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success, including no-ops such as "already stopped".
    Success,
    /// 1: any other error.
    Failure,
    /// 2: the command line was wrong.
    Usage,
    /// 3: the API server rejected the request (400, 403, 422).
    Rejected,
    /// 4: a deadline expired, whatever layer noticed it.
    DeadlineExceeded,
    /// 5: the desired state failed: a `...Failed` reason was reported.
    DesiredStateFailed,
    /// 130: the user pressed Ctrl-C.
    Interrupted,
    /// The exit code of a program rdd ran for the user (`rdd run`), or the
    /// shell's 126/127 when it could not be run.
    Program(u8),
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Rejected => 3,
            ExitStatus::DeadlineExceeded => 4,
            ExitStatus::DesiredStateFailed => 5,
            ExitStatus::Interrupted => 130,
            ExitStatus::Program(code) => code,
        }
    }
}

/// A command failed; `message` says what failed, on what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CommandError {
    pub status: ExitStatus,
    pub message: String,
    /// The message is the whole stderr text already (kubectl's own wording
    /// from `rdd ctl`), printed without rdd's `error:` prefix; an empty one
    /// means it was printed already.
    pub verbatim: bool,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl CommandError {
    pub fn new(status: ExitStatus, message: impl Into<String>) -> Self {
        CommandError { status, message: message.into(), verbatim: false }
    }

    /// An error whose `message` is printed exactly as it is (see `verbatim`).
    pub fn verbatim(status: ExitStatus, message: impl Into<String>) -> Self {
        CommandError { status, message: message.into(), verbatim: true }
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ExitStatus::Failure, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitStatus::Usage, message)
    }

    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(ExitStatus::Rejected, message)
    }

    pub fn deadline_exceeded(message: impl Into<String>) -> Self {
        Self::new(ExitStatus::DeadlineExceeded, message)
    }

    pub fn desired_state_failed(message: impl Into<String>) -> Self {
        Self::new(ExitStatus::DesiredStateFailed, message)
    }

    /// Ctrl-C during a wait: never reported as a timeout (seed r2).
    pub fn interrupted() -> Self {
        Self::new(ExitStatus::Interrupted, "wait cancelled")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_spec_table() {
        let table = [
            (ExitStatus::Success, 0),
            (ExitStatus::Failure, 1),
            (ExitStatus::Usage, 2),
            (ExitStatus::Rejected, 3),
            (ExitStatus::DeadlineExceeded, 4),
            (ExitStatus::DesiredStateFailed, 5),
            (ExitStatus::Interrupted, 130),
        ];
        for (status, code) in table {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }

    #[test]
    fn interrupted_says_cancelled_not_timed_out() {
        let err = CommandError::interrupted();
        assert_eq!(err.status.code(), 130);
        assert_eq!(err.to_string(), "wait cancelled");
    }
}
