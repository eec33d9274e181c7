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
/// calls become its children, and it ends exactly once: when the function returns, when it
/// panics (status Error with an `exception` event) or when its future is dropped
/// (attribute `otel.cancelled = true`, status Error).
///
/// # Options
///
/// | option | meaning |
/// |---|---|
/// | `name = "..."` | span name (default: the function's name; HTTP spans below) |
/// | `kind = internal \| server \| client \| producer \| consumer` | span kind (default `internal`) |
/// | `crate = path` | where `otel_runtime` is, if you re-export it (default `::otel_runtime`) |
///
/// `kind = server` is for actix-web handlers (`async fn`): the span's parent is the context
/// carried by the request headers, it is named `{method} {route}` and records the stable HTTP
/// server attributes and the response status. `kind = client` marks a function that sends an
/// awc request with `otel_runtime::TracedRequest`: the request carries this span's context and
/// the span records the HTTP client attributes and is renamed `{method}` unless named.
///
/// ```
/// use otel_runtime::traced;
///
/// #[traced]
/// fn parent() -> u32 {
///     child() + 1
/// }
///
/// #[traced(name = "compute child", kind = internal)]
/// fn child() -> u32 {
///     41
/// }
///
/// assert_eq!(parent(), 42);
/// ```
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    let (options, mut errors) = options::Options::parse(args.into());
    let item: proc_macro2::TokenStream = item.into();
    let function = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = validate::not_a_function(&item);
            return combine(errors, error, item).into();
        }
    };
    if let Err(error) = validate::function(&options, &function) {
        errors = Some(match errors {
            Some(mut all) => {
                all.combine(error);
                all
            }
            None => error,
        });
    }
    match errors {
        // Emit the function untouched beside the errors, so only the real mistakes show.
        Some(errors) => {
            let errors = errors.to_compile_error();
            quote::quote!(#errors #function).into()
        }
        None => expand::traced_fn(&options, function).into(),
    }
}

fn combine(
    errors: Option<syn::Error>,
    error: syn::Error,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let mut all = error;
    if let Some(errors) = errors {
        all.combine(errors);
    }
    let all = all.to_compile_error();
    quote::quote!(#all #item)
}
