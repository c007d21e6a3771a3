//! The user's body as the runtime runs it, and, for a function that returns a future built in
//! its body (`#[async_trait]`'s shape), the future that now runs the cached call.

use proc_macro2::TokenStream;
use quote::{TokenStreamExt, quote};

use super::Generated;
use crate::function::Function;
use crate::returns::Returns;
use crate::shape::{Returned, Shape};

/// The user's body as the runtime runs it: an `async` block, or a closure for a blocking call.
pub(super) fn wrapped(shape: &Shape, function: &Function, returns: &Returns) -> TokenStream {
    match shape {
        Shape::Async => {
            let block = function.block_with(returned_type(returns));
            quote!(async move #block)
        }
        Shape::Blocking => {
            let block = function.block();
            quote!(move || #block)
        }
        Shape::Returned(returned) => {
            let mut block = TokenStream::new();
            returned.block.brace_token.surround(&mut block, |tokens| {
                tokens.extend(returned_type(returns));
                tokens.append_all(&returned.block.stmts);
            });
            let capture = returned.capture.then(|| quote!(move));
            quote!(async #capture #block)
        }
    }
}

/// A first statement that makes an `async` block return the declared type, so that the body's
/// value, and each `return`, is coerced to it as a function's is (`Box::new([id])` to
/// `Box<[u32]>`), where the block's output would otherwise be the value's own type. Never run,
/// only type-checked. A closure needs none: its return type comes from the runtime's
/// `FnOnce() -> R` bound. Nor does `()`, nor an `impl Trait` type, left to inference.
fn returned_type(returns: &Returns) -> Option<TokenStream> {
    match returns {
        Returns::Plain(ty) if !returns.is_unit() => Some(quote! {
            if false {
                return ::core::option::Option::<#ty>::None.unwrap();
            }
        }),
        _ => None,
    }
}

impl Generated {
    /// The future `returned` becomes: the cached `call` in an `async` block (pinned if the
    /// function pinned its own), which borrows the handle bound before it, if one is named.
    pub(super) fn returned_future(
        &self,
        returned: &Returned,
        named_handle: bool,
        call: TokenStream,
    ) -> TokenStream {
        let Generated {
            handle,
            handle_owned,
            ..
        } = self;
        let rebind = named_handle.then(|| quote!(let #handle = &#handle_owned;));
        let future = quote!(async move { #rebind #call });
        if returned.pinned {
            quote!(::std::boxed::Box::pin(#future))
        } else {
            future
        }
    }
}
