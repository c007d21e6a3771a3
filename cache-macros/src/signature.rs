//! What a placeholder can name: the function's arguments, and `self`.

use syn::{FnArg, Ident, Pat, Signature, Token};

/// The names a key template may use.
pub(crate) struct Arguments {
    /// The `self` token of the receiver, if the function has one.
    pub receiver: Option<Token![self]>,
    /// Arguments bound to a plain name (`id: Uuid`, `mut name: String`).
    pub named: Vec<Ident>,
    /// Names bound inside a destructuring pattern.
    pub destructured: Vec<Destructured>,
}

/// A name bound inside a destructuring argument pattern, e.g. `a` in `(a, b): (u32, u32)`.
pub(crate) struct Destructured {
    pub name: Ident,
    /// The whole pattern, as written.
    pub pattern: String,
    /// The argument's type, as written.
    pub ty: String,
    /// Where the name sits in the argument (`.0`, `.org.id`), if that is a plain field path.
    pub path: Option<String>,
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
                        let ty = quote::ToTokens::to_token_stream(&typed.ty).to_string();
                        let mut names = Vec::new();
                        bound_names(pattern, Some(String::new()), &mut names);
                        arguments
                            .destructured
                            .extend(names.into_iter().map(|(name, path)| Destructured {
                                name,
                                pattern: written.clone(),
                                ty: ty.clone(),
                                path,
                            }));
                    }
                },
            }
        }
        arguments
    }

    pub(crate) fn find(&self, name: &str) -> Option<&Ident> {
        self.named.iter().find(|ident| ident_is(ident, name))
    }

    pub(crate) fn find_destructured(&self, name: &str) -> Option<&Destructured> {
        self.destructured
            .iter()
            .find(|destructured| ident_is(&destructured.name, name))
    }
}

fn ident_is(ident: &Ident, name: &str) -> bool {
    let ident = ident.to_string();
    ident.strip_prefix("r#").unwrap_or(&ident) == name.strip_prefix("r#").unwrap_or(name)
}

/// Every name a pattern binds, with its field path inside the pattern (`path` is the path to
/// `pattern` itself, or `None` once it is not a plain field path).
fn bound_names(pattern: &Pat, path: Option<String>, names: &mut Vec<(Ident, Option<String>)>) {
    let field = |name: &dyn std::fmt::Display| path.as_ref().map(|path| format!("{path}.{name}"));
    match pattern {
        Pat::Ident(binding) => {
            names.push((binding.ident.clone(), path.clone()));
            if let Some((_, sub)) = &binding.subpat {
                bound_names(sub, path.clone(), names);
            }
        }
        Pat::Tuple(tuple) => {
            let rest = tuple.elems.iter().any(|p| matches!(p, Pat::Rest(_)));
            for (index, element) in tuple.elems.iter().enumerate() {
                let path = if rest { None } else { field(&index) };
                bound_names(element, path, names);
            }
        }
        Pat::TupleStruct(tuple) => {
            let rest = tuple.elems.iter().any(|p| matches!(p, Pat::Rest(_)));
            for (index, element) in tuple.elems.iter().enumerate() {
                let path = if rest { None } else { field(&index) };
                bound_names(element, path, names);
            }
        }
        Pat::Struct(structure) => structure.fields.iter().for_each(|f| {
            let member = quote::ToTokens::to_token_stream(&f.member).to_string();
            bound_names(&f.pat, field(&member), names);
        }),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| bound_names(p, None, names)),
        Pat::Reference(reference) => bound_names(&reference.pat, path, names),
        Pat::Paren(paren) => bound_names(&paren.pat, path, names),
        Pat::Type(typed) => bound_names(&typed.pat, path, names),
        Pat::Or(or) => or.cases.iter().for_each(|p| bound_names(p, None, names)),
        _ => {}
    }
}
