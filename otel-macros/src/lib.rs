//! `#[traced]`: an OpenTelemetry span for every call of a function.
//!
//! Use it through `otel_runtime::traced`, which re-exports it; the generated code calls
//! `otel_runtime` and goes to whatever tracer provider is installed globally.
//!
//! Inside, one concern per module: `options` parses the attribute, `item` the function
//! (signature first), `shape` decides once what kind of function it is, `validate` checks the
//! options against it, `expand` writes the new function, and `diagnostics` collects every
//! error so that one compile reports them all.

#![deny(missing_docs, unreachable_pub, missing_debug_implementations)]

mod diagnostics;
mod expand;
mod item;
mod options;
mod shape;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

use crate::diagnostics::Errors;
use crate::item::UnparsedFn;
use crate::shape::Shape;

/// Runs the annotated function inside an OpenTelemetry span.
///
/// The span is current for the whole body (across every `.await`), so nested `#[traced]`
/// calls become its children, and it ends exactly once: when the function returns; when it
/// panics (status Error, an `exception` event with the panic message and
/// `exception.type = "panic"`, then unwinding goes on); or when its future is dropped before
/// completing (attribute `otel.cancelled = true`, status Error). Nothing is recorded beyond what
/// the options ask for.
///
/// Works on `fn`, `async fn`, methods (any receiver), generic functions, `unsafe fn`, trait
/// methods (native `async fn` in traits and the `async-trait` crate), and functions returning
/// `impl Future` whose body ends in `async move { .. }` or `Box::pin(async move { .. })` (the
/// span starts at the call and ends with the future).
///
/// # Options
///
/// | option | meaning |
/// |---|---|
/// | `name = "..."` | span name (default: the function's name) |
/// | `kind = internal \| server \| client \| producer \| consumer` | span kind (default `internal`) |
/// | `attributes(a, key = expr, ?a, %a, key = ?expr)` | attributes at the start: an argument by name, any expression under a key (`a.b` or `"a.b"`), natively (integers, floats, bools, strings) or with `?` Debug / `%` Display |
/// | `err`, `err(Debug)` | an `Err` sets status Error (description: the error's Display / Debug), adds an `exception` event and `error.type` |
/// | `ret`, `ret(Debug)`, `ret(Display)` | records the returned value (the `Ok` value of a `Result`, see below) as `code.return.value` |
/// | `parent = expr` | explicit parent: a `Context` or `SpanContext` (or `Option` of either; `None` is a root) |
/// | `root` | start a new trace, whatever is current |
/// | `links(expr, ...)` | link to other spans (`SpanContext` or `Context` each) |
/// | `code` | record `code.function.name`, `code.file.path`, `code.line.number` |
/// | `crate = path` | where `otel_runtime` is, if you re-export it (default `::otel_runtime`) |
///
/// `kind = server` is for actix-web handlers (`async fn`): the span's parent is the context
/// carried by the request headers, it is named `{method} {route}`, and it records the stable HTTP
/// server attributes and the response status. `kind = client` marks a function that sends an
/// awc request with `otel_runtime::TracedRequest`: the request carries this span's context and
/// the span records the HTTP client attributes and is renamed `{method}` unless named.
///
/// `err` works with any type that is a `Result`, whatever it is called (`io::Result<T>`,
/// `type Outcome<T> = Result<T, MyError>`): the compiler checks it. `ret` records the `Ok`
/// value when the function returns a `Result`: always together with `err`, and without `err`
/// when the return type is spelled `Result` (`Result<T, E>`, `io::Result<T>`,
/// `anyhow::Result<T>`). Without `err`, a `Result` under another name is recorded whole: write
/// `#[traced(err, ret)]` for its `Ok` value.
///
/// With the `disabled` feature of `otel-runtime` the function is left unchanged.
///
/// # Examples
///
/// ```
/// use otel_runtime::traced;
///
/// #[traced]
/// fn parent() -> u32 {
///     child(41)
/// }
///
/// #[traced(name = "compute child", kind = internal, attributes(input, doubled = input * 2))]
/// fn child(input: u32) -> u32 {
///     input + 1
/// }
///
/// assert_eq!(parent(), 42);
/// ```
///
/// Errors and return values:
///
/// ```
/// use otel_runtime::traced;
///
/// #[traced(err, ret)]
/// fn parse(text: &str) -> Result<i64, std::num::ParseIntError> {
///     Ok(text.trim().parse::<i64>()? * 2)
/// }
///
/// #[traced(err(Debug), attributes(file = %path.display()))]
/// async fn load(path: &std::path::Path) -> Result<Box<dyn std::error::Error>, std::io::Error> {
///     let text = std::fs::read_to_string(path)?;
///     Ok(text.into())
/// }
/// # assert_eq!(parse("21"), Ok(42));
/// # drop(load(std::path::Path::new("x")));
/// ```
///
/// A `Result` under another name:
///
/// ```
/// use otel_runtime::traced;
///
/// type Outcome<T> = Result<T, std::num::ParseIntError>;
///
/// #[traced(err, ret)] // records the `Ok` value, as for `Result<u8, ParseIntError>`
/// fn level(text: &str) -> Outcome<u8> {
///     text.parse()
/// }
/// # assert_eq!(level("3"), Ok(3));
/// ```
///
/// Parents and links:
///
/// ```
/// use otel_runtime::{current_span, traced};
/// use opentelemetry::trace::SpanContext;
///
/// #[traced(root, links(origin))]
/// fn background_job(origin: &SpanContext) {}
///
/// #[traced(parent = origin.clone())]
/// fn continue_from(origin: &SpanContext) {}
///
/// #[traced]
/// fn request() {
///     let here = current_span().span_context();
///     background_job(&here);
///     continue_from(&here);
/// }
/// # request();
/// ```
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into()).into()
}

/// `#[traced(args)] item`: the instrumented function, or every error found beside the item as
/// written (so that only the real mistakes show, not a cascade from a missing function).
fn expand(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let mut errors = Errors::default();
    let options = options::Options::parse(args, &mut errors);
    let function = match syn::parse2::<UnparsedFn>(item.clone()).map(UnparsedFn::parse_body) {
        Ok(Ok(function)) => function,
        // A syntax error in the body, or in the signature of something written as a function:
        // rustc has already reported it at its own token, before calling us.
        Ok(Err(_)) => return with_errors(&errors, item),
        Err(_) if item::looks_like_function(&item) => return with_errors(&errors, item),
        Err(_) => {
            errors.push(item::not_a_function(&item));
            return with_errors(&errors, item);
        }
    };
    let shape = Shape::of(options.kind(), &function);
    validate::function(&options, &shape, &function, &mut errors);
    if !errors.is_empty() {
        return with_errors(&errors, quote::quote!(#function));
    }
    if cfg!(feature = "disabled") {
        return quote::quote!(#function);
    }
    expand::traced_fn(&options, shape, function)
}

/// `errors` as `compile_error!`s, followed by `item` unchanged.
fn with_errors(errors: &Errors, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let errors = errors.to_compile_error();
    quote::quote!(#errors #item)
}
