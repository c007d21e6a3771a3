// The attribute goes on the implementation, which has a body.

trait TemplateSource {
    #[cache::set("service-{service_id}-templates")]
    async fn templates(&self, service_id: u32) -> Vec<u32>;
}

fn main() {}
