// A misspelt field in `cache = ...`: rustc's suggestion names the field where it is written.

struct Client {
    cache: cache::Cache,
}

impl Client {
    #[cache::set("client-{id}", cache = self.cahce)]
    async fn name(&self, id: u32) -> String {
        id.to_string()
    }
}

fn main() {}
