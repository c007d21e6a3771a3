// The same on an `impl` block without `#[async_trait]`: the message says where it goes.

trait Names {
    async fn name(&self, id: u32) -> String;
}

struct Client;

impl Names for Client {
    #[cache::set("client-{id}")]
    #[async_trait::async_trait]
    async fn name(&self, id: u32) -> String {
        id.to_string()
    }
}

fn main() {}
