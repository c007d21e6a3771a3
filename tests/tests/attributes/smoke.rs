use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug)]
struct ApiError;
impl From<std::num::ParseIntError> for ApiError {
    fn from(_: std::num::ParseIntError) -> Self {
        ApiError
    }
}

struct Client {
    cache: cache::Cache,
    calls: AtomicUsize,
}

impl Client {
    #[cache::set("service-{service_id}-templates", ttl = "7d", cache = self.cache)]
    async fn templates(&self, service_id: u32, key: String) -> Result<Vec<u32>, ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let n: u32 = "5".parse()?;
        drop(key);
        Ok(vec![service_id, n])
    }

    #[cache::delete("service-{service_id}-templates", "organisations", cache = self.cache)]
    #[cache::delete_by_pattern("service-{service_id}-template-*", cache = self.cache)]
    async fn archive(&self, service_id: u32) -> Result<(), ApiError> {
        if service_id == 0 {
            return Err(ApiError);
        }
        Ok(())
    }
}

#[tokio::test]
async fn smoke() {
    let c = Client {
        cache: cache::Cache::in_memory(),
        calls: AtomicUsize::new(0),
    };
    assert_eq!(c.templates(1, "x".into()).await.unwrap(), vec![1, 5]);
    assert_eq!(c.templates(1, "x".into()).await.unwrap(), vec![1, 5]);
    assert_eq!(c.calls.load(Ordering::SeqCst), 1);
    c.archive(1).await.unwrap();
    c.templates(1, "x".into()).await.unwrap();
    assert_eq!(c.calls.load(Ordering::SeqCst), 2);
}
