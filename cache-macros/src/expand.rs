//! The expansion of one attribute: stacked attributes gathered, the checks that concern the whole
//! function (the per-key ones are in `valid`), then code generation. The decorated function keeps
//! its signature (an `async fn` may become a plain `fn` returning its future, see `thin`); its
//! body is wrapped in a call to the runtime (`read_through` or `invalidate`), with the key built
//! before the body runs.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitStr, Path, ReturnType, Type};

use crate::attr::{Args, Errors, Kind, whole_span};
use crate::check::{At, Check};
use crate::function::Function;
use crate::shape::Shape;
use crate::signature::Arguments;
use crate::thin::{self, Held};
use crate::valid::{ResolvedKey, each_element, resolve};

/// Expands one attribute. On error the function is emitted unchanged (minus our attributes) next
/// to the errors, so the rest of the crate still type-checks and only our errors are reported.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut function = match syn::parse2::<Function>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = not_a_function(kind, &item);
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

fn not_a_function(kind: Kind, item: &TokenStream) -> TokenStream {
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
    syn::Error::new(whole_span(item), message).to_compile_error()
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

fn try_expand(kind: Kind, args: TokenStream, function: &mut Function) -> syn::Result<TokenStream> {
    let mut errors = Errors::on(&function.sig.ident);
    let own = Args::parse(kind, whole_span(&args), args, &mut errors);
    let crate_name = own
        .as_ref()
        .and_then(|args| args.krate.as_ref())
        .and_then(|path| path.segments.last())
        .map_or_else(|| "cache".to_owned(), |segment| segment.ident.to_string());
    // Stacked attributes of ours are expanded together, so all their keys go in one round trip.
    let mut all: Vec<Args> = own.into_iter().collect();
    let mut kept = Vec::with_capacity(function.attrs.len());
    for attribute in std::mem::take(&mut function.attrs) {
        match sibling_kind(&attribute, &crate_name) {
            Some(kind) => {
                let tokens = match &attribute.meta {
                    syn::Meta::List(list) => list.tokens.clone(),
                    _ => TokenStream::new(),
                };
                // `attribute.span()` would cover only its `#` on stable Rust; name it by its
                // last path segment (`delete` in `#[cache::delete(...)]`).
                let span = attribute
                    .path()
                    .segments
                    .last()
                    .map_or_else(|| attribute.span(), |segment| segment.ident.span());
                if let Some(args) = Args::parse(kind, span, tokens, &mut errors) {
                    all.push(args);
                }
            }
            None => kept.push(attribute),
        }
    }
    function.attrs = kept;

    let name = function.sig.ident.clone();
    let mut shape = Shape::of(function)?;
    if let Shape::Returned(returned) = &mut shape {
        let templates: Vec<String> = all
            .iter()
            .flat_map(|args| &args.keys)
            .map(LitStr::value)
            .collect();
        returned.allow_unused_rebindings(|name| {
            templates.iter().any(|template| template.contains(name))
        });
    }
    // What the caller gets: the return type, or the output of the future it returns (`None`
    // when that is not written, already reported).
    let output = match &shape {
        Shape::Returned(returned) => match &returned.output {
            Some(output) => Some(ReturnType::Type(
                Default::default(),
                Box::new(output.clone()),
            )),
            None if kind == Kind::Set => {
                errors.push(syn::Error::new(
                function.sig.output.span(),
                format!(
                    "`#[cache::set]` on `{name}`: the function returns a future, but its return type does not name the future's `Output`; write `async fn {name}`, or return `impl Future<Output = T>`"
                ),
            ));
                None
            }
            None => Some(function.sig.output.clone()),
        },
        _ => Some(function.sig.output.clone()),
    };
    let sets = all.iter().filter(|args| args.kind == Kind::Set).count();
    if sets > 0 && sets < all.len() {
        let other = all
            .iter()
            .find(|args| args.kind != Kind::Set)
            .map_or("delete", |args| args.kind.name());
        // `all[1]` is a stacked attribute, whose span is its name.
        errors.push(syn::Error::new(
            all[1].span,
            format!(
                "`#[cache::set]` and `#[cache::{other}]` on the same function `{name}`: a function either reads through the cache or invalidates it; split it in two"
            ),
        ));
    } else if sets > 1 {
        errors.push(syn::Error::new(
            all[1].span,
            format!("`#[cache::set]` is given more than once on `{name}`: a value is stored under one key"),
        ));
    }
    let handle = handle_source(&all, &mut errors);
    let krate = all
        .iter()
        .find_map(|args| args.krate.clone())
        .unwrap_or_else(|| syn::parse_quote!(::cache));

    let arguments = Arguments::of(&function.sig);
    let mut keys = Vec::new();
    let mut patterns = Vec::new();
    for args in &all {
        for literal in &args.keys {
            if let Some(key) = resolve(literal, args.kind, &name, &arguments, &mut errors) {
                match args.kind {
                    Kind::DeleteByPattern => patterns.push(key),
                    _ => keys.push(key),
                }
            }
        }
    }

    let set = all.iter().find(|args| args.kind == Kind::Set);
    let returns = match set {
        Some(_) => output
            .as_ref()
            .and_then(|output| errors.push_result(cached_return(output, &name))),
        None => output.as_ref().map(Returns::of),
    };
    errors.finish()?;
    let returns = returns.unwrap_or(Returns::Inferred);

    // `module::function`, a `&'static str` built at compile time, for spans and metrics.
    let function_name = syn::ext::IdentExt::unraw(&name).to_string();
    // See `thin`: an `async fn` becomes a `fn` returning the cached call, where it can.
    let form = match shape {
        Shape::Async => thin::form(function, handle.as_ref(), set.is_some()),
        _ => None,
    };
    let thin = form.is_some();
    let generated = Generated {
        krate,
        handle: Ident::new("__cache", Span::mixed_site()),
        handle_owned: Ident::new("__cache_owned", Span::mixed_site()),
        function: quote!(::core::concat!(::core::module_path!(), "::", #function_name)),
        name: function_name,
        awaits: !thin,
    };
    let handle_statement =
        generated.handle_statement(handle.as_ref(), form.unwrap_or(Held::Cloned));
    // The runtime call is spanned at the return type: an error about the type (not cacheable,
    // not a strict `Result`) is then one error, there, not one per generated token.
    let returns_span = match &output {
        Some(ReturnType::Type(_, ty)) => ty.span(),
        _ => name.span(),
    };
    let blocking = matches!(shape, Shape::Blocking);
    let block = function.block();
    let body = match &shape {
        Shape::Async => quote!(async move #block),
        Shape::Blocking => quote!(move || #block),
        Shape::Returned(returned) => {
            let block = &returned.block;
            let capture = returned.capture.then(|| quote!(move));
            quote!(async #capture #block)
        }
    };
    let (prelude, call) = match set {
        Some(set) => match keys.first() {
            Some(key) => {
                generated.read_through(key, set.ttl, &returns, blocking, returns_span, body)
            }
            // Unreachable in practice (a `set` without a usable key has been reported above),
            // but a macro must answer with an error, never a panic.
            None => {
                return Err(syn::Error::new(
                    set.span,
                    "`#[cache::set]` needs a key template",
                ));
            }
        },
        None => {
            let strict = all.iter().any(|args| args.strict.is_some());
            generated.invalidate(
                &keys,
                &patterns,
                &returns,
                (strict, blocking),
                returns_span,
                body,
            )
        }
    };
    let body = match &shape {
        Shape::Async | Shape::Blocking => quote!(#handle_statement #prelude #call),
        Shape::Returned(returned) => {
            // The key is built now, from the arguments; the call runs inside the returned
            // future, which owns what it uses.
            let rebind = handle.as_ref().map(|_| {
                let Generated {
                    handle,
                    handle_owned,
                    ..
                } = &generated;
                quote!(let #handle = &#handle_owned;)
            });
            let before = &returned.before;
            let future = quote!(async move { #rebind #call });
            let future = if returned.pinned {
                quote!(::std::boxed::Box::pin(#future))
            } else {
                future
            };
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
    let sig = if thin {
        thin::signature(sig)
    } else {
        sig.to_token_stream()
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner)*
            #body
        }
    })
}

/// Whether `attribute` is one of ours (`cache::set`, `cache::delete`, `cache::delete_by_pattern`).
fn sibling_kind(attribute: &Attribute, crate_name: &str) -> Option<Kind> {
    let segments = &attribute.path().segments;
    if segments.len() != 2 || segments[0].ident != crate_name {
        return None;
    }
    Kind::from_name(&segments[1].ident.to_string())
}

/// The `cache = ...` expression, which stacked attributes must agree on.
fn handle_source(all: &[Args], errors: &mut Errors) -> Option<Expr> {
    let mut chosen: Option<&Expr> = None;
    for args in all {
        let Some(expr) = &args.cache else { continue };
        match chosen {
            None => chosen = Some(expr),
            Some(first)
                if first.to_token_stream().to_string() != expr.to_token_stream().to_string() =>
            {
                errors.push(syn::Error::new(
                    expr.span(),
                    format!(
                        "stacked cache attributes name different caches (`{}` and `{}`); they must use the same `cache = ...`, which may be written on just one of them",
                        first.to_token_stream(),
                        expr.to_token_stream()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    chosen.cloned()
}

/// What the function returns, as far as the generated call needs to name it.
enum Returns {
    /// Any other nameable type, `()` included.
    Plain(TokenStream),
    /// An `impl Trait` type, left to inference.
    Inferred,
}

impl Returns {
    fn of(output: &ReturnType) -> Returns {
        match output {
            ReturnType::Default => Returns::Plain(quote!(())),
            ReturnType::Type(_, ty) if contains_impl_trait(ty) => Returns::Inferred,
            ReturnType::Type(_, ty) => Returns::Plain(ty.to_token_stream()),
        }
    }

    fn turbofish(&self) -> TokenStream {
        match self {
            Returns::Plain(ty) => ty.clone(),
            Returns::Inferred => quote!(_),
        }
    }
}

/// The return type of a `set` function: something to cache, and nameable.
fn cached_return(output: &ReturnType, name: &Ident) -> syn::Result<Returns> {
    let nothing = match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty()),
    };
    if nothing {
        return Err(syn::Error::new(
            if let ReturnType::Type(_, ty) = output {
                ty.span()
            } else {
                name.span()
            },
            format!(
                "`#[cache::set]` on `{name}` has nothing to cache: the function returns `()`; return the value to cache, or use `#[cache::delete]` to invalidate keys"
            ),
        ));
    }
    match Returns::of(output) {
        Returns::Inferred => Err(syn::Error::new(
            match output {
                ReturnType::Type(_, ty) => impl_trait_span(ty).unwrap_or_else(|| ty.span()),
                ReturnType::Default => output.span(),
            },
            format!(
                "`#[cache::set]` on `{name}` cannot cache an `impl Trait` return type: the cached value is decoded into it, so write the concrete type instead"
            ),
        )),
        returns => Ok(returns),
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

/// Names used by the generated code. Locals are `mixed_site`, so they can never collide with
/// (or shadow) the user's arguments, whatever they are called.
struct Generated {
    krate: Path,
    handle: Ident,
    handle_owned: Ident,
    /// The decorated function's name, `module::function`.
    function: TokenStream,
    /// Its name as written, for messages.
    name: String,
    /// Whether the generated body awaits the cached call (in an `async fn` or a returned
    /// `async` block), or returns it (the thin form, see `thin`).
    awaits: bool,
}

impl Generated {
    /// Binds the handle, held by the call as `held` says.
    fn handle_statement(&self, source: Option<&Expr>, held: Held) -> TokenStream {
        let Generated {
            krate,
            handle,
            handle_owned,
            ..
        } = self;
        match source {
            Some(expr) => {
                let at = At::new(expr.span(), krate);
                let check = Check {
                    name: "CacheHandle",
                    runtime: "HandleSource",
                    message: format!(
                        "`cache = ...` on `{}` names a `{{Self}}`, not a cache handle",
                        self.name
                    ),
                    label: "expected a `cache::Cache` (or an `Arc`, reference or `LazyLock` of one)",
                    note: "name the handle, e.g. `cache = self.cache` where the field is a `cache::Cache`",
                }
                .items(&at, quote_spanned!(at.span=> _: &T,));
                let source = at.relocate(Ident::new("__cache_source", Span::mixed_site()));
                let (bound, take, rebind) = if held != Held::Cloned {
                    (handle, "handle_ref", None)
                } else {
                    (
                        handle_owned,
                        "handle",
                        Some(quote!(let #handle = &#handle_owned;)),
                    )
                };
                let bound = at.relocate(bound);
                let take = Ident::new(take, at.span);
                let expr = at.relocate(expr);
                let check_call =
                    at.check_call(TokenStream::new(), quote_spanned!(at.span=> #source,));
                let krate = &at.krate;
                // A reference argument is copied, so the handle lives as long as its referent;
                // anything else is taken by reference where it is (then borrowed, or cloned).
                let source_value = match held {
                    Held::Copied => quote_spanned!(at.span=> #expr),
                    _ => quote_spanned!(at.span=> &(#expr)),
                };
                let statement = quote_spanned! {at.span=>
                    let #bound = {
                        #check
                        let #source = #source_value;
                        #check_call
                        #krate::__private::#take(#source)
                    };
                };
                quote!(#statement #rebind)
            }
            None => quote! {
                let #handle = #krate::__private::global();
            },
        }
    }

    fn key(&self, key: &ResolvedKey) -> TokenStream {
        let Generated { krate, handle, .. } = self;
        let ResolvedKey { format, values, .. } = key;
        // Only a key with placeholders has values to check.
        let key = |values: &[TokenStream]| {
            let values = values.iter().map(|value| self.key_part(value));
            quote!(#krate::__private::key(#handle, ::core::format_args!(#format #(, #values)*)))
        };
        self.checked_keys(format, values, key)
    }

    /// `build(values)`, in a block with the check of its placeholders' values (see
    /// [`key_part`](Self::key_part)); alone when there are none.
    fn checked_keys(
        &self,
        format: &LitStr,
        values: &[TokenStream],
        build: impl Fn(&[TokenStream]) -> TokenStream,
    ) -> TokenStream {
        let built = build(values);
        if values.is_empty() {
            return built;
        }
        let check = self.key_check(&At::new(format.span(), &self.krate));
        let krate = &self.krate;
        // The traits that choose how each value is written (see `key_part`), once per key.
        quote!({
            #check
            #[allow(unused_imports)]
            use #krate::__private::{KeyDisplay as _, KeyStr as _};
            #built
        })
    }

    /// What every placeholder value is checked against, in the block that builds a key.
    fn key_check(&self, at: &At) -> TokenStream {
        Check {
            name: "Display",
            runtime: "KeyPart",
            message: format!(
                "`{{Self}}` cannot be part of a key of `{}`: a placeholder's value is formatted with `std::fmt::Display`",
                self.name
            ),
            label: "not `Display`",
            note: "implement `std::fmt::Display` for `{Self}`, or name one of its fields that is, e.g. `{{arg.id}}`",
        }
        .items(at, quote_spanned!(at.span=> _: &T,))
    }

    /// One placeholder's value as it goes into a key: a string that reads as a UUID
    /// lower-case (Notify's rule), anything else by its `Display` (see `__private::KeyArg`).
    /// Spanned at the value, so that one that is not `Display` is reported where it is written.
    fn key_part(&self, value: &TokenStream) -> TokenStream {
        // Located, not spanned, at the value: its own tokens keep their hygiene.
        let at = At::new(value.span(), &self.krate);
        let krate = &at.krate;
        let value = at.relocate(value);
        let check_call = at.check_call(TokenStream::new(), quote_spanned!(at.span=> &#value,));
        quote_spanned! {at.span=>
            {
                #check_call
                (&#krate::__private::KeyArg(&#value)).key_part()
            }
        }
    }

    fn pattern(&self, pattern: &ResolvedKey) -> TokenStream {
        let Generated { krate, handle, .. } = self;
        let ResolvedKey { format, values, .. } = pattern;
        let pattern = |values: &[TokenStream]| {
            // Spanned at each value, so that one that is not `Display` is reported where it is
            // written.
            let values = values.iter().map(|value| {
                let part = self.key_part(value);
                quote_spanned!(value.span()=> #krate::__private::GlobEscaped::new(&#part))
            });
            quote! {
                #krate::__private::pattern(
                    #handle,
                    ::core::format_args!(#format #(, #values)*),
                )
            }
        };
        self.checked_keys(format, values, pattern)
    }

    /// The call of `steps` with `body`, awaited unless it is the thin form's value.
    fn cached_call(&self, steps: TokenStream, body: TokenStream, span: Span) -> TokenStream {
        let krate = &self.krate;
        let call =
            quote_spanned!(span=> #krate::__private::CachedCall { steps: #steps, body: #body });
        if self.awaits {
            quote_spanned!(span=> #call.await)
        } else {
            call
        }
    }

    /// The statements before the call, and the call of the runtime with `body`.
    fn read_through(
        &self,
        key: &ResolvedKey,
        ttl: Option<u64>,
        returns: &Returns,
        blocking: bool,
        span: Span,
        body: TokenStream,
    ) -> (TokenStream, TokenStream) {
        let Generated {
            krate,
            handle,
            function,
            ..
        } = self;
        let key_ident = Ident::new("__cache_key", Span::mixed_site());
        let key = self.key(key);
        let ttl = match ttl {
            Some(seconds) => quote!(#krate::__private::ttl_seconds(#seconds)),
            None => quote!(::core::option::Option::None),
        };
        let ty = returns.turbofish();
        // One check of the cached type, at the return type, in words naming the function. The
        // strategy for a type that cannot be cached is `NotCached`, whose call adds no second
        // error about it (see `__private::ViaNone`).
        let at = At::new(span, krate);
        let check = Check {
            name: "SerializeAndDeserialize",
            runtime: "Cacheable",
            message: format!(
                "`{{Self}}` cannot be cached by `{}`: it must implement `serde::Serialize` and `serde::Deserialize`",
                self.name
            ),
            label: "the cached value is stored as JSON",
            note: "add `#[derive(serde::Serialize, serde::Deserialize)]` to the type (or to the types it contains)",
        }
        .items(&at, quote_spanned!(at.span=> _: ::core::marker::PhantomData<T>,));
        let check_call = {
            let (krate, ty) = (&at.krate, at.relocate(&ty));
            at.check_call(
                TokenStream::new(),
                quote_spanned!(at.span=> (&#krate::__private::Returns::<#ty>::new()).stored(),),
            )
        };
        // The type decides (see `__private::Returns`), not its name: `std::result::Result`
        // under any alias (`io::Result<T>`, `ApiResult<T>`) caches only `Ok` values, and a type
        // of the user's own called `Result` is cached whole, like any other type. With the
        // strategy: whether single-flight followers may get a clone of an `Err` (see
        // `__private::Sharing`), and whether a near-cache hit clones the value decoded once
        // (see `__private::Reuse`). All in one block, under one `use` of the traits that choose.
        let strategy = Ident::new("__cache_strategy", Span::mixed_site());
        let typed = Ident::new("__cache_typed", Span::mixed_site());
        let prelude = quote! {
            let #key_ident = #key;
            let (#strategy, #typed) = {
                #check
                #[allow(unused_imports)]
                use #krate::__private::{
                    ReuseNone as _, ReuseOk as _, ReuseWhole as _, ShareClone as _, ShareNone as _,
                    StoresOk as _, StoresWhole as _, ViaNone as _, ViaPlain as _, ViaResult as _,
                };
                #check_call
                (
                    (&&&#krate::__private::Returns::<#ty>::new()).strategy(),
                    (
                        (&#krate::__private::Returns::<#ty>::new()).sharing(),
                        (&&&#krate::__private::Returns::<#ty>::new()).reuse(),
                    ),
                )
            };
        };
        // How followers and near hits get a value without decoding, as one argument.
        let arguments = quote!(#handle, #function, #key_ident, #ttl, #typed);
        let call = if blocking {
            quote_spanned!(span=> #strategy.read_through_blocking::<#ty, _>(#arguments, #body))
        } else {
            // The steps depend on the return type only; the body meets them in a struct literal,
            // so nothing generic over the body's type is compiled but `CachedCall`'s `poll`.
            let steps = quote_spanned!(span=> #strategy.read_through::<#ty>(#arguments));
            self.cached_call(steps, body, span)
        };
        (prelude, call)
    }

    fn invalidate(
        &self,
        keys: &[ResolvedKey],
        patterns: &[ResolvedKey],
        returns: &Returns,
        (strict, blocking): (bool, bool),
        span: Span,
        body: TokenStream,
    ) -> (TokenStream, TokenStream) {
        let Generated {
            krate,
            handle,
            function,
            ..
        } = self;
        let keys_ident = Ident::new("__cache_keys", Span::mixed_site());
        let patterns_ident = Ident::new("__cache_patterns", Span::mixed_site());
        let fill = |target: &Ident,
                    all: &[ResolvedKey],
                    build: &dyn Fn(&ResolvedKey) -> TokenStream| {
            let fixed = all.iter().filter(|key| key.each.is_none()).map(build);
            let each = all.iter().filter_map(|key| {
                let collection = key.each.as_ref()?;
                let element = each_element();
                let built = build(key);
                let at = At::new(key.format.span(), &self.krate);
                let check = Check {
                    name: "Collection",
                    runtime: "KeyCollection",
                    message: format!(
                        "`{{Self}}` cannot make one key per element for `{}`: `[..]` needs a collection",
                        self.name
                    ),
                    label: "not a slice, `Vec`, array or set",
                    note: "name a collection argument, e.g. `{{service_ids[..]}}` with `service_ids: &[Uuid]`",
                }
                .items(&at, quote_spanned!(at.span=> _: &T,));
                let (krate, collection) = (&at.krate, at.relocate(collection));
                let check_call = at.check_call(
                    TokenStream::new(),
                    quote_spanned!(at.span=> &#collection,),
                );
                let parts = quote_spanned!(at.span=> {
                    #check
                    #check_call
                    #krate::__private::key_parts(&#collection)
                });
                // One key per element of the collection, in the same round trip as the others.
                Some(quote! {
                    for #element in #parts {
                        #target.push(#built);
                    }
                })
            });
            quote! {
                #[allow(unused_mut)]
                let mut #target: ::std::vec::Vec<::std::string::String> = ::std::vec![#(#fixed),*];
                #(#each)*
            }
        };
        let keys = fill(&keys_ident, keys, &|key| self.key(key));
        let patterns = fill(&patterns_ident, patterns, &|pattern| self.pattern(pattern));
        let ty = returns.turbofish();
        let runtime = match (strict, blocking) {
            (false, false) => quote!(invalidate),
            (true, false) => quote!(invalidate_strict),
            (false, true) => quote!(invalidate_blocking),
            (true, true) => quote!(invalidate_strict_blocking),
        };
        // Blocking: the runtime runs the body. Async: the steps depend on the return type only,
        // and meet the body in a struct literal (as a read's do).
        let (arguments, turbofish) = if blocking {
            (
                quote!((#handle, #function, #keys_ident, #patterns_ident, #body)),
                quote!(::<#ty, _>),
            )
        } else {
            (
                quote!((#handle, #function, #keys_ident, #patterns_ident)),
                quote!(::<#ty>),
            )
        };
        let run = |steps: TokenStream| {
            if blocking {
                steps
            } else {
                self.cached_call(steps, body.clone(), span)
            }
        };
        let call = match (strict, returns) {
            // A strict return type is checked once, at the return type, in words naming the
            // function. The strategy for a type the check rejects is `NotStrict`, whose call
            // adds no second error about it (see `__private::ViaStrict`).
            (true, Returns::Plain(_)) => {
                let at = At::new(span, krate);
                let check = Check {
                    name: "StrictResult",
                    runtime: "StrictResult",
                    message: format!(
                        "`strict` on `{}` needs a return type `Result<T, E>` with `E: From<cache::Error>`, not `{{Self}}`",
                        self.name
                    ),
                    label: "a strict delete returns `Err` when the cache cannot be cleared before the write",
                    note: "implement `From<cache::Error>` for the error type (e.g. with thiserror's `#[from]`), or drop `strict`",
                }
                .items(&at, TokenStream::new());
                let check = {
                    let ty = at.relocate(&ty);
                    let check_call =
                        at.check_call(quote_spanned!(at.span=> ::<#ty, _>), TokenStream::new());
                    quote_spanned!(at.span=> { #check #check_call })
                };
                let method = if blocking {
                    quote!(invalidate_blocking)
                } else {
                    quote!(invalidate)
                };
                let steps = quote_spanned! {span=>
                    ({
                        #[allow(unused_imports)]
                        use #krate::__private::{ViaNotStrict as _, ViaStrict as _};
                        (&&#krate::__private::Returns::<#ty>::new()).strict()
                    })
                    .#method #turbofish #arguments
                };
                let call = run(steps);
                quote_spanned! {span=> { #check #call } }
            }
            _ => run(quote_spanned! {span=> #krate::__private::#runtime #turbofish #arguments }),
        };
        (
            quote! {
                #keys
                #patterns
            },
            call,
        )
    }
}
