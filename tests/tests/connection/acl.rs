//! ACL users with partial permissions: a refused key does not stop the others, refusals are not
//! retried, and a user who may not run scripts still gets caching (without leases).

use std::sync::atomic::{AtomicUsize, Ordering};

use cache::{Cache, Error};
use cache_tests::RedisServer;

struct Client {
    cache: Cache,
    calls: AtomicUsize,
}

impl Client {
    #[cache::set("organisation-{id}-name", cache = self.cache)]
    async fn name(&self, id: u32) -> Result<String, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(format!("Organisation {id}"))
    }

    #[cache::delete("organisation-{id}-name", "organisations", cache = self.cache)]
    async fn rename(&self, id: u32) -> Result<(), String> {
        let _ = id;
        Ok(())
    }
}

/// A handle with room for a busy machine: these tests are about permissions, not timeouts.
fn patient(url: &str) -> Cache {
    Cache::builder()
        .redis(url)
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

/// Creates `user` with password `pass` and the ACL `rules`, through the admin connection.
fn acl_user(server: &RedisServer, user: &str, rules: &[&str]) -> String {
    let mut admin = server.connection();
    let mut command = redis::cmd("ACL");
    command
        .arg("SETUSER")
        .arg(user)
        .arg("on")
        .arg(">pass-for-tests");
    for rule in rules {
        command.arg(*rule);
    }
    let () = command.query(&mut admin).expect("ACL SETUSER");
    format!("redis://{user}:pass-for-tests@127.0.0.1:{}", server.port())
}

#[tokio::test]
async fn a_refused_key_does_not_stop_the_others_and_is_not_retried() {
    let server = RedisServer::start();
    let url = acl_user(&server, "orgs", &["~organisation-*", "~service-*", "+@all"]);
    let client = Client {
        cache: patient(&url),
        calls: AtomicUsize::new(0),
    };
    server.raw_set("organisation-1-name", "\"Old name\"");
    server.raw_set("organisations", "[]");

    client.rename(1).await.unwrap();
    assert!(
        !server.raw_exists("organisation-1-name"),
        "the permitted key is deleted although `organisations` is refused"
    );
    assert!(server.raw_exists("organisations"), "the refused key stays");
    assert_eq!(
        client.cache.pending_invalidations(),
        0,
        "a refusal is permanent: nothing is left retrying in the background"
    );
    let stats = client.cache.stats();
    assert_eq!(stats.invalidations_retried, 0, "{stats:?}");
    assert_eq!(stats.invalidations_lost, 1, "{stats:?}");

    // The explicit API says which key was refused.
    server.raw_set("organisation-2-name", "\"x\"");
    let error = client
        .cache
        .delete(["organisation-2-name", "organisations"])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Refused { .. }), "{error:?}");
    assert!(error.is_permanent());
    assert!(error.to_string().contains("`organisations`"), "{error}");
    assert!(error.to_string().contains("NOPERM"), "{error}");
    assert!(!server.raw_exists("organisation-2-name"));
}

#[tokio::test]
async fn a_user_without_scripting_still_caches_without_leases() {
    let server = RedisServer::start();
    let url = acl_user(&server, "noscripts", &["~*", "+@all", "-@scripting"]);
    let client = Client {
        cache: patient(&url),
        calls: AtomicUsize::new(0),
    };
    for _ in 0..3 {
        assert_eq!(client.name(5).await, Ok("Organisation 5".to_owned()));
    }
    assert_eq!(
        client.calls.load(Ordering::SeqCst),
        1,
        "the first call stored the value: the others were hits"
    );
    assert!(server.raw_exists("organisation-5-name"));
    client.rename(5).await.unwrap();
    assert!(!server.raw_exists("organisation-5-name"));
    let stats = client.cache.stats();
    assert_eq!(stats.hits, 2, "{stats:?}");
    // The refused script is the only error: after it, reads go without scripts.
    assert!(stats.errors <= 1, "{stats:?}");
}

/// The commands docs/DEPLOYING.md's ACL line grants: every operation works with exactly these.
const README_ACL_COMMANDS: &[&str] = &[
    "-@all",
    "+get",
    "+set",
    "+unlink",
    "+del",
    "+pttl",
    "+scan",
    "+ping",
    "+select",
    "+evalsha",
    "+eval",
    "+script|load",
];

#[tokio::test]
async fn the_documented_acl_line_is_enough() {
    let server = RedisServer::start();
    let mut rules = vec!["~organisation-*", "~organisations", "resetchannels"];
    rules.extend_from_slice(README_ACL_COMMANDS);
    let url = acl_user(&server, "cache", &rules);
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/DEPLOYING.md");
    let deploying = std::fs::read_to_string(page).expect("read docs/DEPLOYING.md");
    let documented = README_ACL_COMMANDS.join(" ");
    assert!(
        deploying.contains(&documented),
        "docs/DEPLOYING.md's ACL line lists exactly `{documented}`"
    );
    let client = Client {
        cache: patient(&format!("{url}/0")),
        calls: AtomicUsize::new(0),
    };
    client.cache.ping().await.unwrap();
    assert_eq!(client.name(1).await, Ok("Organisation 1".to_owned()));
    assert_eq!(client.name(1).await, Ok("Organisation 1".to_owned()));
    assert_eq!(client.calls.load(Ordering::SeqCst), 1);
    client.rename(1).await.unwrap();
    assert!(!server.raw_exists("organisation-1-name"));
    client.name(2).await.unwrap();
    assert!(matches!(
        client.cache.ttl("organisation-2-name").await.unwrap(),
        cache::KeyTtl::Expires(_)
    ));
    assert_eq!(
        client
            .cache
            .delete_matching("organisation-*")
            .await
            .unwrap(),
        1
    );
    let stats = client.cache.stats();
    assert_eq!(stats.errors, 0, "{stats:?}");
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
}
