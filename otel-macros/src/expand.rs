//! Code generation: the annotated function with its body wrapped in a span.
//!
//! Shapes: `async fn` (the body becomes an instrumented future), a plain `fn` whose body ends
//! in an `async` block or `Box::pin(async ...)` (`-> impl Future`, async-trait's output: the span
//! starts at the call and the returned future carries it), a plain `fn`, and actix-web handlers
//! (`kind = server`).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    parse_quote, Expr, FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Stmt, Type,
    TypeParamBound,
};

use crate::options::{Format, Kind, Options};

/// What the generated code needs to know, computed once per function.
struct Generator<'a> {
    options: &'a Options,
    private: TokenStream,
    cx: syn::Ident,
    fn_name: String,
    fn_span: Span,
}

/// Rewrites `function` so that its body runs inside a span.
pub fn traced_fn(options: &Options, mut function: ItemFn) -> TokenStream {
    let krate = match &options.krate {
        Some(path) => quote!(#path),
        None => quote!(::otel_runtime),
    };
    let generator = Generator {
        options,
        private: quote!(#krate::__private),
        cx: hidden("__otel_cx"),
        fn_name: function.sig.ident.unraw_string(),
        fn_span: function.sig.ident.span(),
    };
    let new_body = if options.kind() == Kind::Server {
        generator.server(&mut function)
    } else if function.sig.asyncness.is_some() {
        generator.async_fn(&function)
    } else if let Some(body) = generator.future_returning_fn(&function) {
        body
    } else {
        generator.sync_fn(&function)
    };
    *function.block = parse_quote!({ #new_body });
    quote!(#function)
}

trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for syn::Ident {
    fn unraw_string(&self) -> String {
        syn::ext::IdentExt::unraw(self).to_string()
    }
}

impl Generator<'_> {
    /// `{ static TRACER; &TRACER }`: the call site's own tracer cache.
    fn tracer(&self) -> TokenStream {
        let private = &self.private;
        quote! {{
            static TRACER: #private::TracerCell = #private::TracerCell::new(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
            );
            &TRACER
        }}
    }

    /// `vec![KeyValue::new(key, value), ...]` for `attributes(...)` and `code`.
    fn attributes(&self) -> Option<TokenStream> {
        let private = &self.private;
        let mut pairs = Vec::new();
        if let Some((_, attributes)) = &self.options.attributes {
            for attribute in attributes {
                let key = &attribute.key;
                let value = &attribute.value;
                let span = value.span();
                let converted = match attribute.format {
                    Format::Native => quote_spanned!(span=> #private::native_value(&(#value))),
                    Format::Debug => quote_spanned!(span=> #private::debug_value(&(#value))),
                    Format::Display => quote_spanned!(span=> #private::display_value(&(#value))),
                };
                pairs.push(quote!(#private::KeyValue::new(#key, #converted)));
            }
        }
        if self.options.code.is_some() {
            let name = &self.fn_name;
            let span = self.fn_span;
            pairs.push(quote_spanned!(span=> #private::KeyValue::new(
                "code.function.name",
                ::core::concat!(::core::module_path!(), "::", #name),
            )));
            pairs.push(
                quote_spanned!(span=> #private::KeyValue::new("code.file.path", ::core::file!())),
            );
            pairs.push(quote_spanned!(span=> #private::KeyValue::new(
                "code.line.number",
                ::core::line!() as i64,
            )));
        }
        (!pairs.is_empty()).then(|| quote!(::std::vec![#(#pairs),*]))
    }

    /// The links of `links(...)`, as a `Vec<Link>` expression.
    fn links(&self) -> Option<TokenStream> {
        let private = &self.private;
        let (_, links) = self.options.links.as_ref()?;
        let links = links
            .iter()
            .map(|link| quote_spanned!(link.span()=> #private::link_from(#link)));
        Some(quote! {
            ::core::iter::Iterator::collect(::core::iter::Iterator::flatten(
                ::core::iter::IntoIterator::into_iter([#(#links),*]),
            ))
        })
    }

    /// `let __otel_cx: Option<Started> = <the new span>;`, `None` when the call
    /// site's spans are known to be no-ops (no provider, `OTEL_SDK_DISABLED`): then nothing else
    /// runs, not even the attribute expressions.
    fn start(&self) -> TokenStream {
        let cx = &self.cx;
        let private = &self.private;
        self.start_as(
            cx,
            quote!(::core::option::Option<#private::Started>),
            quote!(::core::option::Option::None),
            |started| quote!(::core::option::Option::Some(#started)),
        )
    }

    /// `let #binding: #ty = <wrap(context holding the new span)>;`, or `= #skipped` when the
    /// call site's spans are known to be no-ops.
    fn start_as(
        &self,
        binding: &syn::Ident,
        ty: TokenStream,
        skipped: TokenStream,
        wrap: impl FnOnce(TokenStream) -> TokenStream,
    ) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let tracer_cell = self.tracer();
        let tracer = hidden("__otel_tracer");
        let options = self.options;
        let kind = options.kind();
        let variant = kind.variant();
        let name = match &options.name {
            Some(name) => quote!(#name),
            None => {
                let name = &self.fn_name;
                quote!(#name)
            }
        };
        let parent = if options.root.is_some() {
            quote!(#private::Parent::Context(#private::Context::new()))
        } else if let Some((span, parent)) = &options.parent {
            quote_spanned!(*span=> #private::Parent::Context(#private::parent_from(#parent)))
        } else {
            quote!(#private::Parent::Current)
        };
        let attributes = self
            .attributes()
            .unwrap_or_else(|| quote!(::std::vec::Vec::new()));
        let links = self
            .links()
            .unwrap_or_else(|| quote!(::std::vec::Vec::new()));
        let start = quote! {
            #private::start_traced(#tracer, #name, #private::SpanKind::#variant, #parent, #attributes, #links)
        };
        let mark = (kind == Kind::Client).then(|| {
            let named = options.name.is_some();
            quote!(let #cx = #cx.client(#named);)
        });
        let started = wrap(quote! {{
            let #cx = #start;
            #mark
            #cx
        }});
        // A span under an explicit parent (or none) changes what is current even when it is a
        // no-op: only a child of the current context can be skipped.
        let default_parent = options.root.is_none() && options.parent.is_none();
        let value = if default_parent {
            quote! {
                if #tracer.is_noop() {
                    #skipped
                } else {
                    #started
                }
            }
        } else {
            started
        };
        quote! {
            let #tracer: &'static #private::TracerCell = #tracer_cell;
            let #binding: #ty = #value;
        }
    }

    /// Statements recording `result` on the span of `cx` (for `err` and `ret`), if asked for.
    fn record_outcome(
        &self,
        result: &syn::Ident,
        cx: &TokenStream,
        output: Option<&Type>,
    ) -> Option<TokenStream> {
        let private = &self.private;
        let mut statements = Vec::new();
        if let Some((span, format)) = self.options.err {
            statements.push(match format {
                Format::Debug => quote_spanned!(span=> #private::record_err_debug(#cx, &#result);),
                _ => quote_spanned!(span=> #private::record_err_display(#cx, &#result);),
            });
        }
        if let Some((span, format)) = self.options.ret {
            let value = hidden("__otel_ok");
            let converted = match format {
                Format::Native => quote_spanned!(span=> #private::native_value(#value)),
                Format::Debug => quote_spanned!(span=> #private::debug_value(#value)),
                Format::Display => quote_spanned!(span=> #private::display_value(#value)),
            };
            statements.push(if output.is_some_and(is_result) {
                quote_spanned! {span=>
                    if let ::core::result::Result::Ok(#value) = &#result {
                        #private::record_return(#cx, #converted);
                    }
                }
            } else {
                quote_spanned! {span=>
                    let #value = &#result;
                    #private::record_return(#cx, #converted);
                }
            });
        }
        (!statements.is_empty()).then(|| quote!(#(#statements)*))
    }

    fn wants_outcome(&self) -> bool {
        self.options.err.is_some() || self.options.ret.is_some()
    }

    /// An `async fn`: the body becomes a future that keeps the span current and ends it.
    fn async_fn(&self, function: &ItemFn) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let start = self.start();
        let body = typed_body(&function.sig.output, &function.block);
        let output = output_type(&function.sig.output);
        if self.wants_outcome() {
            let result = hidden("__otel_result");
            let guard = hidden("__otel_guard");
            let guard_cx = quote!(#guard.context());
            let record = self.record_outcome(&result, &guard_cx, output.as_ref());
            quote! {
                #start
                let (#result, mut #guard) = #private::InScope::optional(#cx, async move #body).await;
                if #guard.is_active() {
                    #record
                }
                #guard.finish();
                #result
            }
        } else {
            quote! {
                #start
                #private::Instrumented::optional(#cx, async move #body).await
            }
        }
    }

    /// A plain `fn`: the span is current for the body and ends when it returns or unwinds.
    fn sync_fn(&self, function: &ItemFn) -> TokenStream {
        let private = &self.private;
        let span = hidden("__otel_span");
        let block = &function.block;
        let prologue = self.start_as(
            &span,
            quote!(#private::SyncSpan),
            quote!(#private::SyncSpan::skipped()),
            |started| quote!(#private::SyncSpan::enter(#started)),
        );
        if !self.wants_outcome() {
            return quote! {
                #prologue
                #block
            };
        }
        let result = hidden("__otel_result");
        let guard = hidden("__otel_guard");
        let guard_cx = quote!(#guard.context());
        let output = output_type(&function.sig.output);
        let record = self.record_outcome(&result, &guard_cx, output.as_ref());
        let body = typed_body(&function.sig.output, block);
        quote! {
            #prologue
            #[allow(clippy::redundant_closure_call)]
            let #result = (move || #body)();
            if let ::core::option::Option::Some(#guard) = #span.guard() {
                #record
            }
            #result
        }
    }

    /// A plain `fn` whose body ends in an `async` block (`-> impl Future`, async-trait): the span
    /// starts at the call, is current for the code before the block, and the returned future
    /// carries it to its end.
    fn future_returning_fn(&self, function: &ItemFn) -> Option<TokenStream> {
        let mut block = (*function.block).clone();
        let async_block = trailing_async_block(&mut block)?;
        let private = &self.private;
        let cx = &self.cx;
        let original = async_block.clone();
        let output = future_output(&function.sig.output);
        *async_block = if self.wants_outcome() {
            let result = hidden("__otel_result");
            let guard = hidden("__otel_guard");
            let guard_cx = quote!(#guard.context());
            let record = self.record_outcome(&result, &guard_cx, output.as_ref());
            parse_quote! {
                async move {
                    let (#result, mut #guard) = #private::InScope::optional(#cx, #original).await;
                    if #guard.is_active() {
                        #record
                    }
                    #guard.finish();
                    #result
                }
            }
        } else {
            parse_quote!(#private::Instrumented::optional(#cx, #original))
        };
        let start = self.start();
        let attached = hidden("__otel_attached");
        let current = hidden("__otel_current");
        let statements = &block.stmts;
        Some(quote! {
            #start
            let #attached = ::core::option::Option::map(
                ::core::option::Option::as_ref(&#cx),
                |#current| #private::Context::attach(::core::clone::Clone::clone(#current.context())),
            );
            #(#statements)*
        })
    }

    /// An actix-web handler: an extra argument brings the request, whose headers give the
    /// parent, and the return value is wrapped so the response status lands on the span.
    fn server(&self, function: &mut ItemFn) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let request = hidden("__otel_request");
        let name = match &self.options.name {
            Some(name) => quote!(::core::option::Option::Some(#name)),
            None => quote!(::core::option::Option::None),
        };
        let tracer = self.tracer();
        let body = typed_body(&function.sig.output, &function.block);
        let output = output_type(&function.sig.output);
        let enrich = match (self.attributes(), self.links()) {
            (None, None) => None,
            (attributes, links) => {
                let attributes = attributes.unwrap_or_else(|| quote!(::std::vec::Vec::new()));
                let links = links.unwrap_or_else(|| quote!(::std::vec::Vec::new()));
                Some(quote!(#private::enrich_span(&#cx, #attributes, #links);))
            }
        };
        let result = hidden("__otel_result");
        let guard = hidden("__otel_guard");
        let guard_cx = quote!(#guard.context());
        let record = self.record_outcome(&result, &guard_cx, output.as_ref());

        let position = usize::from(matches!(
            function.sig.inputs.first(),
            Some(FnArg::Receiver(_))
        ));
        function.sig.inputs.insert(
            position,
            parse_quote!(#request: #private::actix::ServerRequest),
        );
        let wrapped: Type = match &function.sig.output {
            ReturnType::Type(_, ty) => parse_quote!(#private::actix::Traced<#ty>),
            ReturnType::Default => parse_quote!(#private::actix::Traced<()>),
        };
        function.sig.output = parse_quote!(-> #wrapped);
        quote! {
            let #cx = #private::actix::start_server_span(#tracer, &#request, #name);
            #enrich
            let (#result, #guard) = #private::InScope::new(#cx, async move #body).await;
            #record
            #private::actix::Traced::new((#result, #guard))
        }
    }
}

/// A local name that user code cannot see or shadow.
fn hidden(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// The body as a block whose value type is pinned to the function's return type by a fake
/// `return` that never runs, so inference inside an async block or closure (`?`,
/// `Box<dyn Trait>` coercions) works as in the original function.
fn typed_body(output: &ReturnType, block: &syn::Block) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return quote!(#block);
    };
    if contains_impl_trait(ty) || matches!(ty.as_ref(), Type::Never(_)) {
        return quote!(#block);
    }
    let fake = hidden("__otel_fake_return");
    let statements = &block.stmts;
    quote_spanned! {ty.span()=>
        {
            #[allow(
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::needless_return
            )]
            if false {
                let #fake: #ty = loop {};
                return #fake;
            }
            #(#statements)*
        }
    }
}

/// The declared return type, if any.
fn output_type(output: &ReturnType) -> Option<Type> {
    match output {
        ReturnType::Type(_, ty) => Some((**ty).clone()),
        ReturnType::Default => None,
    }
}

/// The `Output` of a returned future: `impl Future<Output = T>` or
/// `Pin<Box<dyn Future<Output = T> + ...>>`.
fn future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let bounds = match ty.as_ref() {
        Type::ImplTrait(impl_trait) => &impl_trait.bounds,
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let inner = single_type_argument(&last.arguments)?;
            let Type::Path(boxed) = inner else {
                return None;
            };
            let boxed = single_type_argument(&boxed.path.segments.last()?.arguments)?;
            let Type::TraitObject(object) = boxed else {
                return None;
            };
            &object.bounds
        }
        _ => return None,
    };
    bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

fn single_type_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// Whether `ty` is spelled as a `Result` (`Result<..>`, `io::Result<..>`, an alias named so).
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "Result"),
        Type::Paren(inner) => is_result(&inner.elem),
        Type::Group(inner) => is_result(&inner.elem),
        _ => false,
    }
}

/// The `async` block a body ends in (`async move { .. }` or `Box::pin(async move { .. })`).
fn trailing_async_block(block: &mut syn::Block) -> Option<&mut Expr> {
    let Some(Stmt::Expr(expr, None)) = block.stmts.last_mut() else {
        return None;
    };
    match expr {
        Expr::Async(_) => Some(expr),
        Expr::Call(call) => {
            let Expr::Path(function) = call.func.as_ref() else {
                return None;
            };
            let is_pin = function
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == "pin");
            if is_pin && call.args.len() == 1 && matches!(call.args.first(), Some(Expr::Async(_))) {
                call.args.first_mut()
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether `ty` mentions `impl Trait`, which cannot name a local's type.
fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}
