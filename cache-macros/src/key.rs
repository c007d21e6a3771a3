//! Key templates resolved against the function they decorate: each placeholder checked against
//! the arguments and turned into the expression it stands for, ready for `format_args!`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, Index, LitStr, Member, Token};

use crate::attr::Kind;
use crate::errors::Errors;
use crate::signature::Arguments;
use crate::suggest::closest;
use crate::template::{self, Placeholder, Segment};

/// A template ready for `format_args!`: a format string with one `{}` per placeholder, and the
/// expression to display for each.
pub(crate) struct ResolvedKey {
    pub format: LitStr,
    pub values: Vec<TokenStream>,
    /// For `{ids[..]}`: the collection, whose element is the value named [`each_element`].
    pub each: Option<TokenStream>,
}

/// The element of a `{ids[..]}` collection, in generated code.
pub(crate) fn each_element() -> Ident {
    Ident::new("__cache_each", Span::mixed_site())
}

/// Resolves `literal` against the function's arguments, or records why it cannot be.
pub(crate) fn resolve(
    literal: &LitStr,
    kind: Kind,
    function: &Ident,
    arguments: &Arguments,
    errors: &mut Errors,
) -> Option<ResolvedKey> {
    let names: Vec<String> = arguments.named.iter().map(ToString::to_string).collect();
    let (segments, messages) = template::parse(&literal.value(), &names);
    let mut ok = messages.is_empty();
    for message in messages {
        errors.push(syn::Error::new(
            literal.span(),
            format!("`#[cache::{}]` on `{function}`: {message}", kind.name()),
        ));
    }
    // The well-formed placeholders of a malformed template are checked too, so that one build
    // reports every problem.
    let mut format = String::new();
    let mut values = Vec::new();
    let mut each = None;
    for segment in segments {
        match segment {
            Segment::Text(text) => format.push_str(&text.replace('{', "{{").replace('}', "}}")),
            Segment::Placeholder(placeholder) => {
                let collection = placeholder.each.then(|| {
                    let message = if kind == Kind::Set {
                        Some(format!(
                            "`#[cache::set]` on `{function}` stores one value under one key: `{}` makes a key per element, for `#[cache::delete]` and `#[cache::delete_by_pattern]`",
                            placeholder.written
                        ))
                    } else if each.is_some() {
                        Some(format!(
                            "`#[cache::{}]` on `{function}`: one `[..]` placeholder per key template; write another template for the other collection",
                            kind.name()
                        ))
                    } else {
                        None
                    };
                    message.map(|message| syn::Error::new(literal.span(), message))
                });
                if let Some(Some(error)) = collection {
                    errors.push(error);
                    ok = false;
                    continue;
                }
                match value_of(&placeholder, literal.span(), kind, function, arguments) {
                    Ok(value) if placeholder.each => {
                        format.push_str("{}");
                        each = Some(value);
                        // Located at the template: an element that is not `Display` is reported there.
                        let element = Ident::new(
                            "__cache_each",
                            Span::mixed_site().located_at(literal.span()),
                        );
                        // By value: checked and written as an argument of the element type is.
                        values.push(quote_spanned!(literal.span()=> (*#element)));
                    }
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
        each,
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
        let root = if placeholder.fields.is_empty() && !placeholder.each {
            ident.clone()
        } else {
            let mut root = ident.clone();
            root.set_span(span);
            root
        };
        return Ok(quote!(#root #(.#fields)*));
    }
    if let Some(destructured) = arguments.find_destructured(&placeholder.root) {
        let binding = binding_name(&destructured.ty);
        let fix = match &destructured.path {
            Some(path) => format!(
                "write the argument as `{binding}: {}` and the placeholder as `{}`",
                destructured.ty,
                rewritten(written, &format!("{binding}{path}"))
            ),
            None => format!(
                "bind the argument to a name (e.g. `{binding}: {}`) and read its fields in the key",
                destructured.ty
            ),
        };
        return Err(syn::Error::new(
            span,
            format!(
                "{context}: placeholder `{written}` names `{}`, which is bound by the pattern `{}`; \
                 placeholders name whole arguments: {fix}",
                placeholder.root, destructured.pattern
            ),
        ));
    }
    let names: Vec<String> = arguments.named.iter().map(ToString::to_string).collect();
    let mut message =
        format!("{context}: placeholder `{written}` is not an argument of `{function}`; ");
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match (names.is_empty(), arguments.receiver.is_some()) {
        (true, false) => message.push_str(&format!("`{function}` has no arguments")),
        (true, true) => message.push_str(&format!("`{function}` has no arguments besides `self`")),
        (false, _) => message.push_str(&format!("its arguments are {list}")),
    }
    let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    if arguments.receiver.is_some() {
        candidates.push("self");
    }
    if let Some(suggestion) = closest(&placeholder.root, candidates) {
        let suggestion = if suggestion == "self" && placeholder.fields.is_empty() {
            "self.field".to_owned()
        } else {
            suggestion.to_owned()
        };
        message.push_str(&format!(
            "; did you mean `{}`?",
            rewritten(written, &suggestion)
        ));
    } else if arguments.receiver.is_some() {
        message.push_str(&format!(
            "; if `{}` is a field of `self`, write `{}`",
            placeholder.root,
            rewritten(written, &format!("self.{}", placeholder.root))
        ));
    }
    Err(syn::Error::new(span, message))
}

/// `written` (`{servce_id.name}`, `{service_idz[..]}`) with its root replaced by `root`,
/// delimiters, fields and a collection's `[..]` kept.
fn rewritten(written: &str, root: &str) -> String {
    let mut chars = written.chars();
    let (open, close) = (chars.next(), chars.next_back());
    let inner = chars.as_str().trim();
    let (path, each) = match inner.strip_suffix("[..]") {
        Some(path) => (path.trim_end(), "[..]"),
        None => (inner, ""),
    };
    let fields = path.find('.').map_or("", |dot| &path[dot..]);
    let mut text = String::new();
    text.extend(open);
    text.push_str(root);
    text.push_str(fields);
    text.push_str(each);
    text.extend(close);
    text
}

/// A name to suggest for an argument of type `ty`: `org` for `Org`, `arg` otherwise.
fn binding_name(ty: &str) -> String {
    let last = ty.rsplit("::").next().unwrap_or_default().trim();
    if last.is_empty() || !last.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return "arg".to_owned();
    }
    let mut name = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                name.push('_');
            }
            name.extend(c.to_lowercase());
        } else {
            name.push(c);
        }
    }
    if syn::parse_str::<Ident>(&name).is_ok() {
        name
    } else {
        "arg".to_owned()
    }
}

/// A field at the template's place, resolved as the macro's: rustc still reports an unknown
/// field there, but makes no suggestion that would replace the whole template string.
fn respan_member(member: Member, span: Span) -> Member {
    let span = span.resolved_at(Span::mixed_site());
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

#[cfg(test)]
mod tests {
    use super::rewritten;

    #[test]
    fn suggestions_keep_delimiters_fields_and_collections() {
        assert_eq!(rewritten("{servce_id}", "service_id"), "{service_id}");
        assert_eq!(rewritten("<org.name>", "org"), "<org.name>");
        assert_eq!(rewritten("{ servce.id }", "service"), "{service.id}");
        assert_eq!(
            rewritten("{service_idz[..]}", "service_ids"),
            "{service_ids[..]}"
        );
        assert_eq!(rewritten("{orgz.ids [..]}", "org"), "{org.ids[..]}");
    }
}
