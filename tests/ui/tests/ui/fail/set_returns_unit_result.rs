// A `Result` caches only its `Ok` value: `Result<(), E>` has nothing to cache, as `()` has not.

#[derive(Debug)]
struct ApiError;

#[cache::set("service-{service_id}-refresh")]
async fn refresh(service_id: u32) -> Result<(), ApiError> {
    let _ = service_id;
    Ok(())
}

#[cache::set("service-{service_id}-reload")]
fn reload(service_id: u32) -> std::io::Result<()> {
    let _ = service_id;
    Ok(())
}

fn main() {}
