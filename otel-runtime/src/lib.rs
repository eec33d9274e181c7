//! The runtime behind [`#[traced]`](traced): one-call setup, exporters, propagation and the
//! actix-web / awc glue that generated code calls.
//!
//! ```no_run
//! use otel_runtime::traced;
//!
//! #[traced]
//! fn parent() {}
//!
//! let _guard = otel_runtime::init(); // console output unless OTEL_TRACES_EXPORTER says otherwise
//! parent();
//! ```
//!
//! Cargo features: `actix-web` (server handlers) and `awc` (client calls), both on by default.

mod console;
mod instrument;
mod memory;
mod panic_capture;
pub mod propagation;
mod setup;
pub mod testing;
pub mod tracecontext;
mod warn;

#[cfg(any(feature = "actix-web", feature = "awc"))]
mod headers;
#[cfg(any(feature = "actix-web", feature = "awc"))]
mod http_attributes;

#[cfg(feature = "actix-web")]
mod actix;
#[cfg(feature = "awc")]
mod awc;

pub use console::{ConsoleExporter, SeedLine};
pub use instrument::{tracer_provider_changed, CANCELLED_ATTRIBUTE};
pub use memory::InMemoryExporter;
pub use otel_macros::traced;
pub use panic_capture::PANIC_EXCEPTION_TYPE;
pub use setup::{
    builder, init, set_tracer_provider, Builder, ExporterKind, SetupError, TracingGuard,
};

#[cfg(feature = "awc")]
pub use crate::awc::{SendResult, TracedRequest};
#[cfg(any(feature = "actix-web", feature = "awc"))]
pub use headers::{HeaderExtractor, HeaderInjector};

/// What `#[traced]` expands to calls; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::instrument::{
        mark_client_span, start_span, InScope, Instrumented, Parent, SpanGuard, TracerCell,
    };
    pub use opentelemetry::trace::SpanKind;
    pub use opentelemetry::{Context, KeyValue};

    /// The actix-web handler glue.
    #[cfg(feature = "actix-web")]
    pub mod actix {
        pub use crate::actix::{start_server_span, ServerRequest, Traced};
    }
}
