#![deny(warnings)]
#![deny(missing_docs)]
//! Doc comments and other attributes on the function are kept, wherever they are written
//! relative to the cache attribute.

/// Documented above the attribute.
#[cache::set("documented-{id}")]
#[doc(alias = "named")]
#[allow(clippy::needless_lifetimes)]
pub async fn documented(id: u32) -> String {
    id.to_string()
}

#[cache::set("below-{id}")]
/// Documented below the attribute.
#[inline]
#[cfg_attr(test, allow(unused))]
pub async fn documented_below(id: u32) -> u32 {
    id
}

/// Deprecated functions stay deprecated.
#[deprecated = "use `documented`"]
#[cache::delete("documented-{id}")]
pub async fn deprecated(id: u32) {
    let _ = id;
}

/// Attributes on arguments are kept too.
#[cache::set("argument-attributes-{id}")]
pub async fn argument_attributes(#[allow(unused_mut)] mut id: u32) -> u32 {
    id
}

/// Items only compiled on some platforms.
#[cfg(unix)]
#[cache::set("unix-{id}")]
pub async fn platform(id: u32) -> u32 {
    id
}

/// The other platforms.
#[cfg(not(unix))]
#[cache::set("other-{id}")]
pub async fn platform(id: u32) -> u32 {
    id
}

/// Uses everything.
pub async fn usage() {
    let _ = documented(1).await;
    let _: u32 = documented_below(1).await;
    let _: u32 = argument_attributes(1).await;
    let _: u32 = platform(1).await;
    #[allow(deprecated)]
    deprecated(1).await;
}

fn main() {}
