#[cache::set("service-{service_id}")]
struct Service {
    service_id: u32,
}

#[cache::delete("services")]
const SERVICES: u32 = 1;

fn main() {}
