//! Every check of the input against itself, separate from code generation: what the caller
//! gets (a future must name its `Output`), attributes that cannot go together (`set` with
//! `delete`, `set` twice, different `cache = ...`), each key template against the arguments
//! (see `key`), and, for a read, a return type that can be cached. What passes becomes a
//! [`Plan`], the typed form `expand` generates from.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Path, ReturnType};

use crate::ast::Input;
use crate::attr::{Args, Kind};
use crate::errors::Errors;
use crate::key::{ResolvedKey, resolve};
use crate::returns::{Returns, cached_return};
use crate::shape::Shape;
use crate::signature::Arguments;

/// What to generate, every check passed.
pub(crate) struct Plan {
    /// The runtime crate's path, if `crate = ...` names it.
    pub krate: Option<Path>,
    /// The `cache = ...` expression, if there is one.
    pub handle: Option<Expr>,
    pub returns: Returns,
    /// Where the runtime call is spanned: the return type (or the name, with none).
    pub returns_span: Span,
    pub operation: Operation,
}

/// What the call does around the body.
pub(crate) enum Operation {
    /// `#[cache::set]`: read through the cache.
    Read {
        key: ResolvedKey,
        /// In whole seconds.
        ttl: Option<u64>,
    },
    /// `#[cache::delete]` and `#[cache::delete_by_pattern]`, stacked or alone.
    Invalidate {
        keys: Vec<ResolvedKey>,
        patterns: Vec<ResolvedKey>,
        strict: bool,
    },
}

/// Checks `input`, recording every problem in `errors`; the plan, if nothing stands in its way.
pub(crate) fn check(input: &Input, errors: &mut Errors) -> Option<Plan> {
    let function = input.function;
    let name = &function.sig.ident;
    async_trait_below(input, errors);
    let output = caller_output(input, errors);
    exclusive(&input.attributes, name, errors);
    let handle = handle_source(&input.attributes, errors);
    let krate = input.attributes.iter().find_map(|args| args.krate.clone());
    let arguments = Arguments::of(&function.sig);
    let mut keys = Vec::new();
    let mut patterns = Vec::new();
    for args in &input.attributes {
        for literal in &args.keys {
            if let Some(key) = resolve(literal, args.kind, name, &arguments, errors) {
                match args.kind {
                    Kind::DeleteByPattern => patterns.push(key),
                    _ => keys.push(key),
                }
            }
        }
    }
    let set = input.set();
    let returns = match set {
        Some(_) => output
            .as_ref()
            .and_then(|output| errors.push_result(cached_return(output, name))),
        None => output.as_ref().map(Returns::of),
    };
    let returns_span = match &output {
        Some(ReturnType::Type(_, ty)) => ty.span(),
        _ => name.span(),
    };
    let operation = match set {
        Some(set) => Operation::Read {
            key: keys.into_iter().next()?,
            ttl: set.ttl,
        },
        None => Operation::Invalidate {
            keys,
            patterns,
            strict: input.attributes.iter().any(|args| args.strict.is_some()),
        },
    };
    Some(Plan {
        krate,
        handle,
        returns: returns.unwrap_or(Returns::Inferred),
        returns_span,
        operation,
    })
}

/// What the caller gets: the return type, or the output of the future it returns (`None` when
/// that is not written, which a read cannot do without).
fn caller_output(input: &Input, errors: &mut Errors) -> Option<ReturnType> {
    let sig = &input.function.sig;
    let Shape::Returned(returned) = &input.shape else {
        return Some(sig.output.clone());
    };
    match &returned.output {
        Some(output) => Some(ReturnType::Type(
            Default::default(),
            Box::new(output.clone()),
        )),
        None if input.kind == Kind::Set => {
            let name = &sig.ident;
            errors.push(syn::Error::new(
                sig.output.span(),
                format!(
                    "`#[cache::set]` on `{name}`: the function returns a future, but its return type does not name the future's `Output`; write `async fn {name}`, or return `impl Future<Output = T>`"
                ),
            ));
            None
        }
        None => Some(sig.output.clone()),
    }
}

/// `#[async_trait]` rewrites a whole `impl` block (or trait), never one method: written on the
/// method, below ours, it would fail with an error of its own after ours had expanded.
fn async_trait_below(input: &Input, errors: &mut Errors) {
    let Some(span) = input.async_trait else {
        return;
    };
    let name = &input.function.sig.ident;
    let ours = input.kind.name();
    let fix = match input.shape {
        // What `#[async_trait]` leaves: the `impl` block has it already.
        Shape::Returned(_) => format!(
            "the `impl` block's `#[async_trait]` has rewritten `{name}` already: remove this one, and keep `#[cache::{ours}]` on the method"
        ),
        _ => format!(
            "put `#[async_trait]` above the `impl` block (and the trait), and keep `#[cache::{ours}]` on the method, below it"
        ),
    };
    errors.push(syn::Error::new(
        span,
        format!(
            "`#[async_trait]` below `#[cache::{ours}]` on `{name}`: `#[async_trait]` goes on the `impl` block, not on a method; {fix}"
        ),
    ));
}

/// A function either reads through the cache or invalidates it, and stores under one key.
fn exclusive(all: &[Args], name: &syn::Ident, errors: &mut Errors) {
    let sets = all.iter().filter(|args| args.kind == Kind::Set).count();
    if sets > 0 && sets < all.len() {
        let other = all
            .iter()
            .find(|args| args.kind != Kind::Set)
            .map_or("delete", |args| args.kind.name());
        // `all[1]` is a stacked attribute, whose span is its name.
        errors.push(syn::Error::new(
            all[1].span,
            format!(
                "`#[cache::set]` and `#[cache::{other}]` on the same function `{name}`: a function either reads through the cache or invalidates it; split it in two"
            ),
        ));
    } else if sets > 1 {
        errors.push(syn::Error::new(
            all[1].span,
            format!("`#[cache::set]` is given more than once on `{name}`: a value is stored under one key"),
        ));
    }
}

/// The `cache = ...` expression, which stacked attributes must agree on.
fn handle_source(all: &[Args], errors: &mut Errors) -> Option<Expr> {
    let mut chosen: Option<&Expr> = None;
    for args in all {
        let Some(expr) = &args.cache else { continue };
        match chosen {
            None => chosen = Some(expr),
            Some(first)
                if first.to_token_stream().to_string() != expr.to_token_stream().to_string() =>
            {
                errors.push(syn::Error::new(
                    expr.span(),
                    format!(
                        "stacked cache attributes name different caches (`{}` and `{}`); they must use the same `cache = ...`, which may be written on just one of them",
                        first.to_token_stream(),
                        expr.to_token_stream()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    chosen.cloned()
}
