// A function with no arguments has nothing a placeholder could name.

#[cache::set("service-{service_id}-templates")]
async fn templates() -> Vec<u32> {
    Vec::new()
}

struct Client {
    cache: cache::Cache,
}

impl Client {
    #[cache::set("client-{id}", cache = self.cache)]
    async fn id(&self) -> u32 {
        1
    }
}

fn main() {}
