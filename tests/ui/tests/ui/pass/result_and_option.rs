#![deny(warnings)]
// Return types: `std::result::Result`, crate-local `Result<T>` aliases (only the `Ok` value is
// cached), `Option<T>`, and other named types.

use serde::{Deserialize, Serialize};

pub mod api {
    #[derive(Debug)]
    pub struct Error;

    pub type Result<T, E = Error> = std::result::Result<T, E>;
}

pub type Result<T> = std::result::Result<T, api::Error>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    pub id: u32,
}

#[cache::set("api-alias-{id}")]
pub async fn api_alias(id: u32) -> api::Result<Template> {
    Ok(Template { id })
}

#[cache::set("local-alias-{id}")]
pub async fn local_alias(id: u32) -> Result<Vec<Template>> {
    let _ = id;
    Err(api::Error)
}

#[cache::set("std-{id}")]
pub async fn std_result(id: u32) -> std::result::Result<u32, String> {
    Ok(id)
}

#[cache::set("core-{id}")]
pub async fn core_result(id: u32) -> ::core::result::Result<u32, std::io::Error> {
    Ok(id)
}

#[cache::set("question-mark-{id}")]
pub async fn question_mark(id: &str) -> std::result::Result<u32, std::num::ParseIntError> {
    let parsed = id.parse::<u32>()?;
    Ok(parsed)
}

#[cache::set("option-{id}")]
pub async fn option(id: u32) -> Option<Template> {
    (id > 0).then_some(Template { id })
}

#[cache::set("nested-{id}")]
pub async fn nested(id: u32) -> Option<std::result::Result<u32, String>> {
    Some(Ok(id))
}

#[cache::set("tuple-{id}")]
pub async fn tuple(id: u32) -> (u32, String) {
    (id, id.to_string())
}

#[cache::delete("api-alias-{id}")]
pub async fn delete_alias(id: u32) -> api::Result<Template> {
    Ok(Template { id })
}

// A `Result` alias not named `Result`: still only the `Ok` value is cached, so the error type
// need not be serializable.
pub type ApiResult<T> = std::result::Result<T, api::Error>;

#[cache::set("renamed-alias-{id}")]
pub async fn renamed_alias(id: u32) -> ApiResult<Template> {
    Ok(Template { id })
}

// Invalidation passes any return type through, `impl Trait` included.
#[cache::delete("option-{id}")]
pub async fn delete_returning_impl_trait(id: u32) -> impl std::fmt::Display {
    id
}

pub async fn usage() -> Result<()> {
    let _: Template = api_alias(1).await?;
    let _: Vec<Template> = local_alias(1).await?;
    let _: std::result::Result<u32, String> = std_result(1).await;
    let _: std::result::Result<u32, std::io::Error> = core_result(1).await;
    let _: std::result::Result<u32, _> = question_mark("1").await;
    let _: Option<Template> = option(1).await;
    let _: Option<std::result::Result<u32, String>> = nested(1).await;
    let _: (u32, String) = tuple(1).await;
    let _: Template = delete_alias(1).await?;
    let _: Template = renamed_alias(1).await?;
    let _ = delete_returning_impl_trait(1).await.to_string();
    Ok(())
}

fn main() {}
