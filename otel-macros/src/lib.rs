//! `#[traced]`: an OpenTelemetry span for every call of a function.
//!
//! Use it through `otel_runtime::traced`, which re-exports it; the generated code calls
//! `otel_runtime` and goes to whatever tracer provider is installed globally.

mod expand;
mod options;
mod validate;

use proc_macro::TokenStream;

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
/// | `ret`, `ret(Debug)`, `ret(Display)` | records the returned value (the `Ok` value of a `Result`) as `code.return.value` |
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

fn expand(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let (options, mut errors) = options::Options::parse(args);
    let function = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let mut all = validate::not_a_function(&item);
            if let Some(errors) = errors {
                all.combine(errors);
            }
            let all = all.to_compile_error();
            return quote::quote!(#all #item);
        }
    };
    if let Err(error) = validate::function(&options, &function) {
        match &mut errors {
            Some(all) => all.combine(error),
            None => errors = Some(error),
        }
    }
    match errors {
        // Emit the function untouched beside the errors, so only the real mistakes show.
        Some(errors) => {
            let errors = errors.to_compile_error();
            quote::quote!(#errors #function)
        }
        None if cfg!(feature = "disabled") => quote::quote!(#function),
        None => expand::traced_fn(&options, function),
    }
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn disabled_feature_leaves_the_function_unchanged() {
        let item: proc_macro2::TokenStream = quote::quote!(
            fn work(a: u32) -> u32 {
                a + 1
            }
        );
        let expanded = expand(quote::quote!(name = "w"), item.clone()).to_string();
        if cfg!(feature = "disabled") {
            assert_eq!(expanded, item.to_string());
        } else {
            assert!(expanded.contains("start_traced"), "{expanded}");
        }
    }

    #[test]
    fn errors_keep_the_function() {
        let item = quote::quote!(
            fn work() {}
        );
        let expanded = expand(quote::quote!(nmae = "w", kind = sever), item).to_string();
        assert!(expanded.contains("unknown option `nmae`"), "{expanded}");
        assert!(expanded.contains("unknown span kind `sever`"), "{expanded}");
        assert!(expanded.contains("fn work"), "{expanded}");
    }
}
