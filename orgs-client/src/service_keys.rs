//! Invalidating `service-{id}` for services the API names, not the caller.
//!
//! `update_organisation` changes what the admin app caches for each of the organisation's
//! services, but no argument names those services, so no key template can reach them. The
//! helper here deletes them through the client's handle after the write, failing open like the
//! attributes do.

use cache::Cache;
use uuid::Uuid;

/// The admin app's key for a service.
pub(crate) fn service_key(service_id: Uuid) -> String {
    format!("service-{service_id}")
}

/// Deletes `service-{id}` for each id in one round trip. A failure is logged at error level (the
/// keys may stay stale until their TTL ends) and never fails the caller's write.
// TODO: move to the runtime's fail-open, retried invalidation API once it lands; `delete`
// returns errors and does not retry.
pub(crate) async fn invalidate_service_keys(cache: &Cache, service_ids: &[Uuid]) {
    if service_ids.is_empty() {
        return;
    }
    let keys: Vec<String> = service_ids.iter().copied().map(service_key).collect();
    match cache.delete(&keys).await {
        Ok(deleted) => tracing::debug!(?keys, deleted, "service keys invalidated"),
        Err(error) => tracing::error!(
            ?keys,
            %error,
            "service key invalidation failed; these keys may be stale until their TTL ends"
        ),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{invalidate_service_keys, service_key};

    #[tokio::test]
    async fn deletes_only_the_named_services() {
        let cache = cache::Cache::in_memory();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        for id in [a, b, c] {
            cache.set(&service_key(id), &"x", None).await.unwrap();
        }
        invalidate_service_keys(&cache, &[a, b]).await;
        let left = |id| {
            let cache = cache.clone();
            async move { cache.get::<String>(&service_key(id)).await.unwrap() }
        };
        assert_eq!(left(a).await, None);
        assert_eq!(left(b).await, None);
        assert_eq!(left(c).await.as_deref(), Some("x"));
        invalidate_service_keys(&cache, &[]).await;
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
