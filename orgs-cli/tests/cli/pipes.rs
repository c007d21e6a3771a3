//! Standard output closed under the command (`| head -1`): no panic, status 0, nothing said.

use std::io::Read;
use std::process::{Output, Stdio};

use crate::support::{Api, Env, command, fresh_redis, isolated};

/// Runs `orgs` with `args` in `env`, its standard output a pipe whose reading end is already
/// closed: every write fails with a broken pipe.
fn into_closed_pipe(env: &Env, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut command = command(args, &env.pairs());
    command.stdout(writer).stderr(Stdio::piped());
    command.output().expect("the orgs binary runs")
}

#[track_caller]
fn quietly_ok(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{what}: {stderr}");
}

#[test]
fn a_closed_standard_output_ends_each_command_quietly() {
    let api = Api::start();
    let server = fresh_redis();
    let env = Env::new().api(&api).redis(&server);
    for args in [
        &["organisations", "list"][..],
        &["organisations", "list", "--json"],
        &["organisations", "domains"],
        &["cache", "keys"],
        &["cache", "keys", "--json"],
        &["cache", "stats"],
        &["cache", "ping"],
        &["cache", "delete-pattern", "*", "--dry-run"],
        &["--help"],
        &["demo", "--requests", "1"],
        &["demo", "--requests", "1", "--json"],
    ] {
        quietly_ok(&into_closed_pipe(&env, args), &args.join(" "));
    }
    // The listing was made (and cached) all the same.
    assert_eq!(api.stub().requests_to("GET", "/organisations"), 1);
}

#[test]
fn head_takes_the_first_line() {
    let api = Api::start();
    let env = Env::new().api(&api);
    // The shell's pipe, as a user types it; `head` may exit before or after `orgs` writes.
    let script = format!(
        "'{}' organisations list | head -1; echo \"status ${{PIPESTATUS[0]}}\" >&2",
        env!("CARGO_BIN_EXE_orgs")
    );
    let mut shell = isolated("bash");
    shell
        .arg("-c")
        .arg(&script)
        .envs(env.pairs())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = shell.spawn().expect("bash runs");
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("ID "), "{out}");
    assert!(stderr.contains("status 0"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
