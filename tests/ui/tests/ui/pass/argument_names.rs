#![deny(warnings)]
// Arguments whose names the generated code might plausibly use for itself still work, in
// templates and in the body.

use cache::Cache;

#[derive(Debug)]
pub struct ApiError;

#[cache::set("{key}-{cache}-{result}-{value}-{e}")]
pub async fn common(key: String, cache: u32, result: &str, value: i64, e: char) -> String {
    format!("{key}{cache}{result}{value}{e}")
}

#[cache::set("{__cache}-{__cache_key}-{__cache_owned}-{__private}")]
pub async fn generated(
    __cache: u32,
    __cache_key: u32,
    __cache_owned: u32,
    __private: u32,
) -> Result<u32, ApiError> {
    Ok(__cache + __cache_key + __cache_owned + __private)
}

#[cache::delete("{__cache_keys}", "{key}")]
#[cache::delete_by_pattern("{__cache_patterns}-*")]
pub async fn invalidation(__cache_keys: u32, __cache_patterns: u32, key: &str) -> u32 {
    __cache_keys + __cache_patterns + key.len() as u32
}

// An argument named `cache` next to the handle option `cache = ...`.
pub struct Client {
    pub cache: Cache,
}

impl Client {
    #[cache::set("{cache}", cache = self.cache)]
    pub async fn shadowing(&self, cache: &str) -> String {
        format!("{cache}{}", self.cache.key_prefix())
    }
}

// The handle passed as an argument (named like the runtime's own helper).
#[cache::set("{id}", cache = handle)]
pub async fn handle(handle: &Cache, id: u32) -> u32 {
    let _ = handle.stats();
    id
}

// A reference to an `Arc` of the handle, as an argument: the call keeps the reference, so its
// future is `Send` and lives as long as the reference does.
#[cache::set("arc-{id}", cache = handle)]
pub async fn through_arc(handle: &std::sync::Arc<Cache>, id: u32) -> u32 {
    id
}

pub fn spawnable(
    handle: &'static std::sync::Arc<Cache>,
) -> impl std::future::Future<Output = u32> + Send + 'static {
    through_arc(handle, 1)
}

// A raw identifier argument.
#[cache::set("{r#type}-{type}")]
pub async fn raw(r#type: u32) -> u32 {
    r#type
}

pub async fn usage(client: &Client) -> Result<(), ApiError> {
    let _: String = common("k".into(), 1, "r", 2, 'e').await;
    let _: u32 = generated(1, 2, 3, 4).await?;
    let _: u32 = invalidation(1, 2, "k").await;
    let _: String = client.shadowing("c").await;
    let _: u32 = handle(&client.cache, 1).await;
    let _: u32 = raw(1).await;
    Ok(())
}

fn main() {}
