#[cache::set("service-{service_id}-templates", ttl = "0s")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
