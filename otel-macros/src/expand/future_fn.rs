//! [`Shape::FutureReturningFn`](crate::shape::Shape::FutureReturningFn): the span starts at the
//! call, is current for the code before the returned `async` block, and that future carries it
//! to its end.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Expr};

use super::outcome::Release;
use super::{hidden, Generator};
use crate::shape::ReturnedFuture;

impl Generator<'_> {
    /// The new body of a `fn` whose body ends in an `async` block.
    pub(super) fn future_fn(&self, returned: ReturnedFuture) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let ReturnedFuture { setup, future, pin } = returned;
        let future: Expr = if self.wants_outcome() {
            let run = self.await_in_scope(
                quote!(#private::InScope::optional(#cx, #future)),
                Release::Finish,
            );
            parse_quote!(async move { #run })
        } else {
            parse_quote!(#private::Instrumented::optional(#cx, #future))
        };
        let tail = match pin {
            Some(mut call) => {
                call.args = std::iter::once(future).collect();
                Expr::Call(call)
            }
            None => future,
        };
        let start = self.start();
        let attached = hidden("__otel_attached");
        let current = hidden("__otel_current");
        quote! {
            #start
            let #attached = ::core::option::Option::map(
                ::core::option::Option::as_ref(&#cx),
                |#current| #private::Context::attach(::core::clone::Clone::clone(#current.context())),
            );
            #(#setup)*
            #tail
        }
    }
}
