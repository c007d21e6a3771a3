#[cache::set(42)]
async fn number(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::set(service_id)]
async fn identifier(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::delete(b"bytes")]
async fn bytes(service_id: u32) {
    let _ = service_id;
}

fn main() {}
