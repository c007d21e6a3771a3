// `set` caches the return value: a function returning `()` has none.

#[cache::set("service-{service_id}-refresh")]
async fn refresh(service_id: u32) {
    let _ = service_id;
}

#[cache::set("service-{service_id}-refresh", ttl = "1h")]
async fn refresh_explicit(service_id: u32) -> () {
    let _ = service_id;
}

fn main() {}
