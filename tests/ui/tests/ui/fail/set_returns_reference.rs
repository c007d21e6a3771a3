// A cached value is decoded from JSON into a new value on a hit: it must be owned, not borrowed.

struct Client {
    name: String,
}

impl Client {
    #[cache::set("client-name")]
    async fn name<'a>(&'a self) -> &'a str {
        &self.name
    }

    #[cache::set("client-names")]
    fn names(&self) -> Option<Vec<&str>> {
        Some(vec![&self.name])
    }
}

fn main() {}
