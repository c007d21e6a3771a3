//! Hit, miss and invalidation through attributes of a runtime renamed to `my_cache`.

use cache_renamed_dependency_test::Teams;

#[tokio::test]
async fn hit_miss_and_delete_with_a_renamed_runtime() {
    let teams = Teams::new(my_cache::Cache::in_memory());

    assert_eq!(teams.name(1).await, "Team 1");
    assert_eq!(teams.name(1).await, "Team 1");
    assert_eq!(teams.calls(), 1, "the second call is a hit");
    assert_eq!(teams.members(1).await.unwrap(), ["member of 1"]);
    assert_eq!(teams.members(1).await.unwrap(), ["member of 1"]);
    assert_eq!(teams.calls(), 2);
    assert!(teams.members(0).await.is_err());
    assert!(teams.members(0).await.is_err());
    assert_eq!(teams.calls(), 4, "errors are not cached");
    let stats = teams.cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.sets), (2, 4, 2));
    match teams.cache.ttl("team-1-name").await.unwrap() {
        my_cache::KeyTtl::Expires(left) => assert!(left.as_secs() > 3590, "{left:?}"),
        other => panic!("expected an expiry, got {other:?}"),
    }

    teams.rename(1, "Renamed").await.unwrap();
    assert_eq!(
        teams.cache.get::<String>("team-1-name").await.unwrap(),
        None
    );
    assert_eq!(teams.name(1).await, "Team 1");
    assert_eq!(teams.members(1).await.unwrap(), ["member of 1"]);
    assert_eq!(teams.calls(), 7, "both keys were invalidated");

    teams.name(2).await;
    teams.remove(1).await;
    let mut left = teams.cache.keys_matching("*", 10).await.unwrap();
    left.sort();
    assert_eq!(
        left,
        ["team-2-name"],
        "the stacked delete and pattern both ran"
    );
    teams.name(1).await;
    teams.members(1).await.unwrap();
    assert_eq!(teams.calls(), 11);
}
