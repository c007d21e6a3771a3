//! The expressions that build keys and patterns at run time, from their resolved templates,
//! with the check of each placeholder's value.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Generated;
use crate::check::{At, Check};
use crate::key::ResolvedKey;

impl Generated {
    pub(super) fn key(&self, key: &ResolvedKey) -> TokenStream {
        let Generated { krate, handle, .. } = self;
        let ResolvedKey { format, values, .. } = key;
        // Only a key with placeholders has values to check.
        let key = |values: &[TokenStream]| {
            let values = values.iter().map(|value| self.key_part(value));
            quote!(#krate::__private::key(#handle, ::core::format_args!(#format #(, #values)*)))
        };
        self.checked_keys(values, key)
    }

    /// `build(values)`, in a block with the traits that write its placeholders' values (see
    /// [`key_part`](Self::key_part)); alone when there are none.
    pub(super) fn checked_keys(
        &self,
        values: &[TokenStream],
        build: impl Fn(&[TokenStream]) -> TokenStream,
    ) -> TokenStream {
        let built = build(values);
        if values.is_empty() {
            return built;
        }
        let krate = &self.krate;
        // The traits that choose how each value is written (see `key_part`), once per key.
        quote!({
            #[allow(unused_imports)]
            use #krate::__private::{KeyDisplay as _, KeyStr as _};
            #built
        })
    }

    /// One placeholder's value as it goes into a key: a string that reads as a UUID
    /// lower-case (Notify's rule), anything else by its `Display` (see `__private::KeyArg`).
    /// Spanned at the value, so that one that is not `Display` is reported where it is written.
    pub(super) fn key_part(&self, value: &TokenStream) -> TokenStream {
        // Located, not spanned, at the value: its own tokens keep their hygiene.
        let at = At::new(value.span(), &self.krate);
        let krate = &at.krate;
        let value = at.relocate(value);
        let check = at.check(Check::KeyPart, None, quote_spanned!(at.span=> &#value,));
        quote_spanned! {at.span=>
            {
                #check
                (&#krate::__private::KeyArg(&#value)).key_part()
            }
        }
    }

    pub(super) fn pattern(&self, pattern: &ResolvedKey) -> TokenStream {
        let Generated { krate, handle, .. } = self;
        let ResolvedKey { format, values, .. } = pattern;
        let pattern = |values: &[TokenStream]| {
            // Spanned at each value, so that one that is not `Display` is reported where it is
            // written.
            let values = values.iter().map(|value| {
                let part = self.key_part(value);
                quote_spanned!(value.span()=> #krate::__private::GlobEscaped::new(&#part))
            });
            quote! {
                #krate::__private::pattern(
                    #handle,
                    ::core::format_args!(#format #(, #values)*),
                )
            }
        };
        self.checked_keys(values, pattern)
    }
}
