//! Colour only on a terminal: `--color auto|always|never`, NO_COLOR honoured, logs included.
//! A terminal is a real pseudo-terminal, made by `script` (util-linux).

use std::process::Output;

use crate::support::{Api, Env, closed_port, exits, isolated, orgs};

const ESCAPE: &str = "\x1b[";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `orgs` with `args` and `env` on a pseudo-terminal (standard output and error both);
/// returns what the terminal showed.
fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> Output {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_orgs"))
        .chain(args.iter().copied())
        .map(|arg| format!("'{arg}'"))
        .collect();
    isolated("script")
        .args([
            "--quiet",
            "--return",
            "--command",
            &quoted.join(" "),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .envs(env.iter().copied())
        .output()
        .expect("script (util-linux) runs")
}

#[test]
fn no_colour_into_pipes_unless_always() {
    // A warning is logged (no REDIS_URL), then the API does not answer: an error.
    let nowhere = format!("http://127.0.0.1:{}", closed_port());
    let env = [
        ("API_HOST_NAME", nowhere.as_str()),
        ("ADMIN_CLIENT_SECRET", "secret"),
    ];
    let piped = orgs(&["organisations", "list"], &env);
    let stderr = exits(&piped, 4);
    assert!(stderr.contains("REDIS_URL is not set"), "{stderr}");
    assert!(!stderr.contains(ESCAPE), "{stderr:?}");

    let always = orgs(&["--color", "always", "organisations", "list"], &env);
    let stderr = exits(&always, 4);
    assert!(stderr.contains("REDIS_URL is not set"), "{stderr}");
    // The log line and the error's prefix, both coloured.
    let log = stderr
        .lines()
        .find(|line| line.contains("REDIS_URL"))
        .unwrap();
    assert!(log.contains(ESCAPE), "{stderr:?}");
    let error = stderr.lines().last().unwrap();
    assert!(
        error.starts_with(ESCAPE) && error.contains("orgs:"),
        "{stderr:?}"
    );

    // --color always beats NO_COLOR, as no-color.org allows a flag to.
    let mut forced = env.to_vec();
    forced.push(("NO_COLOR", "1"));
    let forced = orgs(&["organisations", "list", "--color=always"], &forced);
    assert!(text(&forced.stderr).contains(ESCAPE));
}

#[test]
fn tables_are_styled_only_when_colour_is_on() {
    let api = Api::start();
    let env = Env::new().api(&api);
    let plain = env.run(&["organisations", "domains"]);
    assert!(text(&plain.stdout).starts_with("DOMAIN\n"));
    let styled = env.run(&["organisations", "domains", "--color", "always"]);
    assert!(text(&styled.stdout).starts_with("\x1b[1mDOMAIN\x1b[0m\n"));
    // JSON is never styled.
    let json = env.run(&["organisations", "domains", "--json", "--color", "always"]);
    assert!(!text(&json.stdout).contains(ESCAPE));
}

#[test]
fn a_terminal_gets_colour_unless_no_color_or_never() {
    let shown = on_a_terminal(&["cache", "keys"], &[]);
    assert_eq!(shown.status.code(), Some(5));
    let screen = text(&shown.stdout);
    assert!(screen.contains("no cache configured"), "{screen:?}");
    assert!(screen.contains(ESCAPE), "{screen:?}");

    for (args, env) in [
        (&["cache", "keys"][..], &[("NO_COLOR", "1")][..]),
        (&["--color", "never", "cache", "keys"], &[]),
    ] {
        let shown = on_a_terminal(args, env);
        assert_eq!(shown.status.code(), Some(5));
        let screen = text(&shown.stdout);
        assert!(screen.contains("no cache configured"), "{screen:?}");
        assert!(!screen.contains(ESCAPE), "{args:?} {env:?}: {screen:?}");
    }
    // An empty NO_COLOR does not count.
    let shown = on_a_terminal(&["cache", "keys"], &[("NO_COLOR", "")]);
    assert!(text(&shown.stdout).contains(ESCAPE));
}

#[test]
fn clap_s_own_help_follows_the_choice() {
    let always = orgs(&["--color", "always", "--help"], &[]);
    assert!(text(&always.stdout).contains(ESCAPE));
    let never = on_a_terminal(&["--help", "--color=never"], &[]);
    assert!(!text(&never.stdout).contains(ESCAPE));
    let auto = on_a_terminal(&["--help"], &[]);
    assert!(text(&auto.stdout).contains(ESCAPE));
    let no_color = on_a_terminal(&["--help"], &[("NO_COLOR", "1")]);
    assert!(!text(&no_color.stdout).contains(ESCAPE));
}
