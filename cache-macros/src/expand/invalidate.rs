//! An invalidation (`#[cache::delete]`, `#[cache::delete_by_pattern]`, stacked or alone): the
//! keys and patterns, built before the body runs, and the call of the runtime with the body.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;

use super::Generated;
use crate::check::{At, Check};
use crate::key::{ResolvedKey, each_element};
use crate::returns::Returns;

impl Generated {
    pub(super) fn invalidate(
        &self,
        keys: &[ResolvedKey],
        patterns: &[ResolvedKey],
        returns: &Returns,
        (strict, blocking): (bool, bool),
        span: Span,
        body: TokenStream,
    ) -> (TokenStream, TokenStream) {
        let Generated {
            krate,
            handle,
            function,
            ..
        } = self;
        let keys_ident = Ident::new("__cache_keys", Span::mixed_site());
        let patterns_ident = Ident::new("__cache_patterns", Span::mixed_site());
        let fill = |target: &Ident,
                    all: &[ResolvedKey],
                    build: &dyn Fn(&ResolvedKey) -> TokenStream| {
            let fixed = all.iter().filter(|key| key.each.is_none()).map(build);
            let each = all.iter().filter_map(|key| {
                let collection = key.each.as_ref()?;
                let element = each_element();
                let built = build(key);
                let at = At::new(key.format.span(), &self.krate);
                let (krate, collection) = (&at.krate, at.relocate(collection));
                let check = at.check(
                    Check::KeyCollection,
                    None,
                    quote_spanned!(at.span=> &#collection,),
                );
                let parts = quote_spanned!(at.span=> {
                    #check
                    #krate::__private::key_parts(&#collection)
                });
                // One key per element of the collection, in the same round trip as the others.
                Some(quote! {
                    for #element in #parts {
                        #target.push(#built);
                    }
                })
            });
            quote! {
                #[allow(unused_mut)]
                let mut #target: ::std::vec::Vec<::std::string::String> = ::std::vec![#(#fixed),*];
                #(#each)*
            }
        };
        let keys = fill(&keys_ident, keys, &|key| self.key(key));
        let patterns = fill(&patterns_ident, patterns, &|pattern| self.pattern(pattern));
        let ty = returns.turbofish();
        let runtime = match (strict, blocking) {
            (false, false) => quote!(invalidate),
            (true, false) => quote!(invalidate_strict),
            (false, true) => quote!(invalidate_blocking),
            (true, true) => quote!(invalidate_strict_blocking),
        };
        // Blocking: the runtime runs the body. Async: the steps depend on the return type only,
        // and meet the body in a struct literal (as a read's do).
        let (arguments, turbofish) = if blocking {
            (
                quote!((#handle, #function, #keys_ident, #patterns_ident, #body)),
                quote!(::<#ty, _>),
            )
        } else {
            (
                quote!((#handle, #function, #keys_ident, #patterns_ident)),
                quote!(::<#ty>),
            )
        };
        let run = |steps: TokenStream| {
            if blocking {
                steps
            } else {
                self.cached_call(steps, body.clone(), span)
            }
        };
        let call = match (strict, returns) {
            // A strict return type is checked once, at the return type. The strategy for a type the check rejects is `NotStrict`, whose call
            // adds no second error about it (see `__private::ViaStrict`).
            (true, Returns::Plain(_)) => {
                let at = At::new(span, krate);
                let check = at.check(
                    Check::StrictResult,
                    Some(at.relocate(&ty)),
                    TokenStream::new(),
                );
                let method = if blocking {
                    quote!(invalidate_blocking)
                } else {
                    quote!(invalidate)
                };
                let steps = quote_spanned! {span=>
                    ({
                        #[allow(unused_imports)]
                        use #krate::__private::{ViaNotStrict as _, ViaStrict as _};
                        (&&#krate::__private::Returns::<#ty>::new()).strict()
                    })
                    .#method #turbofish #arguments
                };
                let call = run(steps);
                quote_spanned! {span=> { #check #call } }
            }
            _ => run(quote_spanned! {span=> #krate::__private::#runtime #turbofish #arguments }),
        };
        (
            quote! {
                #keys
                #patterns
            },
            call,
        )
    }
}
