// The cached value is decoded into the return type, so it must be named.

#[cache::set("service-{service_id}-name")]
async fn name(service_id: u32) -> impl std::fmt::Display {
    service_id
}

#[cache::set("service-{service_id}-ids")]
async fn ids(service_id: u32) -> Result<impl IntoIterator<Item = u32>, String> {
    Ok(vec![service_id])
}

fn main() {}
