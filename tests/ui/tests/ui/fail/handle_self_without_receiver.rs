// `cache = self.cache` on a function without a `self` receiver.

struct Client {
    cache: cache::Cache,
}

#[cache::set("client-{id}", cache = self.cache)]
async fn free(id: u32) -> u32 {
    id
}

fn main() {
    let _ = Client {
        cache: cache::Cache::in_memory(),
    }
    .cache;
}
