//! Code generation: the annotated function with its body wrapped in a span.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{parse_quote, FnArg, ItemFn, ReturnType, Type};

use crate::options::{Kind, Options};

/// Rewrites `function` so that its body runs inside a span.
pub fn traced_fn(options: &Options, mut function: ItemFn) -> TokenStream {
    let krate: TokenStream = match &options.krate {
        Some(path) => quote!(#path),
        None => quote!(::otel_runtime),
    };
    let private = quote!(#krate::__private);
    let kind = options.kind();
    let variant = kind.variant();
    let cx = hidden("__otel_cx");
    let tracer = quote! {{
        static TRACER: #private::TracerCell = #private::TracerCell::new(
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        );
        &TRACER
    }};
    let name = match &options.name {
        Some(name) => quote!(#name),
        None => {
            let ident = function.sig.ident.to_string();
            quote!(#ident)
        }
    };
    let block = &function.block;
    let is_async = function.sig.asyncness.is_some();
    let body_with_return_type = fake_return(&function.sig.output, block);

    let new_body = if kind == Kind::Server {
        let request = hidden("__otel_request");
        let name = match &options.name {
            Some(name) => quote!(::core::option::Option::Some(#name)),
            None => quote!(::core::option::Option::None),
        };
        let position = usize::from(matches!(
            function.sig.inputs.first(),
            Some(FnArg::Receiver(_))
        ));
        function.sig.inputs.insert(
            position,
            parse_quote!(#request: #private::actix::ServerRequest),
        );
        let output: Type = match &function.sig.output {
            ReturnType::Type(_, ty) => parse_quote!(#private::actix::Traced<#ty>),
            ReturnType::Default => parse_quote!(#private::actix::Traced<()>),
        };
        function.sig.output = parse_quote!(-> #output);
        quote! {{
            let #cx = #private::actix::start_server_span(#tracer, &#request, #name);
            #private::actix::Traced::new(
                #private::InScope::new(#cx, async move #body_with_return_type).await,
            )
        }}
    } else {
        let start = quote! {
            let #cx = #private::start_span(
                #tracer,
                #name,
                #private::SpanKind::#variant,
                #private::Parent::Current,
                ::std::vec::Vec::new(),
            );
        };
        let mark = (kind == Kind::Client).then(|| {
            let named = options.name.is_some();
            quote!(let #cx = #private::mark_client_span(#cx, #named);)
        });
        if is_async {
            quote! {{
                #start
                #mark
                #private::Instrumented::new(#cx, async move #body_with_return_type).await
            }}
        } else {
            let guard = hidden("__otel_guard");
            let attached = hidden("__otel_attached");
            quote! {{
                #start
                #mark
                let #guard = #private::SpanGuard::sync(#cx);
                let #attached = #guard.context().clone().attach();
                #block
            }}
        }
    };
    *function.block = parse_quote!(#new_body);
    quote!(#function)
}

/// A local name that user code cannot see or shadow.
fn hidden(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// The body as an async block whose output type is pinned to the function's return type, so
/// type inference inside it (`?`, `Box<dyn Trait>` coercions) works as in the original function.
fn fake_return(output: &ReturnType, block: &syn::Block) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return quote!(#block);
    };
    if contains_impl_trait(ty) {
        return quote!(#block);
    }
    let fake = hidden("__otel_fake_return");
    let span = ty_span(ty);
    let statements = &block.stmts;
    quote_spanned! {span=>
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

fn ty_span(ty: &Type) -> Span {
    syn::spanned::Spanned::span(ty)
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
