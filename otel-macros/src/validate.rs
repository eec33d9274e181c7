//! Checks that need the function as well as the options.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::options::{Kind, Options};

/// The error for `#[traced]` on something that is not a function with a body.
pub fn not_a_function(item: &TokenStream) -> syn::Error {
    let span = item
        .clone()
        .into_iter()
        .find(|token| !matches!(token, proc_macro2::TokenTree::Punct(_)))
        .map_or_else(proc_macro2::Span::call_site, |token| token.span());
    syn::Error::new(
        span,
        "#[traced] applies to functions and methods with a body only",
    )
}

/// Checks the options against the function they annotate.
pub fn function(options: &Options, function: &ItemFn) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    if let Some(constness) = &function.sig.constness {
        push(syn::Error::new(
            constness.span(),
            "#[traced] cannot instrument a `const fn`: starting a span is not a const operation",
        ));
    }
    if let Some((Kind::Server, span)) = options.kind {
        if function.sig.asyncness.is_none() {
            push(syn::Error::new(
                span,
                "`kind = server` instruments actix-web handlers, which must be `async fn`",
            ));
        }
    }
    errors.map_or(Ok(()), Err)
}
