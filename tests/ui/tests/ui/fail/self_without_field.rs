struct Client {
    cache: cache::Cache,
    id: u32,
}

impl Client {
    #[cache::set("client-{self}", cache = self.cache)]
    async fn name(&self) -> String {
        self.id.to_string()
    }
}

fn main() {}
