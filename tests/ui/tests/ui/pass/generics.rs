#![deny(warnings)]
// Generic functions and methods: type parameters, where-clauses, lifetimes, `impl Trait`
// arguments, and generic cached values.

use std::fmt::Display;
use std::marker::PhantomData;

use cache::Cache;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct ApiError;

pub struct Repository<T> {
    pub cache: Cache,
    pub marker: PhantomData<T>,
}

impl<T> Repository<T>
where
    T: Serialize + DeserializeOwned + Default + Send + 'static,
{
    #[cache::set("item-{id}", ttl = "10m", cache = self.cache)]
    pub async fn get<'a, I>(&'a self, id: &'a I) -> Result<T, ApiError>
    where
        I: Display + Sync + ?Sized,
    {
        let _ = id;
        Ok(T::default())
    }

    #[cache::delete("item-{id}", cache = self.cache)]
    pub async fn remove<I: Display>(&self, id: I) -> Result<(), ApiError> {
        let _ = id;
        Ok(())
    }
}

#[cache::set("greeting-{name}-{count}")]
pub async fn greet(name: impl Display + Send, count: impl Display) -> String {
    format!("hello {name} x{count}")
}

#[cache::set("first-{prefix}")]
pub async fn first<'a, 'b: 'a, V>(prefix: &'a str, values: &'b [V]) -> Option<V>
where
    V: Clone + Serialize + DeserializeOwned,
{
    values.first().cloned()
}

#[cache::delete_by_pattern("prefix-{prefix}-*")]
pub async fn purge<S: AsRef<str> + Display>(prefix: S, also: impl Iterator<Item = u8>) -> usize {
    prefix.as_ref().len() + also.count()
}

#[cache::delete_by_pattern("unsized-{id}-*", "field-{pair.1}-*")]
pub async fn purge_unsized<I: Display + ?Sized + Sync>(id: &I, pair: (u8, &str)) {
    let _ = (id, pair);
}

#[cache::set("array-{seed}")]
pub async fn array<const N: usize>(seed: u8) -> Vec<u8> {
    vec![seed; N]
}

pub async fn usage() -> Result<(), ApiError> {
    let repository: Repository<Vec<u32>> = Repository {
        cache: Cache::in_memory(),
        marker: PhantomData,
    };
    let _: Vec<u32> = repository.get("a").await?;
    let _: Vec<u32> = repository.get(&7).await?;
    repository.remove(7).await?;
    let _: String = greet("x", 2).await;
    let _: Option<u32> = first("p", &[1, 2]).await;
    let _: usize = purge("p", [1u8, 2].into_iter()).await;
    purge_unsized("a", (1, "b")).await;
    purge_unsized::<dyn Display + Sync>(&1, (1, "b")).await;
    let _: Vec<u8> = array::<4>(1).await;
    Ok(())
}

fn main() {}
