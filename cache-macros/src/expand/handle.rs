//! The statement that binds the handle a call uses: the process-wide one, or the one
//! `cache = ...` names, checked to be a cache handle and held as the form of the call allows
//! (see `thin`).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::Generated;
use crate::check::{At, Check};
use crate::thin::Held;

impl Generated {
    /// Binds the handle, held by the call as `held` says.
    pub(super) fn handle_statement(&self, source: Option<&Expr>, held: Held) -> TokenStream {
        let Generated {
            krate,
            handle,
            handle_owned,
            ..
        } = self;
        match source {
            Some(expr) => {
                let at = At::new(expr.span(), krate);
                let source = at.relocate(Ident::new("__cache_source", Span::mixed_site()));
                let (bound, take, rebind) = if held != Held::Cloned {
                    (handle, "handle_ref", None)
                } else {
                    (
                        handle_owned,
                        "handle",
                        Some(quote!(let #handle = &#handle_owned;)),
                    )
                };
                let bound = at.relocate(bound);
                let take = Ident::new(take, at.span);
                let check = at.check(
                    Check::HandleSource,
                    None,
                    quote_spanned!(at.span=> #source,),
                );
                let krate = &at.krate;
                // A reference argument is copied, so the handle lives as long as its referent;
                // anything else is taken by reference where it is (then borrowed, or cloned).
                // The expression keeps its own spans: an error inside it (a misspelt field) is
                // reported, and fixed by rustc's suggestion, at the token it is about.
                let source_value = match held {
                    Held::Copied => quote_spanned!(at.span=> #expr),
                    _ => quote_spanned!(at.span=> &(#expr)),
                };
                let statement = quote_spanned! {at.span=>
                    let #bound = {
                        let #source = #source_value;
                        #check
                        #krate::__private::#take(#source)
                    };
                };
                quote!(#statement #rebind)
            }
            None => quote! {
                let #handle = #krate::__private::global();
            },
        }
    }
}
