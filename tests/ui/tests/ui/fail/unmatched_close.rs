#[cache::set("service-{id}}-templates")]
async fn templates(id: u32) -> Vec<u32> {
    vec![id]
}

fn main() {}
