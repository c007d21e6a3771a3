#![deny(warnings)]
// Arguments used in the key may be moved into the body: the key is built before the body runs.

use cache::Cache;

#[derive(Debug)]
pub struct ApiError;

pub fn consume(value: String) -> String {
    value
}

#[cache::set("name-{name}")]
pub async fn moved(name: String) -> String {
    consume(name)
}

#[cache::set("label-{label}")]
pub async fn dropped(label: String) -> usize {
    let count = label.len();
    drop(label);
    count
}

#[cache::delete("org-{org_id}-{name}")]
pub async fn moved_then_failed(org_id: u32, name: String) -> Result<String, ApiError> {
    if org_id == 0 {
        return Err(ApiError);
    }
    Ok(consume(name))
}

#[cache::set("mutable-{counter}")]
pub async fn mutable(mut counter: u32) -> u32 {
    counter += 1;
    counter
}

pub struct Client {
    pub cache: Cache,
    pub name: String,
}

impl Client {
    #[cache::set("client-{self.name}", cache = self.cache)]
    pub async fn into_name(self) -> String {
        self.name
    }

    #[cache::delete("client-{self.name}", cache = self.cache)]
    pub async fn rename(mut self: Box<Self>, name: String) -> Box<Self> {
        self.name = name;
        self
    }
}

pub async fn usage() -> Result<(), ApiError> {
    let _: String = moved("a".into()).await;
    let _: usize = dropped("l".into()).await;
    let _: String = moved_then_failed(1, "b".into()).await?;
    let _: u32 = mutable(1).await;
    let client = Client {
        cache: Cache::in_memory(),
        name: "c".into(),
    };
    let client = Box::new(client).rename("d".into()).await;
    let _: String = client.into_name().await;
    Ok(())
}

fn main() {}
