//! The attribute's arguments: key templates, then options (`ttl = "7d"`, `cache = self.cache`,
//! `crate = my_cache`, and the flag `strict`), each checked where it is written.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Path, Token};

use crate::errors::Errors;
use crate::suggest::closest;
use crate::ttl::parse_ttl;

/// Which attribute this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Set,
    Delete,
    DeleteByPattern,
}

impl Kind {
    pub(crate) fn from_name(name: &str) -> Option<Kind> {
        match name {
            "set" => Some(Kind::Set),
            "delete" => Some(Kind::Delete),
            "delete_by_pattern" => Some(Kind::DeleteByPattern),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Set => "set",
            Kind::Delete => "delete",
            Kind::DeleteByPattern => "delete_by_pattern",
        }
    }

    fn options(self) -> &'static [&'static str] {
        match self {
            Kind::Set => &["ttl", "cache", "crate"],
            Kind::Delete | Kind::DeleteByPattern => &["cache", "crate", "strict"],
        }
    }

    fn example(self) -> &'static str {
        match self {
            Kind::Set => "#[cache::set(\"service-{service_id}-templates\")]",
            Kind::Delete => "#[cache::delete(\"organisation-{org_id}-name\", \"organisations\")]",
            Kind::DeleteByPattern => {
                "#[cache::delete_by_pattern(\"service-{service_id}-template-*\")]"
            }
        }
    }
}

/// One parsed attribute.
pub(crate) struct Args {
    pub kind: Kind,
    /// Where the attribute is, for errors about it as a whole.
    pub span: Span,
    pub keys: Vec<LitStr>,
    /// The TTL in whole seconds, already checked.
    pub ttl: Option<u64>,
    pub cache: Option<Expr>,
    pub krate: Option<Path>,
    /// Where `strict` is written, if it is: invalidate before the body too, failing the call
    /// if that fails.
    pub strict: Option<Span>,
    /// Whether a key was written but rejected (not a string literal), already reported.
    rejected_key: bool,
}

impl Args {
    /// Parses the tokens inside the attribute's parentheses. Every problem found is pushed to
    /// `errors`, so a single build reports them all; the arguments that did parse are returned
    /// even then, so that their key templates can still be checked against the function.
    pub(crate) fn parse(
        kind: Kind,
        span: Span,
        tokens: TokenStream,
        errors: &mut Errors,
    ) -> Option<Args> {
        let mut args = Args {
            kind,
            span,
            keys: Vec::new(),
            ttl: None,
            cache: None,
            krate: None,
            strict: None,
            rejected_key: false,
        };
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                if let Err(error) = args.parse_one(input, errors) {
                    errors.push(error);
                    skip_to_comma(input);
                }
                if !input.is_empty()
                    && let Err(error) = input.parse::<Token![,]>()
                {
                    errors.push(error);
                    skip_to_comma(input);
                    let _ = input.parse::<Option<Token![,]>>();
                }
            }
            Ok(())
        };
        let parsed = parser.parse2(tokens);
        errors.push_result(parsed)?;
        // A key written wrongly (`42`, `service_id`) has been reported already.
        if args.keys.is_empty() && !args.rejected_key {
            let what = if kind == Kind::DeleteByPattern {
                "pattern"
            } else {
                "key"
            };
            errors.push(syn::Error::new(
                span,
                format!(
                    "`#[cache::{}]` needs a {what} template string, e.g. `{}`",
                    kind.name(),
                    kind.example()
                ),
            ));
        }
        if kind == Kind::Set && args.keys.len() > 1 {
            errors.push(syn::Error::new(
                args.keys[1].span(),
                "`#[cache::set]` takes exactly one key template: a value is stored under one key",
            ));
        }
        Some(args)
    }

    fn parse_one(&mut self, input: ParseStream, errors: &mut Errors) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            self.keys.push(input.parse()?);
            return Ok(());
        }
        if input.peek(syn::Lit) {
            let literal: syn::Lit = input.parse()?;
            self.rejected_key = true;
            return Err(syn::Error::new(
                literal.span(),
                format!(
                    "key templates are string literals: write `\"...\"`, e.g. `{}`",
                    self.kind.example()
                ),
            ));
        }
        let name = if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            Ident::new("crate", token.span)
        } else if input.peek(Ident) {
            input.parse::<Ident>()?
        } else {
            self.rejected_key = true;
            return Err(lookahead.error());
        };
        if name == "strict" && !input.peek(Token![=]) {
            if self.kind == Kind::Set {
                return Err(syn::Error::new(
                    name.span(),
                    "`strict` is an option of `#[cache::delete]` and `#[cache::delete_by_pattern]`: it makes a write fail when the cache cannot be cleared first; a read has nothing to clear",
                ));
            }
            if self.strict.replace(name.span()).is_some() {
                errors.push(syn::Error::new(
                    name.span(),
                    "option `strict` is given more than once",
                ));
            }
            return Ok(());
        }
        if !input.peek(Token![=]) {
            self.rejected_key = true;
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "expected a key template string or an option (`name = value`), found `{name}`; \
                     to use an argument in the key, write it inside the string: `\"...{{{name}}}...\"`"
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let option = name.to_string();
        if option == "strict" && self.kind != Kind::Set {
            let _ = input.parse::<Expr>();
            return Err(syn::Error::new(
                name.span(),
                "`strict` is a flag: write `strict` alone, e.g. `#[cache::delete(\"organisations\", strict)]`",
            ));
        }
        if !self.kind.options().contains(&option.as_str()) {
            // Consume the value so parsing can go on and report later problems too.
            let _ = input.parse::<Expr>();
            return Err(self.unknown_option(&name));
        }
        let repeated = |what: &str| {
            syn::Error::new(
                name.span(),
                format!("option `{what}` is given more than once"),
            )
        };
        match option.as_str() {
            "ttl" => {
                let text = match input.parse::<Expr>()? {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }) => text,
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(number),
                        ..
                    }) => {
                        return Err(syn::Error::new(
                            number.span(),
                            format!(
                                "`ttl` takes a duration string with a unit: write `ttl = \"{}s\"` for {} seconds",
                                number.base10_digits(),
                                number.base10_digits()
                            ),
                        ));
                    }
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "`ttl` takes a duration string, e.g. `ttl = \"24h\"`; it is checked at compile time, so it cannot be computed",
                        ));
                    }
                };
                if self.ttl.is_some() {
                    errors.push(repeated("ttl"));
                }
                match parse_ttl(&text.value()) {
                    Ok(seconds) => self.ttl = Some(seconds),
                    Err(message) => errors.push(syn::Error::new(text.span(), message)),
                }
            }
            "cache" => {
                let expr: Expr = input.parse()?;
                if self.cache.replace(expr).is_some() {
                    errors.push(repeated("cache"));
                }
            }
            _ => {
                let path = if input.peek(LitStr) {
                    input.parse::<LitStr>()?.parse::<Path>()?
                } else {
                    input.call(Path::parse_mod_style)?
                };
                if self.krate.replace(path).is_some() {
                    errors.push(repeated("crate"));
                }
            }
        }
        Ok(())
    }

    fn unknown_option(&self, name: &Ident) -> syn::Error {
        let option = name.to_string();
        let options = self.kind.options();
        let list = options
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut message = if option == "ttl" {
            format!(
                "`ttl` is not an option of `#[cache::{}]`: TTLs belong to `#[cache::set]`",
                self.kind.name()
            )
        } else {
            format!(
                "unknown option `{option}` for `#[cache::{}]`",
                self.kind.name()
            )
        };
        message.push_str(&format!("; expected one of {list}"));
        if let Some(suggestion) = closest(&option, options.iter().copied()) {
            message.push_str(&format!(" (did you mean `{suggestion}`?)"));
        }
        syn::Error::new(name.span(), message)
    }
}

fn skip_to_comma(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _ = input.parse::<proc_macro2::TokenTree>();
    }
}

/// The attribute's own span, for errors about the attribute as a whole.
pub(crate) fn whole_span(tokens: &TokenStream) -> Span {
    if tokens.is_empty() {
        Span::call_site()
    } else {
        tokens.span()
    }
}
