#[cache::set("service-{service_id}-templates")]
fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::delete("service-{service_id}-templates")]
fn update(service_id: u32) {
    let _ = service_id;
}

fn main() {}
