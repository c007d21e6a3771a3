//! What a placeholder can name: the function's arguments, and `self`.

use syn::{FnArg, Ident, Pat, Signature, Token};

/// The names a key template may use.
pub(crate) struct Arguments {
    /// The `self` token of the receiver, if the function has one.
    pub receiver: Option<Token![self]>,
    /// Arguments bound to a plain name (`id: Uuid`, `mut name: String`).
    pub named: Vec<Ident>,
    /// Names bound inside a destructuring pattern, with the pattern as written.
    pub destructured: Vec<(Ident, String)>,
}

impl Arguments {
    pub(crate) fn of(signature: &Signature) -> Arguments {
        let mut arguments = Arguments {
            receiver: None,
            named: Vec::new(),
            destructured: Vec::new(),
        };
        for input in &signature.inputs {
            match input {
                FnArg::Receiver(receiver) => arguments.receiver = Some(receiver.self_token),
                FnArg::Typed(typed) => match &*typed.pat {
                    Pat::Ident(binding) => arguments.named.push(binding.ident.clone()),
                    pattern => {
                        let written = quote::ToTokens::to_token_stream(pattern).to_string();
                        let mut names = Vec::new();
                        bound_names(pattern, &mut names);
                        arguments
                            .destructured
                            .extend(names.into_iter().map(|name| (name, written.clone())));
                    }
                },
            }
        }
        arguments
    }

    pub(crate) fn find(&self, name: &str) -> Option<&Ident> {
        self.named.iter().find(|ident| ident_is(ident, name))
    }

    pub(crate) fn find_destructured(&self, name: &str) -> Option<&str> {
        self.destructured
            .iter()
            .find(|(ident, _)| ident_is(ident, name))
            .map(|(_, pattern)| pattern.as_str())
    }
}

fn ident_is(ident: &Ident, name: &str) -> bool {
    let ident = ident.to_string();
    ident.strip_prefix("r#").unwrap_or(&ident) == name.strip_prefix("r#").unwrap_or(name)
}

/// Every name a pattern binds.
fn bound_names(pattern: &Pat, names: &mut Vec<Ident>) {
    match pattern {
        Pat::Ident(binding) => {
            names.push(binding.ident.clone());
            if let Some((_, sub)) = &binding.subpat {
                bound_names(sub, names);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| bound_names(p, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| bound_names(p, names)),
        Pat::Struct(structure) => structure
            .fields
            .iter()
            .for_each(|f| bound_names(&f.pat, names)),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| bound_names(p, names)),
        Pat::Reference(reference) => bound_names(&reference.pat, names),
        Pat::Paren(paren) => bound_names(&paren.pat, names),
        Pat::Type(typed) => bound_names(&typed.pat, names),
        Pat::Or(or) => or.cases.iter().for_each(|p| bound_names(p, names)),
        _ => {}
    }
}
