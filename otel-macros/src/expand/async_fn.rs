//! [`Shape::AsyncFn`](crate::shape::Shape::AsyncFn): the body becomes a future that keeps the
//! span current on every poll and ends it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use super::outcome::Release;
use super::typed_body::typed_body;
use super::Generator;

impl Generator<'_> {
    /// The new body of an `async fn`.
    pub(super) fn async_fn(&self, function: &ItemFn) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let start = self.start();
        let body = typed_body(&function.sig.output, &function.block);
        let future = quote!(async move #body);
        if self.wants_outcome() {
            let run = self.await_in_scope(
                quote!(#private::InScope::optional(#cx, #future)),
                Release::Finish,
            );
            quote! {
                #start
                #run
            }
        } else {
            quote! {
                #start
                #private::Instrumented::optional(#cx, #future).await
            }
        }
    }
}
