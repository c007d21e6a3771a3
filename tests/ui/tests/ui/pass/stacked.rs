#![deny(warnings)]
// Stacked invalidation attributes: keys and patterns from every attribute are removed together.

use cache::Cache;

#[derive(Debug)]
pub struct ApiError;

#[cache::delete("service-{service_id}-templates", "services")]
#[cache::delete_by_pattern("service-{service_id}-template-*")]
pub async fn archive(service_id: u32) -> Result<(), ApiError> {
    let _ = service_id;
    Ok(())
}

#[cache::delete_by_pattern("service-{service_id}-template-*", "service-{service_id}-version-*")]
#[cache::delete("service-{service_id}-templates")]
#[cache::delete("services")]
pub async fn archive_all(service_id: u32) {
    let _ = service_id;
}

pub struct Client {
    pub cache: Cache,
}

impl Client {
    // Only one of the stacked attributes needs to name the handle.
    #[cache::delete("service-{service_id}-templates", cache = self.cache)]
    #[cache::delete_by_pattern("service-{service_id}-template-*")]
    pub async fn archive(&self, service_id: u32) -> Result<(), ApiError> {
        let _ = service_id;
        Ok(())
    }

    #[cache::delete("a", cache = self.cache)]
    #[cache::delete_by_pattern("b*", cache = self.cache)]
    pub async fn both_name_it(&self) {}
}

pub async fn usage(client: &Client) -> Result<(), ApiError> {
    archive(1).await?;
    archive_all(1).await;
    client.archive(1).await?;
    client.both_name_it().await;
    Ok(())
}

fn main() {}
