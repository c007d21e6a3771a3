// `{self.x}` needs a `self` receiver.

#[cache::set("client-{self.id}")]
async fn free(id: u32) -> u32 {
    id
}

struct Client {
    id: u32,
}

impl Client {
    #[cache::set("client-{self.id}")]
    async fn associated(id: u32) -> u32 {
        id
    }
}

fn main() {
    let _ = Client { id: 1 }.id;
}
