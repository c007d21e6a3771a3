#![deny(warnings)]
// `async fn` in trait impls, including trait methods declared as returning a `Send` future: the
// generated future must stay `Send` whenever the body's is.

use std::future::Future;

use cache::Cache;

#[derive(Debug)]
pub struct ApiError;

pub trait TemplateSource {
    fn templates(
        &self,
        service_id: u32,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;

    fn archive(&self, service_id: u32) -> impl Future<Output = Result<(), ApiError>> + Send;

    fn count(&self) -> impl Future<Output = usize> + Send;
}

pub struct Client {
    pub cache: Cache,
}

impl TemplateSource for Client {
    #[cache::set("service-{service_id}-templates", ttl = "1h", cache = self.cache)]
    async fn templates(&self, service_id: u32) -> Result<Vec<String>, ApiError> {
        Ok(vec![service_id.to_string()])
    }

    #[cache::delete("service-{service_id}-templates", cache = self.cache)]
    #[cache::delete_by_pattern("service-{service_id}-template-*", cache = self.cache)]
    async fn archive(&self, service_id: u32) -> Result<(), ApiError> {
        let _ = service_id;
        Ok(())
    }

    // The process-wide handle.
    #[cache::set("count")]
    async fn count(&self) -> usize {
        1
    }
}

// A crate-private trait may use `async fn` directly.
trait Named {
    async fn name(&self, id: u32) -> String;
}

impl Named for Client {
    #[cache::set("name-{id}", cache = self.cache)]
    async fn name(&self, id: u32) -> String {
        id.to_string()
    }
}

// A provided (default) method, naming its handle through another trait method.
trait WithCache {
    fn cache(&self) -> &Cache;

    #[cache::set("provided-{id}", cache = self.cache())]
    async fn provided(&self, id: u32) -> u32 {
        id
    }
}

impl WithCache for Client {
    fn cache(&self) -> &Cache {
        &self.cache
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

pub async fn usage(client: &Client) -> Result<(), ApiError> {
    let _: Vec<String> = assert_send(client.templates(1)).await?;
    assert_send(client.archive(1)).await?;
    let _: usize = assert_send(client.count()).await;
    let _: String = assert_send(client.name(1)).await;
    let _: u32 = client.provided(1).await;
    Ok(())
}

fn main() {}
