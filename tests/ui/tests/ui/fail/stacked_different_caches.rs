struct Client {
    primary: cache::Cache,
    secondary: cache::Cache,
}

impl Client {
    #[cache::delete("a", cache = self.primary)]
    #[cache::delete_by_pattern("b*", cache = self.secondary)]
    async fn update(&self) {}
}

fn main() {}
