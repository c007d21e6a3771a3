//! The error accumulator: every problem found in one expansion, combined so that one build
//! shows them all, in source order, each naming the decorated function.

use syn::Ident;

/// Several `syn::Error`s, combined so that one build shows them all.
#[derive(Default)]
pub(crate) struct Errors {
    all: Vec<syn::Error>,
    /// The decorated function, which every message names.
    function: String,
}

impl Errors {
    pub(crate) fn on(function: &Ident) -> Errors {
        Errors {
            all: Vec::new(),
            function: syn::ext::IdentExt::unraw(function).to_string(),
        }
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.all.extend(error);
    }

    pub(crate) fn push_result<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// Every error, in source order, each naming the function.
    pub(crate) fn finish(self) -> syn::Result<()> {
        let mut all = self.all;
        all.sort_by_key(|error| {
            let start = error.span().start();
            (start.line, start.column)
        });
        let named = format!("`{}`", self.function);
        all.into_iter()
            .map(|error| {
                let message = error.to_string();
                if message.contains(&named) {
                    error
                } else {
                    syn::Error::new(error.span(), format!("{message} (on {named})"))
                }
            })
            .reduce(|mut all, error| {
                all.combine(error);
                all
            })
            .map_or(Ok(()), Err)
    }
}
