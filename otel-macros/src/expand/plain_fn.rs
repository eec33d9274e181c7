//! [`Shape::PlainFn`](crate::shape::Shape::PlainFn): the span is current for the body and ends
//! when it returns or unwinds.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use super::typed_body::typed_body;
use super::{hidden, Generator};

impl Generator<'_> {
    /// The new body of a plain `fn`.
    pub(super) fn plain_fn(&self, function: &ItemFn) -> TokenStream {
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
        let record = self.record_outcome(&result, &quote!(#guard.context()));
        // The closure gives `return` and `?` in the body a place to land before the outcome is
        // recorded.
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
}
