#![deny(warnings)]
// Inherent methods naming their handle with `cache = ...`, and placeholders reading fields:
// `{self.field}`, `{arg.field.sub}` and tuple fields `{pair.0}`.

use std::sync::{Arc, LazyLock};

use cache::Cache;

#[derive(Debug)]
pub struct ApiError;

pub struct Region {
    pub code: String,
}

pub struct Organisation {
    pub id: u32,
    pub region: Region,
}

pub struct Client {
    pub cache: Cache,
    pub shared: Arc<Cache>,
    pub region: String,
    pub tenant: (u32, String),
}

pub static CACHE: LazyLock<Cache> = LazyLock::new(Cache::in_memory);

impl Client {
    #[cache::set("organisation-{org_id}-name", ttl = "7d", cache = self.cache)]
    pub async fn organisation_name(&self, org_id: u32) -> Result<String, ApiError> {
        Ok(format!("Organisation {org_id}"))
    }

    #[cache::set("{self.region}-organisation-{org.id}-{org.region.code}", cache = self.shared)]
    pub async fn organisation_region(&self, org: &Organisation) -> String {
        org.region.code.clone()
    }

    #[cache::set("tenant-{self.tenant.0}-{pair.0}-{pair.1}", cache = CACHE)]
    pub async fn pair(&self, pair: (u32, String)) -> Option<u32> {
        Some(pair.0)
    }

    #[cache::delete("organisation-{org_id}-name", "organisations", cache = self.cache)]
    pub async fn rename(&self, org_id: u32, name: &str) -> Result<(), ApiError> {
        let _ = (org_id, name);
        Ok(())
    }

    #[cache::delete("{self.region}-organisation-{org.id}-{org.region.code}", cache = self.shared)]
    pub async fn move_organisation(&mut self, org: Organisation) {
        self.region = org.region.code;
    }

    #[cache::set("tenant-{self.tenant.1}", cache = self.cache)]
    pub async fn consume(self) -> String {
        // `self` is moved into the body: the handle was cloned out of it beforehand.
        self.tenant.1
    }
}

pub async fn usage(mut client: Client) -> Result<(), ApiError> {
    let org = Organisation {
        id: 1,
        region: Region { code: "eu".into() },
    };
    let _: String = client.organisation_name(1).await?;
    let _: String = client.organisation_region(&org).await;
    let _: Option<u32> = client.pair((1, "a".into())).await;
    client.rename(1, "b").await?;
    client.move_organisation(org).await;
    let _: String = client.consume().await;
    Ok(())
}

fn main() {}
