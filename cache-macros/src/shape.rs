//! How the decorated function runs: a real `async fn`, a function that returns a future built
//! in its body (what `#[async_trait]` leaves, recognised as `tracing-attributes` does), or a
//! blocking function.

use syn::{Block, Expr, ExprAsync, ExprCall, GenericArgument, Pat, PathArguments, Stmt};
use syn::{ReturnType, Type, TypeParamBound};

use crate::function::Function;

/// The decorated function's shape.
pub(crate) enum Shape {
    /// `async fn`: the body is an async block.
    Async,
    /// A plain `fn` whose last expression is `async move { ... }`, maybe inside `Box::pin(...)`
    /// (`#[async_trait]`'s expansion); the cached call is wrapped around that block.
    Returned(Box<Returned>),
    /// A plain `fn`: the body runs on the caller's thread.
    Blocking,
}

/// The future a function returns, found in its body.
pub(crate) struct Returned {
    /// The statements before it.
    pub before: Vec<Stmt>,
    /// The async block's own block, and whether it was `move`.
    pub block: Block,
    pub capture: bool,
    /// Whether it was wrapped in `Box::pin(...)`.
    pub pinned: bool,
    /// The future's `Output`, from the return type (`Pin<Box<dyn Future<Output = R> ...>>` or
    /// `impl Future<Output = R>`), if it names one.
    pub output: Option<Type>,
}

impl Returned {
    /// `#[async_trait]` moves each argument into the future (`let id = id;`): one that only the
    /// key uses (built outside the future) would be reported unused there. `used` says whether
    /// a key template names it.
    pub(crate) fn allow_unused_rebindings(&mut self, used: impl Fn(&str) -> bool) {
        for statement in &mut self.block.stmts {
            let Stmt::Local(local) = statement else {
                continue;
            };
            let (Pat::Ident(binding), Some(init)) = (&local.pat, &local.init) else {
                continue;
            };
            let Expr::Path(value) = &*init.expr else {
                continue;
            };
            let name = binding.ident.to_string();
            if value.path.is_ident(&binding.ident) && used(&name) {
                local
                    .attrs
                    .push(syn::parse_quote!(#[allow(unused_variables)]));
            }
        }
    }
}

impl Shape {
    /// The shape of `function`; only a plain `fn`'s body is parsed, to find a returned future.
    pub(crate) fn of(function: &Function) -> syn::Result<Shape> {
        if function.sig.asyncness.is_some() {
            return Ok(Shape::Async);
        }
        let mut statements = function.parsed_block()?.stmts;
        let Some(Stmt::Expr(last, None)) = statements.last() else {
            return Ok(Shape::Blocking);
        };
        let (future, pinned) = match last {
            Expr::Async(future) => (future.clone(), false),
            Expr::Call(ExprCall { func, args, .. }) if args.len() == 1 && is_box_pin(func) => {
                match &args[0] {
                    Expr::Async(future) => (future.clone(), true),
                    _ => return Ok(Shape::Blocking),
                }
            }
            _ => return Ok(Shape::Blocking),
        };
        statements.pop();
        let ExprAsync { capture, block, .. } = future;
        Ok(Shape::Returned(Box::new(Returned {
            before: statements,
            block,
            capture: capture.is_some(),
            pinned,
            output: future_output(&function.sig.output),
        })))
    }
}

fn is_box_pin(function: &Expr) -> bool {
    let Expr::Path(path) = function else {
        return false;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

/// `R` in `Pin<Box<dyn Future<Output = R> + ...>>` or `impl Future<Output = R>`.
fn future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let bounds = match strip(ty) {
        Type::ImplTrait(found) => &found.bounds,
        Type::Path(path) => {
            // `Pin<Box<dyn Future<..>>>`: the first generic argument, twice.
            let boxed = first_type_argument(path)?;
            let Type::Path(boxed) = strip(boxed) else {
                return None;
            };
            match strip(first_type_argument(boxed)?) {
                Type::TraitObject(object) => &object.bounds,
                _ => return None,
            }
        }
        _ => return None,
    };
    bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => strip(&inner.elem),
        Type::Group(inner) => strip(&inner.elem),
        other => other,
    }
}

fn first_type_argument(path: &syn::TypePath) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = &path.path.segments.last()?.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}
