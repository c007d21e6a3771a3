#[cache::set("service-{service_id}-templates", ttl = "1500ms")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::set("service-{service_id}-names", ttl = "500ms")]
async fn names(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
