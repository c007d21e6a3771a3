//! The thin form of an annotated `async fn`: a plain `fn` whose value is the cached call itself,
//! `CachedCall { steps, body }`, with the body the only `async` block. An `async fn` wrapping
//! that call would be a second state machine around the first, and proving it `Send` costs a
//! crate's build about as much again as the body's; the thin form costs what a plain `async fn`
//! does, plus the call's `poll`.
//!
//! The function's callers see no difference. The `impl Future` return type is written here,
//! in this crate's edition (2024), so it captures every lifetime and type parameter in scope,
//! as the `async fn` did, in a crate of any edition (even a hidden `Cow<str>` lifetime, which a
//! macro could not name). Its auto traits (`Send`) are seen through, as an `async fn`'s are. The
//! call's span and metrics begin at the first poll, as in the `async fn`; only the key is built
//! when the function is called.
//!
//! The `async fn` is kept where the thin form could change what compiles:
//! - another attribute macro follows ours (`#[tracing::instrument]` below `#[cache::set]`): it
//!   expects the `async fn` as written;
//! - a read's handle is neither the global one, a field of `&self`, nor an argument that is a
//!   shared reference (`cache: &Cache`, copied): the read borrows its handle, and a handle from
//!   any other expression (`self` by value, a local, an owned argument) could not be borrowed
//!   by a future that outlives the call.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Expr, FnArg, Pat, ReturnType, Signature, Type};

use crate::function::Function;

/// How a call holds the handle named by `cache = ...`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// A clone, which lets the body move whatever the handle came from (the `async fn` form,
    /// and calls whose steps do not borrow the handle).
    Cloned,
    /// Borrowed where it is, a field of `&self`, for as long as the future.
    Borrowed,
    /// Copied: the handle is an argument that is a shared reference.
    Copied,
}

/// Whether `function`, an `async fn`, can take the thin form, and if so how its call holds its
/// handle. `handle` is its `cache = ...` expression; `borrows_handle`: its steps borrow the
/// handle (a read).
pub(crate) fn form(
    function: &Function,
    handle: Option<&Expr>,
    borrows_handle: bool,
) -> Option<Held> {
    if !function.attrs.iter().all(is_inert) {
        return None;
    }
    match handle {
        Some(expr) if borrows_handle => {
            if is_shared_reference_argument(expr, &function.sig) {
                Some(Held::Copied)
            } else if is_field_of_shared_self(expr) && has_shared_receiver(&function.sig) {
                Some(Held::Borrowed)
            } else {
                None
            }
        }
        // The global handle, or steps that hold a clone.
        _ => Some(Held::Cloned),
    }
}

/// `sig` of an `async fn`, as a plain `fn` returning `impl Future` of its output. Written as
/// tokens, not as a `Signature` with a parsed return type: parsing it back cost about a tenth of
/// the macro's running time.
pub(crate) fn signature(sig: &Signature) -> TokenStream {
    let Signature {
        constness,
        unsafety,
        abi,
        fn_token,
        ident,
        generics,
        paren_token,
        inputs,
        variadic,
        output,
        ..
    } = sig;
    let output = match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    let mut arguments = TokenStream::new();
    paren_token.surround(&mut arguments, |tokens| {
        inputs.to_tokens(tokens);
        variadic.to_tokens(tokens);
    });
    let where_clause = &generics.where_clause;
    quote! {
        #constness #unsafety #abi #fn_token #ident #generics #arguments
            -> impl ::core::future::Future<Output = #output> #where_clause
    }
}

/// An attribute that no macro reads: the compiler's own lints and hints, docs, tool attributes.
fn is_inert(attribute: &syn::Attribute) -> bool {
    const BUILTIN: &[&str] = &[
        "allow",
        "cfg",
        "cold",
        "deny",
        "deprecated",
        "doc",
        "expect",
        "forbid",
        "inline",
        "must_use",
        "warn",
    ];
    const TOOLS: &[&str] = &["clippy", "rustfmt", "rustdoc", "diagnostic"];
    let segments = &attribute.path().segments;
    let first = segments.first().map(|segment| segment.ident.to_string());
    match (segments.len(), first.as_deref()) {
        (1, Some(name)) => BUILTIN.contains(&name),
        (_, Some(tool)) => TOOLS.contains(&tool),
        _ => false,
    }
}

/// `self.a.b`: a place the future may borrow for as long as `self`.
fn is_field_of_shared_self(expr: &Expr) -> bool {
    match expr {
        Expr::Field(field) => match &*field.base {
            Expr::Path(path) => path.qself.is_none() && path.path.is_ident("self"),
            base => is_field_of_shared_self(base),
        },
        Expr::Paren(inner) => is_field_of_shared_self(&inner.expr),
        _ => false,
    }
}

/// `cache` where the function takes `cache: &T`: a reference the future may copy and keep for
/// as long as its referent lives.
fn is_shared_reference_argument(expr: &Expr, sig: &Signature) -> bool {
    let Expr::Path(path) = expr else {
        return false;
    };
    let Some(name) = path.path.get_ident().filter(|_| path.qself.is_none()) else {
        return false;
    };
    sig.inputs.iter().any(|input| {
        let FnArg::Typed(typed) = input else {
            return false;
        };
        let named = match &*typed.pat {
            Pat::Ident(binding) => {
                binding.ident == *name && binding.by_ref.is_none() && binding.subpat.is_none()
            }
            _ => false,
        };
        named && matches!(&*typed.ty, Type::Reference(reference) if reference.mutability.is_none())
    })
}

/// `&self`, `&'a self` or `self: &Self`.
fn has_shared_receiver(sig: &Signature) -> bool {
    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => {
            matches!(&*receiver.ty, Type::Reference(reference) if reference.mutability.is_none())
        }
        _ => false,
    }
}
