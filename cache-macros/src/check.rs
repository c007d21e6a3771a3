//! Compile-time checks in the user's words. Each concern (a cached type, a key value, a
//! collection, a strict return type, a handle) is checked once, by a call of the runtime's
//! trait for it (`__private::check`), whose `#[diagnostic::on_unimplemented]` message says what
//! is missing, located at the user's token. The runtime's own bound then adds no second error:
//! either it fails on the same predicate at the same place (rustc reports one error per place
//! and predicate), or the runtime picks a strategy without that bound for a type the check
//! rejects (`__private::ViaNone`, `ViaNotStrict`).

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::Path;

/// One concern: the runtime's trait for it, in `__private::check`.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    /// The type a read stores.
    Cacheable,
    /// A placeholder's value.
    KeyPart,
    /// The collection of a `{name[..]}` placeholder.
    KeyCollection,
    /// What `cache = ...` names.
    HandleSource,
    /// The return type of a `strict` invalidation.
    StrictResult,
}

impl Check {
    fn name(self) -> &'static str {
        match self {
            Check::Cacheable => "Cacheable",
            Check::KeyPart => "KeyPart",
            Check::KeyCollection => "KeyCollection",
            Check::HandleSource => "HandleSource",
            Check::StrictResult => "StrictResult",
        }
    }
}

/// Where generated tokens are reported: at the user's token `at`, their hygiene kept. Code
/// located there is written with `quote_spanned!(at.span=> ...)`, so an error about any of its
/// tokens is reported at that token.
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

    /// The call of `check` with `arguments` (each followed by a comma) and the marker
    /// (`__private::marker()`, whose type cannot be written, so that rustc suggests no bound);
    /// `ty` names the checked type when no argument gives it. Behind `if false`, it is only
    /// type-checked and compiles to no code (a closure never called would cost a build more).
    pub(crate) fn check(
        &self,
        check: Check,
        ty: Option<TokenStream>,
        arguments: TokenStream,
    ) -> TokenStream {
        let krate = &self.krate;
        let name = Ident::new(check.name(), self.span);
        let check = match ty {
            Some(ty) => quote_spanned!(self.span=> <#ty as #krate::__private::check::#name<_>>),
            None => quote_spanned!(self.span=> #krate::__private::check::#name),
        };
        quote_spanned! {self.span=>
            if false {
                #check::check(#arguments #krate::__private::marker());
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
