//! A progress line on standard error: redrawn in place on a terminal, a line per step otherwise.

use std::io::{IsTerminal, Write};

pub(crate) struct Progress {
    terminal: bool,
    quiet: bool,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            quiet,
        }
    }

    /// Reports `done` of `total` in `step`; on a terminal the line is redrawn.
    pub(crate) fn update(&self, step: &str, done: usize, total: usize) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{step}: {done}/{total}");
            let _ = err.flush();
        } else if done == total {
            let _ = writeln!(err, "{step}: {done}/{total}");
        }
    }

    /// Ends the progress display.
    pub(crate) fn finish(&self) {
        if self.terminal && !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}
