//! Checks a key template against the function it decorates and turns it into `format_args!` input.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, Index, LitStr, Member, Token};

use crate::attr::{Errors, Kind};
use crate::signature::Arguments;
use crate::suggest::closest;
use crate::template::{self, Placeholder, Segment};

/// A template ready for `format_args!`: a format string with one `{}` per placeholder, and the
/// expression to display for each.
pub(crate) struct ResolvedKey {
    pub format: LitStr,
    pub values: Vec<TokenStream>,
}

/// Resolves `literal` against the function's arguments, or records why it cannot be.
pub(crate) fn resolve(
    literal: &LitStr,
    kind: Kind,
    function: &Ident,
    arguments: &Arguments,
    errors: &mut Errors,
) -> Option<ResolvedKey> {
    let segments = match template::parse(&literal.value()) {
        Ok(segments) => segments,
        Err(messages) => {
            for message in messages {
                errors.push(syn::Error::new(
                    literal.span(),
                    format!("`#[cache::{}]` on `{function}`: {message}", kind.name()),
                ));
            }
            return None;
        }
    };
    let mut format = String::new();
    let mut values = Vec::new();
    let mut ok = true;
    for segment in segments {
        match segment {
            Segment::Text(text) => format.push_str(&text.replace('{', "{{").replace('}', "}}")),
            Segment::Placeholder(placeholder) => {
                match value_of(&placeholder, literal.span(), kind, function, arguments) {
                    Ok(value) => {
                        format.push_str("{}");
                        values.push(value);
                    }
                    Err(error) => {
                        errors.push(error);
                        ok = false;
                    }
                }
            }
        }
    }
    ok.then(|| ResolvedKey {
        format: LitStr::new(&format, literal.span()),
        values,
    })
}

/// The expression a placeholder stands for: `service_id`, `org.id`, `self.region`.
fn value_of(
    placeholder: &Placeholder,
    span: Span,
    kind: Kind,
    function: &Ident,
    arguments: &Arguments,
) -> syn::Result<TokenStream> {
    let context = format!("`#[cache::{}]` on `{function}`", kind.name());
    let written = &placeholder.written;
    let mut fields = Vec::new();
    for field in &placeholder.fields {
        let member = syn::parse_str::<Member>(field).map_err(|_| {
            syn::Error::new(
                span,
                format!("{context}: `{field}` in placeholder `{written}` is not a field name"),
            )
        })?;
        fields.push(respan_member(member, span));
    }
    if placeholder.root == "self" {
        if arguments.receiver.is_none() {
            return Err(syn::Error::new(
                span,
                format!(
                    "{context}: placeholder `{written}` reads `self`, but `{function}` has no `self` receiver"
                ),
            ));
        }
        let self_token = Token![self](span);
        return Ok(quote!(#self_token #(.#fields)*));
    }
    if let Some(ident) = arguments.find(&placeholder.root) {
        // A bare argument keeps the span of its declaration, so a type that is not `Display` is
        // reported at the argument; a field path is reported at the template.
        let root = if placeholder.fields.is_empty() {
            ident.clone()
        } else {
            let mut root = ident.clone();
            root.set_span(span);
            root
        };
        return Ok(quote!(#root #(.#fields)*));
    }
    if let Some(pattern) = arguments.find_destructured(&placeholder.root) {
        return Err(syn::Error::new(
            span,
            format!(
                "{context}: placeholder `{written}` names `{}`, which is bound by the pattern `{pattern}`; \
                 placeholders name whole arguments: bind the argument to a name (e.g. `pair: (u32, u32)`) \
                 and use a field path (e.g. `{{pair.0}}`)",
                placeholder.root
            ),
        ));
    }
    let names: Vec<String> = arguments.named.iter().map(ToString::to_string).collect();
    let mut message =
        format!("{context}: placeholder `{written}` is not an argument of `{function}`; ");
    if names.is_empty() {
        message.push_str(&format!("`{function}` has no named arguments"));
    } else {
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        message.push_str(&format!("its arguments are {list}"));
    }
    if arguments.receiver.is_some() {
        message.push_str(" (and `self`, whose fields are written `{self.field}`)");
    }
    let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    if arguments.receiver.is_some() {
        candidates.push("self");
    }
    if let Some(suggestion) = closest(&placeholder.root, candidates) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    }
    Err(syn::Error::new(span, message))
}

fn respan_member(member: Member, span: Span) -> Member {
    match member {
        Member::Named(mut ident) => {
            ident.set_span(span);
            Member::Named(ident)
        }
        Member::Unnamed(index) => Member::Unnamed(Index {
            index: index.index,
            span,
        }),
    }
}
