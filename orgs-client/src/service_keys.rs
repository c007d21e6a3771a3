//! Invalidating `service-{id}` for services the API names, not the caller.
//!
//! `update_organisation` changes what the admin app caches for each of the organisation's
//! services, but no argument names those services, so no key template can reach them. The
//! helper here arms their invalidation through the client's handle before the write, with the
//! attributes' guarantees: after `Ok` and `Err`, even if the call is cancelled, retried on failure.

use cache::Cache;
use uuid::Uuid;

/// The admin app's key for a service.
pub(crate) fn service_key(service_id: Uuid) -> String {
    format!("service-{service_id}")
}

/// Arms the invalidation of `service-{id}` for each id (one round trip when run): it happens
/// when [`run`](cache::Invalidation::run) is called after the write, or in the background if the
/// write is dropped first; a failure is retried, logged and counted, never fails the write.
pub(crate) fn service_keys_invalidation(
    cache: &Cache,
    service_ids: &[Uuid],
) -> cache::Invalidation {
    cache.invalidation(service_ids.iter().copied().map(service_key))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{service_key, service_keys_invalidation};

    #[tokio::test]
    async fn deletes_only_the_named_services() {
        let cache = cache::Cache::in_memory();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        for id in [a, b, c] {
            cache.set(&service_key(id), &"x", None).await.unwrap();
        }
        service_keys_invalidation(&cache, &[a, b]).run().await;
        let left = |id| {
            let cache = cache.clone();
            async move { cache.get::<String>(&service_key(id)).await.unwrap() }
        };
        assert_eq!(left(a).await, None);
        assert_eq!(left(b).await, None);
        assert_eq!(left(c).await.as_deref(), Some("x"));
        service_keys_invalidation(&cache, &[]).run().await;
    }

    #[test]
    fn keys_match_the_admin_app() {
        let id: Uuid = "6CE466D0-FD6A-11E5-82F5-E0ACCB9D11A6".parse().unwrap();
        assert_eq!(
            service_key(id),
            "service-6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"
        );
    }
}
