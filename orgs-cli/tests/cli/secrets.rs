//! A Redis password never shows: no output of any `orgs cache` command, plain or JSON, with or
//! without logs, contains it.

use crate::support::{closed_port, orgs};

#[test]
fn no_cache_command_shows_the_redis_password() {
    let url = format!("redis://user:S3cretXYZ@127.0.0.1:{}/0", closed_port());
    let commands: [&[&str]; 8] = [
        &["cache", "ping"],
        &["cache", "stats"],
        &["cache", "keys"],
        &["cache", "keys", "org*", "--limit", "5"],
        &["cache", "delete", "organisations"],
        &["cache", "delete-pattern", "org*"],
        &["cache", "delete-pattern", "org*", "--yes"],
        &["cache", "delete-pattern", "*", "--dry-run"],
    ];
    for command in commands {
        for json in [false, true] {
            for log in [None, Some("trace")] {
                let mut args = command.to_vec();
                if json {
                    args.push("--json");
                }
                let mut env = vec![("REDIS_URL", url.as_str())];
                if let Some(filter) = log {
                    env.push(("RUST_LOG", filter));
                }
                let output = orgs(&args, &env);
                // Each fails: nothing listens there.
                assert_eq!(output.status.code(), Some(5), "{args:?}");
                let shown = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                assert!(shown.contains("refused"), "{args:?}: {shown}");
                assert!(!shown.contains("S3cretXYZ"), "{args:?} {log:?}: {shown}");
            }
        }
    }
    // Also where the command is refused before Redis is reached, and in the help.
    let refused = orgs(&["cache", "delete-pattern", "*"], &[("REDIS_URL", &url)]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&refused.stderr).contains("S3cretXYZ"));
    let help = orgs(&["cache", "--help"], &[("REDIS_URL", &url)]);
    assert!(!String::from_utf8_lossy(&help.stdout).contains("S3cretXYZ"));
}
