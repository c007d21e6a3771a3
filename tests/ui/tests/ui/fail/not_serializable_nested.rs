// A type that is not serializable nested in the cached value.

#[derive(Debug, Clone)]
struct Template {
    id: u32,
}

#[cache::set("templates-{id}")]
async fn templates(id: u32) -> Vec<Template> {
    vec![Template { id }]
}

fn main() {}
