//! Checks that need the function as well as the options.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType};

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

/// The names of the function's arguments (`self` for a receiver), in order.
pub fn argument_names(function: &ItemFn) -> Vec<String> {
    function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Receiver(_) => Some("self".to_owned()),
            FnArg::Typed(typed) => match typed.pat.as_ref() {
                Pat::Ident(pat) => Some(pat.ident.to_string()),
                _ => None,
            },
        })
        .collect()
}

/// Checks the options against the function they annotate, reporting every problem at once.
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
        if let Some((span, _)) = &options.parent {
            push(syn::Error::new(
                *span,
                "`parent` cannot be combined with `kind = server`: a server span's parent is the context of the incoming request",
            ));
        }
        if let Some(span) = options.root {
            push(syn::Error::new(
                span,
                "`root` cannot be combined with `kind = server`: a server span's parent is the context of the incoming request",
            ));
        }
    }
    if let (Some(_), Some(span)) = (&options.parent, options.root) {
        push(syn::Error::new(
            span,
            "`root` conflicts with `parent`: a span has either an explicit parent or none",
        ));
    }
    let returns_nothing = match &function.sig.output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => {
            matches!(ty.as_ref(), syn::Type::Tuple(tuple) if tuple.elems.is_empty())
        }
    };
    if returns_nothing {
        if let Some((span, _)) = options.err {
            push(syn::Error::new(
                span,
                "`err` records the `Err` of a function returning a `Result`, but this function returns `()`",
            ));
        }
        if let Some((span, _)) = options.ret {
            push(syn::Error::new(
                span,
                "`ret` records the returned value, but this function returns `()`",
            ));
        }
    }
    if let Some((_, attributes)) = &options.attributes {
        let mut keys = std::collections::HashSet::new();
        for attribute in attributes {
            if !keys.insert(attribute.key.as_str()) {
                push(syn::Error::new(
                    attribute.key_span,
                    format!(
                        "attribute `{}` is recorded twice: give each key once",
                        attribute.key
                    ),
                ));
            }
        }
        let names = argument_names(function);
        for attribute in attributes {
            let Some(argument) = &attribute.argument else {
                continue;
            };
            let wanted = argument.to_string();
            if !names.contains(&wanted) {
                let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
                push(syn::Error::new(
                    argument.span(),
                    format!(
                        "no argument named `{wanted}` to record: the arguments are {}{}; record any other value with `{wanted} = expr`",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            candidates.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
                        },
                        crate::options::did_you_mean(&wanted, &candidates)
                    ),
                ));
            }
        }
    }
    errors.map_or(Ok(()), Err)
}
