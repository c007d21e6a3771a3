// `cache = ...` must name a `cache::Cache` (or something that derefs to one).

struct Client {
    name: String,
}

impl Client {
    #[cache::set("client-{id}", cache = self.name)]
    async fn name(&self, id: u32) -> String {
        id.to_string()
    }
}

fn main() {}
