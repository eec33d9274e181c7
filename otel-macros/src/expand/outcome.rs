//! Recording what the function produced (`err`, `ret`) and ending its span afterwards.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Type;

use super::{hidden, Generator};
use crate::options::Format;

/// What happens to the span once the body's future has completed and its outcome is recorded.
pub(super) enum Release {
    /// The span ends, and the function returns the body's value.
    Finish,
    /// The value and the still-open span go to the actix-web response wrapper, which ends the
    /// span once the response's status is known.
    Response,
}

impl Generator<'_> {
    /// Whether `err` or `ret` asks for the outcome.
    pub(super) fn wants_outcome(&self) -> bool {
        self.options.err.is_some() || self.options.ret.is_some()
    }

    /// `let (result, guard) = #scope.await;`, the outcome recorded on the still-open span,
    /// then `release`. `scope` is an `InScope` future: it keeps the span current while the
    /// body runs and hands back the body's value with the span's guard.
    pub(super) fn await_in_scope(&self, scope: TokenStream, release: Release) -> TokenStream {
        let private = &self.private;
        let result = hidden("__otel_result");
        let guard = hidden("__otel_guard");
        let record = self
            .record_outcome(&result, &quote!(#guard.context()))
            .map(|record| quote!(if #guard.is_active() { #record }));
        match release {
            Release::Finish => quote! {
                let (#result, mut #guard) = #scope.await;
                #record
                #guard.finish();
                #result
            },
            Release::Response => quote! {
                let (#result, #guard) = #scope.await;
                #record
                #private::actix::Traced::new((#result, #guard))
            },
        }
    }

    /// Statements recording `result` on the span of `cx` (for `err` and `ret`), if asked for.
    pub(super) fn record_outcome(
        &self,
        result: &syn::Ident,
        cx: &TokenStream,
    ) -> Option<TokenStream> {
        let private = &self.private;
        let mut statements = Vec::new();
        // The recorded values are named at the option's key (hygiene unchanged), so that a
        // type `err` or `ret` cannot handle is reported on `err` or `ret`, not on the whole
        // attribute.
        if let Some((span, format)) = self.options.err {
            let result = located_at(result, span);
            statements.push(match format {
                Format::Debug => quote_spanned!(span=> #private::record_err_debug(#cx, &#result);),
                _ => quote_spanned!(span=> #private::record_err_display(#cx, &#result);),
            });
        }
        if let Some((span, format)) = self.options.ret {
            let value = located_at(&hidden("__otel_ok"), span);
            let converted = self.convert(format, span, quote!(#value));
            statements.push(if self.returns_result() {
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

    /// Whether the function's work produces a `Result`, so that `ret` records its `Ok` value.
    ///
    /// With `err` it does whatever the type is called: `err` only compiles for types
    /// implementing the runtime's `Fallible`, which only `Result` does (under any alias). Without
    /// `err` there is no trait to ask (telling a `Result` from any other `T` needs
    /// specialization), so the spelling decides: a type named `Result` (`io::Result<T>`, ...).
    fn returns_result(&self) -> bool {
        self.options.err.is_some() || self.output.as_ref().is_some_and(is_spelled_result)
    }
}

/// `ident`, resolving as before, but reported at `span`.
fn located_at(ident: &syn::Ident, span: Span) -> syn::Ident {
    syn::Ident::new(&ident.to_string(), ident.span().located_at(span))
}

/// Whether `ty` is spelled as a `Result` (`Result<..>`, `io::Result<..>`, an alias named so).
fn is_spelled_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "Result"),
        Type::Paren(inner) => is_spelled_result(&inner.elem),
        Type::Group(inner) => is_spelled_result(&inner.elem),
        _ => false,
    }
}
