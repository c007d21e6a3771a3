//! What the decorated function returns, as the generated call names it, and whether a read can
//! cache it.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Ident, ReturnType, Type};

/// What the function returns, as far as the generated call needs to name it.
pub(crate) enum Returns {
    /// Any other nameable type, `()` included.
    Plain(TokenStream),
    /// An `impl Trait` type, left to inference.
    Inferred,
}

impl Returns {
    pub(crate) fn of(output: &ReturnType) -> Returns {
        match output {
            ReturnType::Default => Returns::Plain(quote!(())),
            ReturnType::Type(_, ty) if contains_impl_trait(ty) => Returns::Inferred,
            ReturnType::Type(_, ty) => Returns::Plain(ty.to_token_stream()),
        }
    }

    /// The type, or `_` for inference.
    pub(crate) fn turbofish(&self) -> TokenStream {
        match self {
            Returns::Plain(ty) => ty.clone(),
            Returns::Inferred => quote!(_),
        }
    }
}

/// The return type of a `set` function: something to cache, and nameable.
pub(crate) fn cached_return(output: &ReturnType, name: &Ident) -> syn::Result<Returns> {
    let nothing = match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty()),
    };
    if nothing {
        return Err(syn::Error::new(
            if let ReturnType::Type(_, ty) = output {
                ty.span()
            } else {
                name.span()
            },
            format!(
                "`#[cache::set]` on `{name}` has nothing to cache: the function returns `()`; return the value to cache, or use `#[cache::delete]` to invalidate keys"
            ),
        ));
    }
    match Returns::of(output) {
        Returns::Inferred => Err(syn::Error::new(
            match output {
                ReturnType::Type(_, ty) => impl_trait_span(ty).unwrap_or_else(|| ty.span()),
                ReturnType::Default => output.span(),
            },
            format!(
                "`#[cache::set]` on `{name}` cannot cache an `impl Trait` return type: the cached value is decoded into it, so write the concrete type instead"
            ),
        )),
        returns => Ok(returns),
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    impl_trait_span(ty).is_some()
}

/// Where the first `impl Trait` inside `ty` is written.
fn impl_trait_span(ty: &Type) -> Option<Span> {
    struct Finder(Option<Span>);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, found: &'ast syn::TypeImplTrait) {
            self.0.get_or_insert(found.impl_token.span);
        }
    }
    let mut finder = Finder(None);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}
