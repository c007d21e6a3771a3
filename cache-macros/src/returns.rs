//! What the decorated function returns, as the generated call names it, and whether a read can
//! cache it.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{GenericArgument, Ident, PathArguments, ReturnType, Type, TypeReference};

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

    /// Whether this is `()`.
    pub(crate) fn is_unit(&self) -> bool {
        matches!(self, Returns::Plain(ty) if ty.to_string() == "()")
    }

    /// The type, or `_` for inference.
    pub(crate) fn turbofish(&self) -> TokenStream {
        match self {
            Returns::Plain(ty) => ty.clone(),
            Returns::Inferred => quote!(_),
        }
    }
}

/// The return type of a `set` function: something to cache, owned, and nameable.
pub(crate) fn cached_return(output: &ReturnType, name: &Ident) -> syn::Result<Returns> {
    let ty = match output {
        ReturnType::Default => return Err(nothing_to_cache(name.span(), name, "")),
        ReturnType::Type(_, ty) => &**ty,
    };
    if is_unit(ty) {
        return Err(nothing_to_cache(ty.span(), name, ""));
    }
    // A `Result` caches its `Ok` value only.
    let cached = match ok_type(ty) {
        Some(ok) if is_unit(ok) => {
            return Err(nothing_to_cache(
                ok.span(),
                name,
                " when it succeeds (`Ok(())`)",
            ));
        }
        Some(ok) => ok,
        None => ty,
    };
    if let Some(reference) = first_reference(cached) {
        let owned = owned(&reference.elem);
        return Err(syn::Error::new(
            reference.and_token.span,
            format!(
                "`#[cache::set]` on `{name}` cannot cache a borrowed value (`{}`): a hit decodes the value from JSON into a new one, which borrows from nothing, so a cached value must be owned; return `{owned}` instead",
                written(reference),
            ),
        ));
    }
    match Returns::of(output) {
        Returns::Inferred => Err(syn::Error::new(
            impl_trait_span(ty).unwrap_or_else(|| ty.span()),
            format!(
                "`#[cache::set]` on `{name}` cannot cache an `impl Trait` return type: the cached value is decoded into it, so write the concrete type instead"
            ),
        )),
        returns => Ok(returns),
    }
}

/// The error for a read of `()`; `when` qualifies "returns `()`".
fn nothing_to_cache(span: Span, name: &Ident, when: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`#[cache::set]` on `{name}` has nothing to cache: the function returns `()`{when}; return the value to cache, or use `#[cache::delete]` to invalidate keys"
        ),
    )
}

fn is_unit(ty: &Type) -> bool {
    matches!(strip(ty), Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// `T` in a type spelled `Result<T, ..>` (`std::result::Result`, `io::Result<T>`, an alias of
/// one's own): as far as the macro can tell, what is cached of it. The runtime decides by the
/// type itself; this is only for messages about what a read would store.
fn ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = strip(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The first reference written inside `ty`, outside function pointers and trait objects (which
/// cannot be cached anyway, and whose references are their arguments').
fn first_reference(ty: &Type) -> Option<&TypeReference> {
    struct Finder<'ast>(Option<&'ast TypeReference>);
    impl<'ast> Visit<'ast> for Finder<'ast> {
        fn visit_type_reference(&mut self, found: &'ast TypeReference) {
            self.0.get_or_insert(found);
        }
        fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
        fn visit_type_trait_object(&mut self, _: &'ast syn::TypeTraitObject) {}
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {}
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}

/// The owned counterpart of a borrowed `elem`, for the message: `String` for `str`, `Vec<T>`
/// for `[T]`, `PathBuf` for `Path`, else `elem` itself.
fn owned(elem: &Type) -> String {
    match strip(elem) {
        Type::Slice(slice) => format!("Vec<{}>", written(&slice.elem)),
        Type::Path(path) if path.qself.is_none() => {
            let last = path
                .path
                .segments
                .last()
                .map(|segment| segment.ident.to_string());
            match last.as_deref() {
                Some("str") => "String".to_owned(),
                Some("Path") => "PathBuf".to_owned(),
                Some("OsStr") => "OsString".to_owned(),
                Some("CStr") => "CString".to_owned(),
                _ => written(elem),
            }
        }
        _ => written(elem),
    }
}

/// A type as it would be written, for messages: `&'a [u8]`, not `& 'a [u8]`.
fn written(ty: &impl ToTokens) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (spaced, tight) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ::", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        text = text.replace(spaced, tight);
    }
    text
}

fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => strip(&inner.elem),
        Type::Group(inner) => strip(&inner.elem),
        other => other,
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

#[cfg(test)]
mod tests {
    use syn::{Ident, ReturnType, parse_quote};

    use super::cached_return;

    fn error(output: ReturnType) -> Option<String> {
        let name: Ident = parse_quote!(get);
        cached_return(&output, &name)
            .err()
            .map(|error| error.to_string())
    }

    #[test]
    fn nothing_to_cache() {
        for output in [
            parse_quote!(),
            parse_quote!(-> ()),
            parse_quote!(-> Result<(), ApiError>),
            parse_quote!(-> std::io::Result<()>),
        ] {
            let message = error(output).expect("an error");
            assert!(message.contains("has nothing to cache"), "{message}");
        }
        assert!(
            error(parse_quote!(-> Result<(), ApiError>))
                .unwrap()
                .contains("`Ok(())`")
        );
    }

    #[test]
    fn a_cached_value_is_owned() {
        let message = error(parse_quote!(-> &'a str)).unwrap();
        assert!(message.contains("(`&'a str`)"), "{message}");
        assert!(message.contains("return `String` instead"), "{message}");
        let message = error(parse_quote!(-> Result<Vec<&[u8]>, ApiError>)).unwrap();
        assert!(message.contains("(`&[u8]`)"), "{message}");
        assert!(message.contains("return `Vec<u8>` instead"), "{message}");
        assert!(error(parse_quote!(-> Option<Vec<&str>>)).is_some());
    }

    #[test]
    fn accepts_owned_values() {
        for output in [
            parse_quote!(-> Vec<u8>),
            parse_quote!(-> Result<String, &'static str>),
            parse_quote!(-> Box<[u32]>),
            parse_quote!(-> std::borrow::Cow<'static, str>),
            parse_quote!(-> Option<Box<dyn Fn(&str) -> u8>>),
        ] {
            assert_eq!(error(output), None);
        }
    }
}
