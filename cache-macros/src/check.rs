//! Compile-time checks in the user's words. Each concern (a cached type, a key value, a
//! collection, a strict return type, a handle) is checked once, by a trait declared in the
//! generated code whose `#[diagnostic::on_unimplemented]` message names the function, located
//! at the user's token. The runtime's own bound then adds no second error: either it is checked
//! at the same place (rustc reports one error per place when one implies the other: the local
//! trait extends the runtime's), or the runtime picks a strategy without that bound for a type
//! the check rejects (`__private::ViaNone`, `ViaNotStrict`).
//!
//! The trait is local because its message must name the function. It takes a marker type that
//! cannot be written (`__private::marker`'s `impl Sized`): rustc then suggests no `where` bound
//! on it, which the user could not write outside the generated code.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::Path;

/// One concern: the local trait's name (shown in rustc's help line, so it reads as what is
/// missing), the runtime trait it extends, and the message.
pub(crate) struct Check<'a> {
    pub name: &'a str,
    pub runtime: &'a str,
    pub message: String,
    pub label: &'a str,
    pub note: &'a str,
}

impl Check<'_> {
    /// The trait, and a function `__cache_check` whose only bound is it: `arguments` are its
    /// first parameters (`_: &T,` for a value, none for a named type); the last is the marker,
    /// `__cache_marker()`.
    pub(crate) fn items(&self, krate: &Path, arguments: TokenStream) -> TokenStream {
        let Check {
            message,
            label,
            note,
            ..
        } = self;
        let name = format_ident!("{}", self.name);
        let runtime = format_ident!("{}", self.runtime);
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait #name<M>: #krate::__private::#runtime {}
            #[diagnostic::do_not_recommend]
            impl<T: ?::core::marker::Sized + #krate::__private::#runtime, M> #name<M> for T {}
            use #krate::__private::marker as __cache_marker;
            #[allow(clippy::extra_unused_type_parameters)]
            fn __cache_check<T: ?::core::marker::Sized + #name<M>, M>(#arguments _: M) {}
        }
    }
}

/// `tokens` with every span located at `span`, their hygiene kept: an error about any of them
/// is reported at the user's token `span` points to. For key values and collections, the
/// runtime's own bound is checked at the same place, and rustc reports one error per place.
pub(crate) fn located_at(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut located = Group::new(group.delimiter(), located_at(group.stream(), span));
                located.set_span(group.span().located_at(span));
                TokenTree::Group(located)
            }
            mut token => {
                token.set_span(token.span().located_at(span));
                token
            }
        })
        .collect()
}
