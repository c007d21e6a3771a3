#[cache::set("service-{service_id}-templates", "services")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
