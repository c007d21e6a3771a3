#[cache::set("service-{service_id}-templates")]
#[cache::delete("services")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::delete_by_pattern("service-*")]
#[cache::set("service-{service_id}-names")]
async fn names(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
