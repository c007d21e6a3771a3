#![deny(warnings)]
// `strict` on writes whose error type can hold a cache error: the keys are cleared before the
// body too, and a failure to clear them is returned as `Err`.

use cache::Cache;

#[derive(Debug)]
pub enum ApiError {
    Cache(cache::Error),
    Http(u16),
}

impl From<cache::Error> for ApiError {
    fn from(error: cache::Error) -> Self {
        ApiError::Cache(error)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub struct Client {
    pub cache: Cache,
}

impl Client {
    #[cache::delete("organisation-{org_id}-name", "organisations", strict, cache = self.cache)]
    pub async fn rename(&self, org_id: u32, name: &str) -> Result<(), ApiError> {
        let _ = (org_id, name);
        Err(ApiError::Http(400))
    }

    // Stacked: one `strict` makes the whole invalidation strict; aliases of `Result` work.
    #[cache::delete("organisations", cache = self.cache)]
    #[cache::delete_by_pattern("organisation-{org_id}-*", strict)]
    pub async fn archive(&self, org_id: u32) -> ApiResult<u32> {
        Ok(org_id)
    }
}

fn main() {}
