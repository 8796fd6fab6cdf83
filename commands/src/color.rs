//! Whether to colour output (SPEC §2): `--color always|never`, or `auto`,
//! which colours a stream only when it is a terminal and `NO_COLOR` is
//! unset or empty. Decided once at start-up, per stream.

use std::io::IsTerminal;
use std::sync::OnceLock;

use owo_colors::OwoColorize;

/// The user's `--color` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The decision for each output stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamColors {
    pub stdout: bool,
    pub stderr: bool,
}

static DECISION: OnceLock<StreamColors> = OnceLock::new();

impl StreamColors {
    /// Pure decision, so tests need no terminal.
    pub fn decide(choice: ColorChoice, no_color: bool, stdout_tty: bool, stderr_tty: bool) -> Self {
        match choice {
            ColorChoice::Always => StreamColors { stdout: true, stderr: true },
            ColorChoice::Never => StreamColors { stdout: false, stderr: false },
            ColorChoice::Auto => StreamColors { stdout: stdout_tty && !no_color, stderr: stderr_tty && !no_color },
        }
    }

    /// Decides from the process environment and remembers the result.
    pub fn init(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decision = Self::decide(choice, no_color, std::io::stdout().is_terminal(), std::io::stderr().is_terminal());
        *DECISION.get_or_init(|| decision)
    }

    /// The decision made at start-up (no colour if none was made).
    pub fn current() -> Self {
        DECISION.get().copied().unwrap_or(StreamColors { stdout: false, stderr: false })
    }
}

/// `error:` as a prefix for stderr, red when stderr is coloured.
pub fn error_prefix() -> String {
    if StreamColors::current().stderr { "error:".red().bold().to_string() } else { "error:".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_needs_a_terminal_and_no_no_color() {
        assert_eq!(
            StreamColors::decide(ColorChoice::Auto, false, true, false),
            StreamColors { stdout: true, stderr: false }
        );
        assert_eq!(
            StreamColors::decide(ColorChoice::Auto, true, true, true),
            StreamColors { stdout: false, stderr: false }
        );
    }

    #[test]
    fn always_and_never_ignore_the_environment() {
        assert_eq!(
            StreamColors::decide(ColorChoice::Always, true, false, false),
            StreamColors { stdout: true, stderr: true }
        );
        assert_eq!(
            StreamColors::decide(ColorChoice::Never, false, true, true),
            StreamColors { stdout: false, stderr: false }
        );
    }
}
