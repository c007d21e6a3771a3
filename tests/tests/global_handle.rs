//! The process-wide handle: attributes without `cache = ...` use what `cache::install` put in
//! place, and a second `install` is refused. The only test file that installs one (each test
//! file is its own process).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use cache::{BackendKind, Cache, Error};

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Installs the in-process handle once, before any cached call of any test in this file.
static INSTALLED: LazyLock<()> = LazyLock::new(|| {
    cache::install(
        Cache::builder()
            .in_memory()
            .key_prefix("global:")
            .build()
            .unwrap(),
    )
    .expect("the first install succeeds");
});

fn calls() -> usize {
    CALLS.load(Ordering::SeqCst)
}

#[cache::set("user-{id}", ttl = "2h")]
async fn user(id: u32) -> String {
    CALLS.fetch_add(1, Ordering::SeqCst);
    format!("user {id}")
}

#[cache::delete("user-{id}")]
#[cache::delete_by_pattern("user-{id}-*")]
async fn forget_user(id: u32) -> Result<(), String> {
    CALLS.fetch_add(1, Ordering::SeqCst);
    Err(format!("could not forget {id}"))
}

struct Profiles;

impl Profiles {
    #[cache::set("profile-{id}")]
    async fn profile(&self, id: u32) -> Result<Option<String>, String> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        Ok((id > 0).then(|| format!("profile {id}")))
    }
}

#[tokio::test]
async fn attributes_without_a_handle_use_the_installed_one() {
    LazyLock::force(&INSTALLED);
    let global = cache::global();
    assert_eq!(global.backend_kind(), BackendKind::InMemory);
    assert_eq!(global.key_prefix(), "global:");

    assert_eq!(user(1).await, "user 1");
    assert_eq!(user(1).await, "user 1");
    assert_eq!(calls(), 1);
    // The value is in the installed handle, under its prefix.
    assert_eq!(
        global.get::<String>("user-1").await.unwrap().as_deref(),
        Some("user 1")
    );
    match global.ttl("user-1").await.unwrap() {
        cache::KeyTtl::Expires(left) => {
            assert!(left.as_secs() > 7000 && left.as_secs() <= 7200, "{left:?}");
        }
        other => panic!("expected an expiry, got {other:?}"),
    }
    let keys = global.keys_matching("*", 10).await.unwrap();
    assert_eq!(keys, ["user-1"]);

    global.set("user-1-avatar", &"a.png", None).await.unwrap();
    assert!(forget_user(1).await.is_err());
    assert_eq!(global.get::<String>("user-1").await.unwrap(), None);
    assert_eq!(global.get::<String>("user-1-avatar").await.unwrap(), None);
    assert_eq!(user(1).await, "user 1");
    assert_eq!(calls(), 3);

    let profiles = Profiles;
    assert_eq!(profiles.profile(0).await, Ok(None));
    assert_eq!(profiles.profile(0).await, Ok(None));
    assert_eq!(profiles.profile(2).await, Ok(Some("profile 2".into())));
    assert_eq!(profiles.profile(2).await, Ok(Some("profile 2".into())));
    assert_eq!(calls(), 5);

    let stats = global.stats();
    // Hits: user 1 once by attribute and once by `get`, each profile once. Sets: four by the
    // attributes, one explicit.
    assert_eq!(
        (stats.hits, stats.misses, stats.sets),
        (4, 6, 5),
        "{stats:?}"
    );
}

#[test]
fn a_second_install_is_refused() {
    LazyLock::force(&INSTALLED);
    assert!(matches!(
        cache::install(Cache::disabled()),
        Err(Error::AlreadyInstalled)
    ));
    assert!(matches!(
        cache::install(Cache::in_memory()),
        Err(Error::AlreadyInstalled)
    ));
    // The first handle is still the one in place.
    assert_eq!(cache::global().key_prefix(), "global:");
    assert_eq!(cache::global().backend_kind(), BackendKind::InMemory);
}
