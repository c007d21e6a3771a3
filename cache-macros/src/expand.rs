//! Code generation, and the expansion that drives it: the input is parsed (`ast`), checked
//! (`valid`), and only then generated, here and in `expand/`. The decorated function keeps its
//! signature (an `async fn` may become a plain `fn` returning its future, see `thin`); its body
//! is wrapped in a call to the runtime (`read_through` or `invalidate`), with the key built
//! before the body runs.

mod body;
mod handle;
mod invalidate;
mod key;
mod read;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path};

use crate::ast::{Input, not_a_function};
use crate::attr::Kind;
use crate::errors::Errors;
use crate::function::Function;
use crate::shape::Shape;
use crate::thin::{self, Held};
use crate::valid::{self, Operation, Plan};

/// Expands one attribute. On error the function is emitted unchanged (minus our attributes) next
/// to the errors, so the rest of the crate still type-checks and only our errors are reported.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut function = match syn::parse2::<Function>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = not_a_function(kind, &item).to_compile_error();
            return quote!(#error #item);
        }
    };
    match try_expand(kind, args, &mut function) {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #function)
        }
    }
}

/// Parse, check, generate.
fn try_expand(kind: Kind, args: TokenStream, function: &mut Function) -> syn::Result<TokenStream> {
    let mut errors = Errors::on(&function.sig.ident);
    let input = Input::parse(kind, args, function, &mut errors)?;
    let plan = valid::check(&input, &mut errors);
    errors.finish()?;
    match plan {
        Some(plan) => Ok(generate(input, plan)),
        // Unreachable in practice (a read without a usable key has been reported), but a macro
        // must answer with an error, never a panic.
        None => Err(syn::Error::new(
            Span::call_site(),
            "`#[cache::set]` needs a key template",
        )),
    }
}

/// The function, its body wrapped in the call `plan` describes.
fn generate(input: Input, plan: Plan) -> TokenStream {
    let templates: Vec<String> = input.templates().map(LitStr::value).collect();
    let Input {
        function,
        mut shape,
        ..
    } = input;
    if let Shape::Returned(returned) = &mut shape {
        returned.allow_unused_rebindings(|name| {
            templates.iter().any(|template| template.contains(name))
        });
    }
    // `module::function`, a `&'static str` built at compile time, for spans and metrics.
    let function_name = syn::ext::IdentExt::unraw(&function.sig.ident).to_string();
    let reads = matches!(plan.operation, Operation::Read { .. });
    // See `thin`: an `async fn` becomes a `fn` returning the cached call, where it can.
    let form = match shape {
        Shape::Async => thin::form(function, plan.handle.as_ref(), reads),
        _ => None,
    };
    let (krate, import) = runtime_path(plan.krate.as_ref());
    let generated = Generated {
        krate,
        handle: Ident::new("__cache", Span::mixed_site()),
        handle_owned: Ident::new("__cache_owned", Span::mixed_site()),
        function: quote!(::core::concat!(::core::module_path!(), "::", #function_name)),
        awaits: form.is_none(),
    };
    let handle_statement =
        generated.handle_statement(plan.handle.as_ref(), form.unwrap_or(Held::Cloned));
    // The runtime call is spanned at the return type: an error about the type (not cacheable,
    // not a strict `Result`) is then one error, there, not one per generated token.
    let span = plan.returns_span;
    let blocking = matches!(shape, Shape::Blocking);
    let body = body::wrapped(&shape, function, &plan.returns);
    let (prelude, call) = match &plan.operation {
        Operation::Read { key, ttl } => {
            generated.read_through(key, *ttl, &plan.returns, blocking, span, body)
        }
        Operation::Invalidate {
            keys,
            patterns,
            strict,
        } => generated.invalidate(
            keys,
            patterns,
            &plan.returns,
            (*strict, blocking),
            span,
            body,
        ),
    };
    let body = match &shape {
        Shape::Async | Shape::Blocking => quote!(#handle_statement #prelude #call),
        // The key is built now, from the arguments; the call runs inside the returned future.
        Shape::Returned(returned) => {
            let future = generated.returned_future(returned, plan.handle.is_some(), call);
            let before = &returned.before;
            quote!(#handle_statement #prelude #(#before)* #future)
        }
    };
    let Function {
        attrs,
        vis,
        sig,
        inner,
        ..
    } = function;
    let sig = if form.is_some() {
        thin::signature(sig)
    } else {
        sig.to_token_stream()
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner)*
            #import
            #body
        }
    }
}

/// The runtime's path in generated code, and the import that a `crate = ...` path needs: it is
/// imported once, so that a path that names nothing is one error, at the path, rather than one
/// per use.
fn runtime_path(written: Option<&Path>) -> (Path, Option<TokenStream>) {
    match written {
        Some(path) => {
            // All of it at the path, where the error for a path that names nothing belongs.
            let alias = Ident::new("__cache_crate", path.span());
            let import = quote_spanned!(path.span()=> use #path as #alias;);
            (alias.into(), Some(import))
        }
        None => (syn::parse_quote!(::cache), None),
    }
}

/// Names used by the generated code. Locals are `mixed_site`, so they can never collide with
/// (or shadow) the user's arguments, whatever they are called.
struct Generated {
    krate: Path,
    handle: Ident,
    handle_owned: Ident,
    /// The decorated function's name, `module::function`.
    function: TokenStream,
    /// Whether the generated body awaits the cached call (in an `async fn` or a returned
    /// `async` block), or returns it (the thin form, see `thin`).
    awaits: bool,
}
