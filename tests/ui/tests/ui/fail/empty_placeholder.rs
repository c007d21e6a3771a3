#[cache::set("service-{}-templates")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
