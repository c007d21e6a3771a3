//! A read through the cache (`#[cache::set]`): the key, the strategy chosen by the return
//! type, and the call of the runtime with the body.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;

use super::Generated;
use crate::check::{At, Check};
use crate::key::ResolvedKey;
use crate::returns::Returns;

impl Generated {
    /// The call of `steps` with `body`, awaited unless it is the thin form's value.
    pub(super) fn cached_call(
        &self,
        steps: TokenStream,
        body: TokenStream,
        span: Span,
    ) -> TokenStream {
        let krate = &self.krate;
        let call =
            quote_spanned!(span=> #krate::__private::CachedCall { steps: #steps, body: #body });
        if self.awaits {
            quote_spanned!(span=> #call.await)
        } else {
            call
        }
    }

    /// The statements before the call, and the call of the runtime with `body`.
    pub(super) fn read_through(
        &self,
        key: &ResolvedKey,
        ttl: Option<u64>,
        returns: &Returns,
        blocking: bool,
        span: Span,
        body: TokenStream,
    ) -> (TokenStream, TokenStream) {
        let Generated {
            krate,
            handle,
            function,
            ..
        } = self;
        let key_ident = Ident::new("__cache_key", Span::mixed_site());
        let key = self.key(key);
        let ttl = match ttl {
            Some(seconds) => quote!(#krate::__private::ttl_seconds(#seconds)),
            None => quote!(::core::option::Option::None),
        };
        let ty = returns.turbofish();
        // One check of the cached type, at the return type. The strategy for a type that cannot be cached is `NotCached`, whose call adds no second
        // error about it (see `__private::ViaNone`).
        let at = At::new(span, krate);
        let check = {
            let (krate, ty) = (&at.krate, at.relocate(&ty));
            at.check(
                Check::Cacheable,
                None,
                quote_spanned!(at.span=> (&#krate::__private::Returns::<#ty>::new()).stored(),),
            )
        };
        // The type decides (see `__private::Returns`), not its name: `std::result::Result`
        // under any alias (`io::Result<T>`, `ApiResult<T>`) caches only `Ok` values, and a type
        // of the user's own called `Result` is cached whole, like any other type. With the
        // strategy: whether single-flight followers may get a clone of an `Err` (see
        // `__private::Sharing`), and whether a near-cache hit clones the value decoded once
        // (see `__private::Reuse`). All in one block, under one `use` of the traits that choose.
        let strategy = Ident::new("__cache_strategy", Span::mixed_site());
        let typed = Ident::new("__cache_typed", Span::mixed_site());
        let prelude = quote! {
            let #key_ident = #key;
            let (#strategy, #typed) = {
                #[allow(unused_imports)]
                use #krate::__private::{
                    ReuseNone as _, ReuseOk as _, ReuseWhole as _, ShareClone as _, ShareNone as _,
                    StoresOk as _, StoresWhole as _, ViaNone as _, ViaPlain as _, ViaResult as _,
                };
                #check
                (
                    (&&&#krate::__private::Returns::<#ty>::new()).strategy(),
                    (
                        (&#krate::__private::Returns::<#ty>::new()).sharing(),
                        (&&&#krate::__private::Returns::<#ty>::new()).reuse(),
                    ),
                )
            };
        };
        // How followers and near hits get a value without decoding, as one argument.
        let arguments = quote!(#handle, #function, #key_ident, #ttl, #typed);
        let call = if blocking {
            quote_spanned!(span=> #strategy.read_through_blocking::<#ty, _>(#arguments, #body))
        } else {
            // The steps depend on the return type only; the body meets them in a struct literal,
            // so nothing generic over the body's type is compiled but `CachedCall`'s `poll`.
            let steps = quote_spanned!(span=> #strategy.read_through::<#ty>(#arguments));
            self.cached_call(steps, body, span)
        };
        (prelude, call)
    }
}
