//! What `#[traced]` expands to: the call site's tracer, the span's start, its guard, the future
//! wrapper, attribute values, outcome recording, parents and links, panic capture, and the
//! current span handle.
//!
//! Everything here is public only so generated code can reach it; it is not a stable API.
//!
//! # Cost
//!
//! The hot path is what a careful person would write by hand with the SDK: one span built by the
//! SDK's own tracer, one context holding it, attached while the body runs. Around that it adds
//! a few relaxed loads per call and nothing else:
//!
//! - A call site's tracer is cached in a leaked, immutable entry behind an atomic pointer, tagged
//!   with the provider generation it was fetched in: no lock, no reference count per call.
//! - A provider installed with [`crate::set_tracer_provider`] is used through its concrete SDK
//!   tracer, not the global `BoxedTracer` (which boxes every span once more and dispatches
//!   dynamically). Anything else installed globally goes through the global provider.
//! - When the installed provider makes no-op spans (none installed, `OTEL_SDK_DISABLED=true`),
//!   a call site notices it on its first span (the span repeats its parent's context and
//!   records nothing) and the generated code skips the span altogether from then on, for spans
//!   whose parent is the current context: no context, no allocation, the attribute expressions
//!   are not evaluated. Installing a provider (which bumps the generation) ends that.
//! - A span that does not record (unsampled) is made current for its children, but neither
//!   ended explicitly nor recorded on: the SDK drops it silently.
//!
//! One cost is chosen on purpose: a recording span is ended explicitly when the function
//! returns (a lock of the span's mutex and a dynamic call, ~75 instructions), not when the last
//! copy of its context is dropped, as the SDK's `in_span` does. A copy kept by work that
//! outlives the call (a task spawned with the context, a stored [`crate::current_span`]
//! handle) would otherwise stretch the span to that work's end, or keep it from export.

mod attribute_value;
mod current_span;
mod future;
mod guard;
mod meter;
mod outcome;
mod panic_capture;
mod relations;
mod span;
mod sync_span;
mod tracer;

pub use attribute_value::{debug_value, display_value, native_value, AttributeValue};
pub use current_span::{current_span, CurrentSpan};
pub use future::{InScope, Instrumented};
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
pub(crate) use guard::SpanGuard;
pub use guard::CANCELLED_ATTRIBUTE;
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
pub(crate) use meter::{installed_meter_provider, meter_generation};
pub(crate) use meter::{meter_provider_installed, runtime_meter};
pub use outcome::{record_err_debug, record_err_display, record_return, RETURN_VALUE_ATTRIBUTE};
pub use panic_capture::PANIC_EXCEPTION_TYPE;
pub use relations::{link_from, parent_from, IntoLink, IntoParent};
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
pub(crate) use span::start_span;
#[cfg(any(feature = "awc", feature = "reqwest"))]
pub(crate) use span::ClientSpan;
pub use span::{enrich_span, start_traced, Parent, Started};
#[cfg(feature = "actix-web")]
pub(crate) use span::{is_middleware_owned, mark_middleware_owned};
pub use sync_span::SyncSpan;
#[cfg(feature = "tracing")]
pub(crate) use tracer::CellSpan;
pub(crate) use tracer::{provider_generation, sdk_provider_installed};
pub use tracer::{tracer_provider_changed, TracerCell};
