//! [`Shape::ServerHandler`](crate::shape::Shape::ServerHandler): an actix-web handler. An extra
//! argument brings the request, whose headers give the parent, and the return value is wrapped
//! so the response status lands on the span.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, FnArg, ItemFn, ReturnType, Type};

use super::outcome::Release;
use super::typed_body::typed_body;
use super::{hidden, Generator};

impl Generator<'_> {
    /// The new body of a handler; its signature gains the request and its return type the
    /// wrapper.
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
        // The server glue starts the span itself; attributes and links join it afterwards.
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
            #enrich
            #run
        }
    }
}
