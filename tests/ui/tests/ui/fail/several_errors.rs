// Every problem in an attribute is reported in the same build.

#[cache::set("service-{servce_id}-{}-templates", ttl = "24 hourz", tll = "1h", cache = self.cache)]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

// Across stacked attributes too.
#[cache::delete("service-{id}", ttl = "1h")]
#[cache::delete_by_pattern("service-{service_id:?}-*", cahce = cache::global())]
async fn update(service_id: u32) {
    let _ = service_id;
}

fn main() {}
