//! Compile-time checks in the user's words. Each concern (a cached type, a key value, a
//! collection, a strict return type, a handle) is checked once, by a trait declared in the
//! generated code whose `#[diagnostic::on_unimplemented]` message names the function. The
//! trait extends the runtime's own bound, and the check is located where the runtime call is:
//! rustc then reports the check alone, as the runtime's error at the same place is implied by it.

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
    /// The trait, and a function `__cache_check` whose only bound is it: `arguments` is its
    /// parameter list (`_: &T` for a value, empty for a named type).
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
            fn __cache_marker() -> impl ::core::marker::Sized {}
            #[allow(clippy::extra_unused_type_parameters)]
            fn __cache_check<T: ?::core::marker::Sized + #name<M>, M>(#arguments _: M) {}
        }
    }
}

/// `tokens` with every span located at `span` (their hygiene kept): an error about any of them
/// is then reported at the user's token `span` points to, and errors there are deduplicated.
pub(crate) fn located_at(tokens: TokenStream, span: Span) -> TokenStream {
    map_spans(tokens, &|token| token.located_at(span))
}

/// The user's `tokens` (a type) as if the macro had written them at `span`: an error about them
/// in the generated call is then at the place, and in the context, of its check. They resolve
/// as the user's do: the macro's own tokens are call-site.
pub(crate) fn relocated(tokens: TokenStream, span: Span) -> TokenStream {
    let located = Span::call_site().located_at(span);
    map_spans(tokens, &|_| located)
}

fn map_spans(tokens: TokenStream, span: &dyn Fn(Span) -> Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut mapped = Group::new(group.delimiter(), map_spans(group.stream(), span));
                mapped.set_span(span(group.span()));
                TokenTree::Group(mapped)
            }
            mut token => {
                token.set_span(span(token.span()));
                token
            }
        })
        .collect()
}
