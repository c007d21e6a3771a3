// A function that returns a future it builds must say what the future gives.

use std::future::Future;
use std::pin::Pin;

type Boxed = Pin<Box<dyn Future<Output = u32> + Send>>;

#[cache::set("service-{service_id}")]
fn service(service_id: u32) -> Boxed {
    Box::pin(async move { service_id })
}

fn main() {}
