//! The exit statuses `orgs --help` documents, each from a run of the binary: 0 success, 1 any
//! other failure, 2 usage, 3 not found, 4 API error, 5 cache error.

use crate::support::{Api, Env, closed_port, exits, fresh_redis, orgs, stdout};

const MISSING: &str = "00000000-0000-4000-8000-000000000000";

#[test]
fn status_0_on_success() {
    stdout(&orgs(&["--help"], &[]));
    let server = fresh_redis();
    stdout(&Env::new().redis(&server).run(&["cache", "keys"]));
}

#[test]
fn status_1_for_other_failures() {
    // The port is taken: `serve` cannot listen.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let stderr = exits(
        &orgs(
            &["serve", "--listen", &address, "--admin-secret", "secret"],
            &[],
        ),
        1,
    );
    assert!(stderr.starts_with("orgs: "), "{stderr}");
}

#[test]
fn status_2_for_usage() {
    for args in [
        &["organisations", "get", "not-a-uuid"][..],
        &["nonsense"],
        &["cache", "keys", "--limit", "0"],
        &["--color", "purple", "cache", "keys"],
    ] {
        exits(&orgs(args, &[]), 2);
    }
    let server = fresh_redis();
    crate::support::store(&server, "organisations", Some(60));
    let stderr = exits(
        &Env::new()
            .redis(&server)
            .run(&["cache", "delete-pattern", "org*"]),
        2,
    );
    assert!(stderr.contains("--yes"), "{stderr}");
}

#[test]
fn status_3_for_not_found() {
    let api = Api::start();
    let env = Env::new().api(&api);
    let stderr = exits(&env.run(&["organisations", "get", MISSING]), 3);
    assert!(stderr.contains("404"), "{stderr}");
    exits(&env.run(&["organisations", "name", MISSING]), 3);
    exits(&env.run(&["organisations", "services", MISSING]), 3);
    let stderr = exits(
        &env.run(&["organisations", "by-domain", "nowhere.example"]),
        3,
    );
    assert!(
        stderr.contains("no organisation has the domain nowhere.example"),
        "{stderr}"
    );
}

#[test]
fn status_4_for_api_errors() {
    let api = Api::start();
    let env = Env::new().api(&api);
    let name = api.stub().seed().examples.organisation_name.clone();
    // The API refuses: a duplicate name (400).
    let stderr = exits(
        &env.run(&[
            "organisations",
            "create",
            "--name",
            &name,
            "--type",
            "central",
            "--crown",
            "true",
        ]),
        4,
    );
    assert!(stderr.contains("400"), "{stderr}");
    // The API refuses the token (wrong secret).
    let wrong = Env::new()
        .set("API_HOST_NAME", api.url())
        .set("ADMIN_CLIENT_SECRET", "not-the-secret");
    exits(&wrong.run(&["organisations", "list"]), 4);
    // No answer.
    let nowhere = Env::new()
        .set(
            "API_HOST_NAME",
            format!("http://127.0.0.1:{}", closed_port()),
        )
        .set("ADMIN_CLIENT_SECRET", "secret");
    let stderr = exits(&nowhere.run(&["organisations", "list"]), 4);
    assert!(stderr.contains("no response"), "{stderr}");
    // Not configured.
    let stderr = exits(&orgs(&["organisations", "list"], &[]), 4);
    assert!(stderr.contains("API_HOST_NAME"), "{stderr}");
}

#[test]
fn status_5_for_cache_errors() {
    // Nothing configured (see `cache::no_cache_configured_is_an_error_for_every_cache_command`).
    exits(&orgs(&["cache", "stats"], &[]), 5);
    // Redis unreachable.
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let stderr = exits(&orgs(&["cache", "keys"], &[("REDIS_URL", &url)]), 5);
    assert!(stderr.contains("connection refused"), "{stderr}");
    // An invalid cache setting is the cache's error for `organisations` commands too.
    let api = Api::start();
    let stderr = exits(
        &Env::new()
            .api(&api)
            .set("REDIS_URL", url)
            .set("CACHE_TIMEOUT", "100y")
            .run(&["organisations", "list"]),
        5,
    );
    assert!(stderr.contains("CACHE_TIMEOUT"), "{stderr}");
    // ...while a Redis that is down only slows reads: the cache fails open.
    let down = format!("redis://127.0.0.1:{}", closed_port());
    stdout(
        &Env::new()
            .api(&api)
            .set("REDIS_URL", &down)
            .run(&["organisations", "list"]),
    );
    // A write is refused: its keys cannot be cleared first, so it is not sent.
    let stderr = exits(
        &Env::new().api(&api).set("REDIS_URL", down).run(&[
            "organisations",
            "create",
            "--name",
            "Ministry of Outages",
            "--type",
            "central",
            "--crown",
            "true",
        ]),
        5,
    );
    assert!(stderr.contains("not sent"), "{stderr}");
}
