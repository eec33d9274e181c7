//! Code generation: the annotated function with its body wrapped in a span, one file per
//! [`Shape`], sharing the span's start ([`start`]) and the recording of the outcome
//! ([`outcome`]).

mod async_fn;
mod future_fn;
mod outcome;
mod plain_fn;
mod server;
mod start;
mod typed_body;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::{parse_quote, ItemFn, Type};

use crate::options::Options;
use crate::shape::Shape;

/// What the generated code needs to know, computed once per function.
struct Generator<'a> {
    options: &'a Options,
    /// `::otel_runtime::__private` (or under `crate = path`).
    private: TokenStream,
    /// The local holding the started span (`Option<Started>`, or the server's `Context`).
    cx: syn::Ident,
    /// The function's name, unraw: the default span name.
    fn_name: String,
    /// The function's name token, where `code` attributes point.
    fn_span: Span,
    /// What the function's work produces (see [`Shape::output`]).
    output: Option<Type>,
}

/// Rewrites `function`, whose shape is `shape`, so that its body runs inside a span.
pub(crate) fn traced_fn(options: &Options, shape: Shape, mut function: ItemFn) -> TokenStream {
    let krate = match &options.krate {
        Some(path) => quote!(#path),
        None => quote!(::otel_runtime),
    };
    let generator = Generator {
        options,
        private: quote!(#krate::__private),
        cx: hidden("__otel_cx"),
        fn_name: function.sig.ident.unraw().to_string(),
        fn_span: function.sig.ident.span(),
        output: shape.output(&function.sig),
    };
    let new_body = match shape {
        Shape::ServerHandler => generator.server(&mut function),
        Shape::AsyncFn => generator.async_fn(&function),
        Shape::FutureReturningFn(returned) => generator.future_fn(*returned),
        Shape::PlainFn => generator.plain_fn(&function),
    };
    *function.block = parse_quote!({ #new_body });
    quote!(#function)
}

/// A local name that user code cannot see or shadow.
fn hidden(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}
