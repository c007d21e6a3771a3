// `#[async_trait]` rewrites a whole `impl` block (or trait), not one method: written on a
// method below a cache attribute, it is one error, saying where it goes.

use async_trait::async_trait;

#[async_trait]
trait Names {
    async fn name(&self, id: u32) -> String;
}

struct Client;

#[async_trait]
impl Names for Client {
    #[cache::set("client-{id}")]
    #[async_trait]
    async fn name(&self, id: u32) -> String {
        id.to_string()
    }
}

fn main() {}
