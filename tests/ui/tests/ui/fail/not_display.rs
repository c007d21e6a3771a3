// Placeholder values are formatted with `Display`; the error points at the argument (or, for a
// field path, at the template), never into generated code.

#[derive(Debug)]
struct ServiceId(u32);

struct Region {
    code: u32,
}

struct Org {
    id: u32,
    region: Region,
}

#[cache::set("service-{service_id}-templates")]
async fn templates(service_id: ServiceId) -> Vec<u32> {
    vec![service_id.0]
}

#[cache::set("org-{org.region}")]
async fn region(org: Org) -> u32 {
    org.id + org.region.code
}

#[cache::delete_by_pattern("service-{ids}-*")]
async fn purge(ids: Vec<u32>) {
    let _ = ids;
}

struct Client {
    cache: cache::Cache,
    region: Region,
}

impl Client {
    #[cache::delete("client-{self.region}", cache = self.cache)]
    async fn reset(&self) {}
}

// A generic argument: no suggestion to bound it by a trait the user cannot name.
#[cache::delete("item-{id}")]
async fn generic<K>(id: K) {
    let _ = id;
}

fn main() {}
