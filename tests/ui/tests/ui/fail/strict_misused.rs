// `strict` needs a `Result` whose error can hold a cache error, and belongs to writes only.

#[derive(Debug)]
pub struct ApiError;

#[cache::delete("organisations", strict)]
pub async fn error_without_from(id: u32) -> Result<(), ApiError> {
    let _ = id;
    Ok(())
}

#[cache::delete("organisations", strict)]
pub async fn not_a_result(id: u32) -> u32 {
    id
}

#[cache::set("organisation-{id}", strict)]
pub async fn on_a_read(id: u32) -> Result<u32, ApiError> {
    Ok(id)
}

#[cache::delete("organisations", strict = true)]
pub async fn with_a_value(id: u32) {
    let _ = id;
}

#[cache::delete("organisations", strict, strict)]
pub async fn twice(id: u32) {
    let _ = id;
}

// The same for a blocking function.
#[cache::delete("organisations", strict)]
pub fn blocking_not_a_result(id: u32) -> u32 {
    id
}

fn main() {}
