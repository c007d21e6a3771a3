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

// An `Option` is stored whole (`None` too), so its value must be serializable.
#[cache::set("maybe-template-{id}")]
async fn maybe_template(id: u32) -> Option<Template> {
    Some(Template { id })
}

// The same holds for a blocking function.
#[cache::set("template-now-{id}")]
fn template_now(id: u32) -> Template {
    Template { id }
}

fn main() {}
