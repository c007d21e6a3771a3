// A misspelt field of `self` in a key template: rustc reports it at the template.

struct Client {
    service: u32,
}

impl Client {
    #[cache::set("client-{self.servce}")]
    async fn name(&self) -> String {
        self.service.to_string()
    }
}

fn main() {}
