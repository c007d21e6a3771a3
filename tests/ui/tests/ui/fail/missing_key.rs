#[cache::set]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::set()]
async fn names(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::set(ttl = "1h")]
async fn options_only(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
