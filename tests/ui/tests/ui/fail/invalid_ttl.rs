#[cache::set("service-{service_id}-templates", ttl = "24 hourz")]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::set("service-{service_id}-names", ttl = 3600)]
async fn names(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

#[cache::set("service-{service_id}-ids", ttl = "")]
async fn ids(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
