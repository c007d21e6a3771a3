//! The decorated function, parsed only as far as the macro reads it: its attributes, visibility
//! and signature, with the body kept as the tokens it was written in. An `async fn`'s body is
//! only wrapped, never read, and parsing it costs in proportion to its length (a tenth of the
//! macro's running time on a one-line body; `tracing-attributes` reads its functions the same
//! way). The body is parsed only
//! for a plain `fn`, which may return a future built in its body (see `shape`).

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Block, Signature, Visibility, braced, token};

/// A function item: attributes, visibility, signature, and its body as tokens.
pub(crate) struct Function {
    /// The outer attributes, ours included until `expand` takes them out.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    /// The body's inner attributes (`#![allow(unused)]`), which go back at its start.
    pub inner: Vec<Attribute>,
    brace: token::Brace,
    /// The body's statements, as written.
    statements: TokenStream,
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        let brace = braced!(content in input);
        let inner = content.call(Attribute::parse_inner)?;
        let statements = content.parse()?;
        Ok(Function {
            attrs,
            vis,
            sig,
            inner,
            brace,
            statements,
        })
    }
}

impl Function {
    /// The body, without its inner attributes: `{ statements }`, in its own braces.
    pub(crate) fn block(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.brace
            .surround(&mut tokens, |tokens| self.statements.to_tokens(tokens));
        tokens
    }

    /// The body with `first` before its statements, in its own braces.
    pub(crate) fn block_with(&self, first: Option<TokenStream>) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.brace.surround(&mut tokens, |tokens| {
            tokens.extend(first);
            self.statements.to_tokens(tokens);
        });
        tokens
    }

    /// The body, parsed.
    pub(crate) fn parsed_block(&self) -> syn::Result<Block> {
        syn::parse2(self.block())
    }
}

impl ToTokens for Function {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.attrs.iter().map(ToTokens::to_token_stream));
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.brace.surround(tokens, |tokens| {
            tokens.extend(self.inner.iter().map(ToTokens::to_token_stream));
            self.statements.to_tokens(tokens);
        });
    }
}
