//! Attribute macros for the `cache` toolkit. Use them through the `cache` crate (package
//! `cache-runtime`), which re-exports them with full documentation and examples:
//! `#[cache::set]`, `#[cache::delete]` and `#[cache::delete_by_pattern]`.
//!
//! The expansion is split the way thiserror's is: `attr` parses the attribute's arguments,
//! `template` parses key templates, `signature` and `valid` check each key against the function.
//! `expand` drives them: it gathers stacked attributes, makes the checks that concern the whole
//! function (`async`, `set` with `delete` or twice, one `cache = ...`, a return type that can be
//! cached), and then generates the code.
//!
//! The generated code calls the runtime's `__private` items, which may change in any release:
//! `cache-runtime` depends on exactly this crate's version (`=`), so the two always match.

mod attr;
mod check;
mod expand;
mod function;
mod shape;
mod signature;
mod suggest;
mod template;
mod thin;
mod ttl;
mod valid;

use proc_macro::TokenStream;

use crate::attr::Kind;

/// Reads through the cache: on a hit returns the stored value without running the body; on a
/// miss runs the body and stores its value. See the `cache` crate for the full reference.
#[proc_macro_attribute]
pub fn set(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Set, args.into(), item.into()).into()
}

/// Invalidates keys after the body runs, whether it returned `Ok` or `Err`. See the `cache`
/// crate for the full reference.
#[proc_macro_attribute]
pub fn delete(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Delete, args.into(), item.into()).into()
}

/// Invalidates every key matching a glob after the body runs; argument values are glob-escaped.
/// See the `cache` crate for the full reference.
#[proc_macro_attribute]
pub fn delete_by_pattern(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::DeleteByPattern, args.into(), item.into()).into()
}
