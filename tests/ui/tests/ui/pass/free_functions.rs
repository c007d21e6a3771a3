#![deny(warnings)]
// Free functions with no `cache = ...` use the process-wide handle.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    pub id: u32,
    pub body: String,
}

#[derive(Debug)]
pub struct ApiError;

#[cache::set("service-{service_id}-templates", ttl = "7d")]
pub async fn templates(service_id: u32) -> Result<Vec<Template>, ApiError> {
    Ok(vec![Template {
        id: service_id,
        body: String::new(),
    }])
}

#[cache::set("service-{service_id}-name")]
pub async fn name(service_id: &str) -> String {
    service_id.to_uppercase()
}

#[cache::set("constant", ttl = "1h 30m")]
pub async fn constant() -> u64 {
    42
}

#[cache::delete("service-{service_id}-templates", "service-{service_id}-name")]
pub async fn update(service_id: u32) -> Result<(), ApiError> {
    let _ = service_id;
    Ok(())
}

#[cache::delete("constant")]
pub async fn reset() {}

#[cache::delete_by_pattern("service-{service_id}-*")]
pub async fn purge(service_id: String) -> usize {
    service_id.len()
}

pub async fn usage() -> Result<(), ApiError> {
    let templates: Vec<Template> = templates(1).await?;
    let name: String = name("a").await;
    let constant: u64 = constant().await;
    let (): () = update(1).await?;
    let (): () = reset().await;
    let purged: usize = purge(String::from("x")).await;
    let _ = (templates, name, constant, purged);
    Ok(())
}

fn main() {}
