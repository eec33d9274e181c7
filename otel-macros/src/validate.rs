//! Checks that need the function (and its shape) as well as the options.

use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, Type};

use crate::diagnostics::{did_you_mean, Errors};
use crate::options::Options;
use crate::shape::Shape;

/// Checks the options against the function they annotate, adding every problem to `errors`.
pub(crate) fn function(options: &Options, shape: &Shape, function: &ItemFn, errors: &mut Errors) {
    if let Some(constness) = &function.sig.constness {
        errors.push(syn::Error::new(
            constness.span(),
            "#[traced] cannot instrument a `const fn`: starting a span is not a const operation",
        ));
    }
    if let (Shape::ServerHandler, Some((_, span))) = (shape, options.kind) {
        server_handler(options, function, span, errors);
    }
    if let (Some(_), Some(span)) = (&options.parent, options.root) {
        errors.push(syn::Error::new(
            span,
            "`root` conflicts with `parent`: a span has either an explicit parent or none",
        ));
    }
    if shape
        .output(&function.sig)
        .is_some_and(|output| is_unit(&output))
    {
        unit_outcome(options, shape, errors);
    }
    attributes(options, function, errors);
}

/// `kind = server` (spanned on `server`): an `async fn` whose parent is the request's.
fn server_handler(
    options: &Options,
    function: &ItemFn,
    span: proc_macro2::Span,
    errors: &mut Errors,
) {
    if function.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            span,
            "`kind = server` instruments actix-web handlers, which must be `async fn`",
        ));
    }
    if let Some((span, _)) = &options.parent {
        errors.push(syn::Error::new(
            *span,
            "`parent` cannot be combined with `kind = server`: a server span's parent is the context of the incoming request",
        ));
    }
    if let Some(span) = options.root {
        errors.push(syn::Error::new(
            span,
            "`root` cannot be combined with `kind = server`: a server span's parent is the context of the incoming request",
        ));
    }
}

/// `err` and `ret` on a function whose work produces `()`: nothing to record.
fn unit_outcome(options: &Options, shape: &Shape, errors: &mut Errors) {
    let produces = match shape {
        Shape::FutureReturningFn(_) => "the future this function returns yields `()`",
        _ => "this function returns `()`",
    };
    if let Some((span, _)) = options.err {
        errors.push(syn::Error::new(
            span,
            format!("`err` records the `Err` of a function returning a `Result`, but {produces}"),
        ));
    }
    if let Some((span, _)) = options.ret {
        errors.push(syn::Error::new(
            span,
            format!("`ret` records the returned value, but {produces}"),
        ));
    }
}

/// `attributes(...)`: each key once, and each bare name an argument.
fn attributes(options: &Options, function: &ItemFn, errors: &mut Errors) {
    let Some((_, attributes)) = &options.attributes else {
        return;
    };
    let mut keys = std::collections::HashSet::new();
    for attribute in attributes {
        if !keys.insert(attribute.key.as_str()) {
            errors.push(syn::Error::new(
                attribute.key_span,
                format!(
                    "attribute `{}` is recorded twice: give each key once",
                    attribute.key
                ),
            ));
        }
    }
    let names = argument_names(function);
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    let listed = if names.is_empty() {
        "none".to_owned()
    } else {
        crate::diagnostics::quoted(&candidates)
    };
    for argument in attributes.iter().filter_map(|a| a.argument.as_ref()) {
        let wanted = argument.to_string();
        if !names.contains(&wanted) {
            errors.push(syn::Error::new(
                argument.span(),
                format!(
                    "no argument named `{wanted}` to record: the arguments are {listed}{}; record any other value with `{wanted} = expr`",
                    did_you_mean(&wanted, &candidates)
                ),
            ));
        }
    }
}

/// The names of the function's arguments (`self` for a receiver), in order.
fn argument_names(function: &ItemFn) -> Vec<String> {
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

/// Whether `ty` is spelled `()`.
fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}
