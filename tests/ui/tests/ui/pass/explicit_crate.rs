#![deny(warnings)]
// `crate = ...` naming the runtime explicitly, in every accepted form.

#[cache::set("a-{id}", crate = cache)]
pub async fn bare(id: u32) -> u32 {
    id
}

#[cache::set("b-{id}", crate = ::cache)]
pub async fn absolute(id: u32) -> u32 {
    id
}

#[cache::delete("a-{id}", crate = cache)]
#[cache::delete_by_pattern("b-{id}*", crate = ::cache)]
pub async fn stacked(id: u32) {
    let _ = id;
}

// Through a re-export under another name, with the attribute itself called through it.
pub mod reexport {
    pub use cache as my_cache;
}

use reexport::my_cache;

#[my_cache::set("c-{id}", ttl = "5m", crate = my_cache)]
pub async fn renamed(id: u32) -> u32 {
    id
}

#[my_cache::delete("c-{id}", crate = my_cache)]
#[my_cache::delete_by_pattern("c-*", crate = my_cache)]
pub async fn renamed_stacked(id: u32) {
    let _ = id;
}

pub async fn usage() {
    let _: u32 = bare(1).await;
    let _: u32 = absolute(1).await;
    stacked(1).await;
    let _: u32 = renamed(1).await;
    renamed_stacked(1).await;
}

fn main() {}
