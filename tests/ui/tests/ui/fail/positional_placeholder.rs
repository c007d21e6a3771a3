#[cache::set("service-{0}-templates")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
