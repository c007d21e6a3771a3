//! What a command prints: on standard output a table (or text) for people, or JSON with
//! `--json`; on standard error notes and the error. Nothing here panics on a closed stream: a
//! closed standard output is returned as a [`StdoutError`], which ends the command quietly.

use std::fmt;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::Failure;

/// Standard output could not be written (closed by `head` or a pager, a full disk...).
#[derive(Debug)]
pub(crate) struct StdoutError(pub(crate) io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write to standard output: {}", self.0)
    }
}

impl std::error::Error for StdoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Where a command's data goes, and in which form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    json: bool,
    color: bool,
}

impl Output {
    /// JSON when `json`, else text for people, styled when `color`.
    pub(crate) fn new(json: bool, color: bool) -> Output {
        Output { json, color }
    }

    /// Whether `--json` was given.
    pub(crate) fn json(&self) -> bool {
        self.json
    }

    /// Prints `data` as JSON with `--json`, else the text `human` renders (given whether to
    /// colour it).
    pub(crate) fn print(
        &self,
        data: &impl Serialize,
        human: impl FnOnce(bool) -> String,
    ) -> Result<(), Failure> {
        let mut text = if self.json {
            serde_json::to_string_pretty(data)?
        } else {
            human(self.color)
        };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        write_stdout(&text)
    }
}

/// Writes `text` to standard output and flushes it.
fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| StdoutError(error).into())
}

/// A line for people on standard error. Never fails: were standard error closed, there would
/// be nowhere to say so.
pub(crate) fn note(text: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Reports `error` on standard error as `orgs: <message>`, the prefix in red when `color`.
pub(crate) fn report(error: &Failure, color: bool) {
    let style = if color {
        Style::new().bold().fg_color(Some(AnsiColor::Red.into()))
    } else {
        Style::new()
    };
    note(format_args!("{style}orgs:{style:#} {error}"));
}

/// Ends the process quietly (status 0) when `println!` panics on a closed standard output,
/// as it does where a command prints with it (`demo`): a reader that stopped early is no
/// failure. Every other panic goes to the default hook.
pub(crate) fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
