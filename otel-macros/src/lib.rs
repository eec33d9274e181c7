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
/// server attributes and the response status (see [Server handlers](#server-handlers)).
/// `kind = client` marks a function that sends an
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
///
/// # Server handlers
///
/// With `kind = server` the handler's signature changes, so that the span covers the whole
/// request as actix-web answers it:
///
/// - a hidden first argument brings the request (its headers give the span's parent, its
///   matched route `http.route` and the span's name);
/// - every argument `pattern: T` is taken as actix's `Result` of the extractor `T`, and bound to
///   `pattern` once the span has started. A request that an extractor rejects (a body that is
///   not valid JSON, a path segment that does not parse, a payload over the limit, missing
///   `web::Data`, a custom extractor's error) is answered inside the span with the response
///   actix sends for that error (400, 404, 413, 500, ...), and the span records its status
///   code (and `error.type` for a 5xx). When several extractors fail, the first argument's
///   error answers; unlike actix alone, the extractors after it have run too. Attributes that
///   name arguments are recorded once every argument is extracted: a rejected request has none;
/// - the return type `R` becomes a `Responder` wrapping `R`, which records the response's status
///   code and ends the span.
///
/// Routing attributes go above `#[traced]` (`#[get("/items/{id}")]` then
/// `#[traced(kind = server)]`). Behind the [`TraceRequests`] middleware the handler adopts the
/// middleware's span instead of starting one: each request still has one SERVER span.
///
/// [`TraceRequests`]: https://docs.rs/otel-runtime/latest/otel_runtime/actix/struct.TraceRequests.html
///
/// ## Testing a traced handler
///
/// As the handler no longer has the signature it was written with, a test does not call it
/// directly: it registers it in an `App` and sends it requests with `actix_web::test`, which is
/// how actix-web calls it too. Under [`otel_runtime::testing::capture`] the test sees its span.
///
/// [`otel_runtime::testing::capture`]: https://docs.rs/otel-runtime/latest/otel_runtime/testing/fn.capture.html
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use otel_runtime::opentelemetry::trace::SpanKind;
/// use otel_runtime::traced;
///
/// #[traced(kind = server)]
/// async fn greet(path: web::Path<(String, usize)>) -> HttpResponse {
///     let (name, times) = path.into_inner();
///     HttpResponse::Ok().body(name.repeat(times))
/// }
///
/// #[actix_web::main]
/// async fn main() {
///     let capture = otel_runtime::testing::capture();
///     let app = test::init_service(
///         App::new().route("/greet/{name}/{times}", web::get().to(greet)),
///     )
///     .await;
///
///     let request = test::TestRequest::get().uri("/greet/ab/2").to_request();
///     let response = test::call_service(&app, request).await;
///     assert_eq!(response.status(), 200);
///     assert_eq!(test::read_body(response).await, "abab");
///
///     // A path that does not parse is actix's 404, and the handler's span records it.
///     let request = test::TestRequest::get().uri("/greet/ab/many").to_request();
///     let response = test::call_service(&app, request).await;
///     assert_eq!(response.status(), 404);
///
///     let spans = capture.spans();
///     assert_eq!(spans.len(), 2);
///     for span in &spans {
///         assert_eq!(span.span_kind, SpanKind::Server);
///         assert_eq!(span.name, "GET /greet/{name}/{times}");
///     }
/// }
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
