//! [`Shape::ServerHandler`](crate::shape::Shape::ServerHandler): an actix-web handler. An extra
//! argument brings the request, whose headers give the parent; every other argument is taken as
//! its extractor's `Result`, so that a rejected request is answered inside the span; and the
//! return value is wrapped so the response status lands on the span.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;
use syn::spanned::Spanned;
use syn::{parse_quote, parse_quote_spanned, FnArg, ItemFn, PatType, ReturnType, Type};

use super::outcome::Release;
use super::typed_body::typed_body;
use super::{hidden, Generator};

impl Generator<'_> {
    /// The new body of a handler; its signature gains the request, its extractor arguments
    /// become `Extracted<T>` and its return type the wrapper.
    pub(super) fn server(&self, function: &mut ItemFn) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let request = hidden("__otel_request");
        let name = match &self.options.name {
            Some(name) => quote!(::core::option::Option::Some(#name)),
            None => quote!(::core::option::Option::None),
        };
        let tracer = self.tracer();
        let body = typed_body(&function.sig.output, &function.block);
        let extractions = self.take_extractions(function);
        // The server glue starts the span itself; attributes and links join it once the
        // arguments they may name exist.
        let enrich = match (self.attributes(), self.links()) {
            (None, None) => None,
            (attributes, links) => {
                let attributes = attributes.unwrap_or_else(|| quote!(::std::vec::Vec::new()));
                let links = links.unwrap_or_else(|| quote!(::std::vec::Vec::new()));
                Some(quote!(#private::enrich_span(&#cx, #attributes, #links);))
            }
        };
        let run = self.await_in_scope(
            quote!(#private::InScope::new(#cx, async move #body)),
            Release::Response,
        );

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
            #(#extractions)*
            #enrich
            #run
        }
    }

    /// Replaces each argument `pattern: T` (an actix extractor) by a hidden
    /// `__otel_arg_N: Extracted<T>`, and returns for each the statement that binds `pattern`
    /// again once the span has started, or answers the request with the extractor's rejection.
    fn take_extractions(&self, function: &mut ItemFn) -> Vec<TokenStream> {
        let private = &self.private;
        let cx = &self.cx;
        let value = hidden("__otel_value");
        let rejection = hidden("__otel_rejection");
        let mut extractions = Vec::new();
        for (index, input) in function.sig.inputs.iter_mut().enumerate() {
            let FnArg::Typed(PatType { attrs, pat, ty, .. }) = input else {
                continue;
            };
            let argument = hidden(&format!("__otel_arg_{index}"));
            // Located at the user's type (the whole path, `crate = path` included, as rustc
            // reports a path at its first token): an argument that is no extractor is reported
            // there.
            let span = ty.span();
            let extracted = located_at(private.clone(), span);
            let extracted: Type = parse_quote_spanned!(span=> #extracted::actix::Extracted<#ty>);
            // Lint attributes apply to both the hidden argument and the binding; a `cfg` removes
            // both.
            extractions.push(quote! {
                #(#attrs)*
                let #pat: #ty = match #argument {
                    ::core::result::Result::Ok(#value) => #value,
                    ::core::result::Result::Err(#rejection) => {
                        return #private::actix::Traced::rejected(#cx, #rejection);
                    }
                };
            });
            *input = parse_quote!(#(#attrs)* #argument: #extracted);
        }
        extractions
    }
}

/// `tokens`, resolving as before, but reported at `span`.
fn located_at(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), located_at(group.stream(), span));
                inner.set_span(group.span().located_at(span));
                token = TokenTree::Group(inner);
            } else {
                token.set_span(token.span().located_at(span));
            }
            token
        })
        .collect()
}
