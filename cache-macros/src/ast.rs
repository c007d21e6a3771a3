//! The input, parsed into typed parts: the decorated function, every attribute of ours on it
//! (the one being expanded and those stacked with it, which are expanded together so that all
//! their keys go in one round trip), and how the function runs. Nothing here is checked
//! against anything else: that is `valid`'s job.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, LitStr};

use crate::attr::{Args, Kind, whole_span};
use crate::errors::Errors;
use crate::function::Function;
use crate::shape::Shape;

/// One expansion's input.
pub(crate) struct Input<'a> {
    /// The attribute being expanded.
    pub kind: Kind,
    /// The function, our attributes taken out of it.
    pub function: &'a Function,
    /// Our attributes that parsed, the one being expanded first.
    pub attributes: Vec<Args>,
    pub shape: Shape,
    /// An `#[async_trait]` written below ours on the function, taken out of it: it would
    /// reject a lone method with an error of its own.
    pub async_trait: Option<Span>,
}

impl<'a> Input<'a> {
    /// Takes our attributes out of `function` and parses them, every problem going to
    /// `errors`. Fails at once only if the body of a plain `fn` cannot be parsed.
    pub(crate) fn parse(
        kind: Kind,
        args: TokenStream,
        function: &'a mut Function,
        errors: &mut Errors,
    ) -> syn::Result<Input<'a>> {
        let own = Args::parse(kind, whole_span(&args), args, errors);
        let crate_name = own
            .as_ref()
            .and_then(|args| args.krate.as_ref())
            .and_then(|path| path.segments.last())
            .map_or_else(|| "cache".to_owned(), |segment| segment.ident.to_string());
        let mut attributes: Vec<Args> = own.into_iter().collect();
        let mut kept = Vec::with_capacity(function.attrs.len());
        let mut async_trait = None;
        for attribute in std::mem::take(&mut function.attrs) {
            match sibling_kind(&attribute, &crate_name) {
                Some(kind) => attributes.extend(stacked(kind, &attribute, errors)),
                None if is_async_trait(&attribute) => async_trait = Some(name_span(&attribute)),
                None => kept.push(attribute),
            }
        }
        function.attrs = kept;
        let function: &'a Function = function;
        Ok(Input {
            kind,
            function,
            attributes,
            shape: Shape::of(function)?,
            async_trait,
        })
    }

    /// Every key template, as written.
    pub(crate) fn templates(&self) -> impl Iterator<Item = &LitStr> {
        self.attributes.iter().flat_map(|args| &args.keys)
    }

    /// The `#[cache::set]` among the attributes, if there is one.
    pub(crate) fn set(&self) -> Option<&Args> {
        self.attributes.iter().find(|args| args.kind == Kind::Set)
    }
}

/// Whether `attribute` is one of ours (`cache::set`, `cache::delete`, `cache::delete_by_pattern`).
fn sibling_kind(attribute: &Attribute, crate_name: &str) -> Option<Kind> {
    let segments = &attribute.path().segments;
    if segments.len() != 2 || segments[0].ident != crate_name {
        return None;
    }
    Kind::from_name(&segments[1].ident.to_string())
}

/// A stacked attribute of ours, parsed.
fn stacked(kind: Kind, attribute: &Attribute, errors: &mut Errors) -> Option<Args> {
    let tokens = match &attribute.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    Args::parse(kind, name_span(attribute), tokens, errors)
}

/// `#[async_trait]` or `#[async_trait::async_trait]`, with or without arguments.
fn is_async_trait(attribute: &Attribute) -> bool {
    attribute
        .path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "async_trait")
}

/// Where an attribute is, for errors about it: `attribute.span()` would cover only its `#` on
/// stable Rust, so its last path segment (`delete` in `#[cache::delete(...)]`).
fn name_span(attribute: &Attribute) -> Span {
    attribute
        .path()
        .segments
        .last()
        .map_or_else(|| attribute.span(), |segment| segment.ident.span())
}

/// The error for an attribute on something that is not a function with a body.
pub(crate) fn not_a_function(kind: Kind, item: &TokenStream) -> syn::Error {
    let message = match syn::parse2::<syn::TraitItemFn>(item.clone()) {
        Ok(declaration) if declaration.default.is_none() => format!(
            "`#[cache::{}]` needs a function body: put it on the `async fn` in the `impl` block, not on the trait's declaration",
            kind.name()
        ),
        _ => format!(
            "`#[cache::{}]` can only be applied to a function (`async fn` or `fn`){}",
            kind.name(),
            item_name(item).map_or_else(String::new, |(what, name)| format!(
                ", not to the {what} `{name}`"
            )),
        ),
    };
    syn::Error::new(whole_span(item), message)
}

/// What a non-function item is, and its name, for the message.
fn item_name(item: &TokenStream) -> Option<(&'static str, String)> {
    let (what, name) = match syn::parse2::<syn::Item>(item.clone()).ok()? {
        syn::Item::Struct(item) => ("struct", item.ident),
        syn::Item::Enum(item) => ("enum", item.ident),
        syn::Item::Const(item) => ("constant", item.ident),
        syn::Item::Static(item) => ("static", item.ident),
        syn::Item::Trait(item) => ("trait", item.ident),
        syn::Item::Mod(item) => ("module", item.ident),
        syn::Item::Type(item) => ("type alias", item.ident),
        syn::Item::Union(item) => ("union", item.ident),
        _ => return None,
    };
    Some((what, name.to_string()))
}
