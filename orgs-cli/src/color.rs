//! When to colour: `--color auto|always|never`, `NO_COLOR`, and whether each stream is a terminal.

use std::ffi::OsString;
use std::io::IsTerminal;

use clap::ValueEnum;

/// The `--color` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour a stream only when it is a terminal and NO_COLOR is unset or empty.
    #[default]
    Auto,
    /// Colour even into a file or a pipe, NO_COLOR or not.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal, with NO_COLOR set (or not).
    pub(crate) fn colors(self, terminal: bool, no_color: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        }
    }

    /// The `--color` given in `args` (a program name first), read before clap parses them so
    /// that clap's own help and errors follow it too. Anything unreadable counts as `auto`;
    /// clap reports it.
    pub(crate) fn from_args(args: &[OsString]) -> ColorChoice {
        let mut choice = ColorChoice::Auto;
        let mut args = args.iter().skip(1).map(|arg| arg.to_str().unwrap_or(""));
        while let Some(arg) = args.next() {
            let value = match arg {
                "--" => break,
                "--color" => args.next().unwrap_or(""),
                _ => match arg.strip_prefix("--color=") {
                    Some(value) => value,
                    None => continue,
                },
            };
            choice = ColorChoice::from_str(value, true).unwrap_or_default();
        }
        choice
    }

    /// The same choice for clap, whose `auto` also looks at the terminal and NO_COLOR.
    pub(crate) fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorChoice::Auto => clap::ColorChoice::Auto,
            ColorChoice::Always => clap::ColorChoice::Always,
            ColorChoice::Never => clap::ColorChoice::Never,
        }
    }
}

/// Whether to colour standard output (tables) and standard error (messages, logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Colors {
    pub(crate) stdout: bool,
    pub(crate) stderr: bool,
}

impl Colors {
    /// Decides for this process's streams and environment.
    pub(crate) fn new(choice: ColorChoice) -> Colors {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Colors {
            stdout: choice.colors(std::io::stdout().is_terminal(), no_color),
            stderr: choice.colors(std::io::stderr().is_terminal(), no_color),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::ColorChoice::{self, *};

    fn args(list: &[&str]) -> Vec<OsString> {
        std::iter::once("orgs")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn auto_colours_a_terminal_unless_no_color() {
        assert!(Auto.colors(true, false));
        assert!(!Auto.colors(true, true));
        assert!(!Auto.colors(false, false));
        assert!(Always.colors(false, true));
        assert!(!Never.colors(true, false));
    }

    #[test]
    fn the_choice_is_read_in_either_spelling_and_the_last_wins() {
        assert_eq!(ColorChoice::from_args(&args(&["cache", "keys"])), Auto);
        assert_eq!(
            ColorChoice::from_args(&args(&["--color", "never", "cache"])),
            Never
        );
        assert_eq!(
            ColorChoice::from_args(&args(&["cache", "--color=always", "--color=NEVER"])),
            Never
        );
        assert_eq!(ColorChoice::from_args(&args(&["--color=purple"])), Auto);
        assert_eq!(
            ColorChoice::from_args(&args(&["search", "--", "--color=always"])),
            Auto
        );
    }
}
