#![deny(warnings)]
// The attributes imported by name rather than written as paths.

use cache::{delete, delete_by_pattern, set};

#[set("service-{service_id}-templates", ttl = "1h")]
pub async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[delete("service-{service_id}-templates")]
#[delete_by_pattern("service-{service_id}-template-*")]
pub async fn archive(service_id: u32) -> bool {
    service_id > 0
}

pub async fn usage() {
    let _: Vec<u32> = templates(1).await;
    let _: bool = archive(1).await;
}

fn main() {}
