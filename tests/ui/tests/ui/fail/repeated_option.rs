#[cache::set("service-{service_id}-templates", ttl = "1h", ttl = "2h")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::delete("services", cache = cache::global(), cache = cache::global())]
async fn update(service_id: u32) {
    let _ = service_id;
}

fn main() {}
