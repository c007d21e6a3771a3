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

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::{LitStr, Path};

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
    /// `__private::marker()`. Every token is located at `at` (see [`At`]).
    pub(crate) fn items(&self, at: &At, arguments: TokenStream) -> TokenStream {
        let located = at.span;
        let literal = |text: &str| LitStr::new(text, located);
        let (message, label, note) = (
            literal(&self.message),
            literal(self.label),
            literal(self.note),
        );
        let name = Ident::new(self.name, located);
        let runtime = Ident::new(self.runtime, located);
        let krate = &at.krate;
        quote_spanned! {located=>
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait #name<M>: #krate::__private::#runtime {}
            #[diagnostic::do_not_recommend]
            impl<T: ?::core::marker::Sized + #krate::__private::#runtime, M> #name<M> for T {}
            #[allow(clippy::extra_unused_type_parameters)]
            fn __cache_check<T: ?::core::marker::Sized + #name<M>, M>(#arguments _: M) {}
        }
    }
}

/// Where generated tokens are reported: at the user's token `at`, their hygiene kept. Code
/// located there is written with `quote_spanned!(at.span=> ...)`, so an error about any of its
/// tokens is reported at that token. For key values and collections, the runtime's own bound is
/// checked at the same place, and rustc reports one error per place.
///
/// (Writing the tokens located saves a macro call a second pass over them, which in a debug
/// build of this crate cost about a third of its running time.)
pub(crate) struct At {
    /// Call-site hygiene, located at the user's token.
    pub span: Span,
    /// The runtime crate's path, located there too.
    pub krate: TokenStream,
}

impl At {
    pub(crate) fn new(at: Span, krate: &Path) -> At {
        At {
            span: Span::call_site().located_at(at),
            krate: located_at(krate.to_token_stream(), at),
        }
    }

    /// `tokens` (the user's own, or a generated name) moved to this place, their hygiene kept.
    pub(crate) fn relocate(&self, tokens: impl ToTokens) -> TokenStream {
        located_at(tokens.into_token_stream(), self.span)
    }

    /// The call of the check's `__cache_check` with `arguments` (each followed by a comma) and
    /// the marker; `turbofish` names its type (`::<T, _>`) when no argument gives it. It is only
    /// type-checked: behind `if false`, it compiles to no code (a closure never called would
    /// cost a build more).
    pub(crate) fn check_call(&self, turbofish: TokenStream, arguments: TokenStream) -> TokenStream {
        let krate = &self.krate;
        quote_spanned! {self.span=>
            if false {
                __cache_check #turbofish (#arguments #krate::__private::marker());
            }
        }
    }
}

/// `tokens` with every span located at `span`, their hygiene kept.
fn located_at(tokens: TokenStream, span: Span) -> TokenStream {
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
