// The cached value is stored as JSON: it must be `Serialize` and `Deserialize`.

#[derive(Debug, Clone)]
struct Template {
    id: u32,
}

#[derive(Debug)]
struct ApiError;

#[cache::set("template-{id}")]
async fn template(id: u32) -> Template {
    Template { id }
}

// For a `Result`, only the `Ok` value is stored, so only it must be serializable.
#[cache::set("templates-{id}")]
async fn templates(id: u32) -> Result<Template, ApiError> {
    Ok(Template { id })
}

fn main() {}
