#![deny(warnings)]
// A user type named `Result` is cached whole when the return type names it under another name,
// as the diagnostic for `-> Result<..>` suggests (see `fail/custom_result.rs`).

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub enum Result<T> {
    Found(T),
    Missing,
}

pub type Lookup<T> = Result<T>;

#[cache::set("service-{service_id}-templates")]
pub async fn templates(service_id: u32) -> Lookup<Vec<u32>> {
    if service_id == 0 {
        Result::Missing
    } else {
        Result::Found(vec![service_id])
    }
}

pub async fn usage() {
    let _: Result<Vec<u32>> = templates(1).await;
}

fn main() {}
