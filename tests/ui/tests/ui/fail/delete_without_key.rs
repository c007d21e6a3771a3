#[cache::delete]
async fn update(service_id: u32) {
    let _ = service_id;
}

#[cache::delete_by_pattern(cache = cache::global())]
async fn purge(service_id: u32) {
    let _ = service_id;
}

fn main() {}
