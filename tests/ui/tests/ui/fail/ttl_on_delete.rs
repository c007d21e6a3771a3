#[cache::delete("service-{service_id}-templates", ttl = "1h")]
async fn update(service_id: u32) {
    let _ = service_id;
}

#[cache::delete_by_pattern("service-{service_id}-*", ttl = "1h")]
async fn purge(service_id: u32) {
    let _ = service_id;
}

fn main() {}
