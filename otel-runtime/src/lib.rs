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
//! Cargo features, all on by default: `actix-web` (server handlers), `awc` (client calls),
//! `otlp-http` (OTLP over http/protobuf) and `otlp-grpc` (OTLP over gRPC).

mod attribute_value;
mod batch_processor;
pub mod config;
mod console;
mod console_json;
mod console_tree;
mod current_span;
mod export_stats;
mod instrument;
mod memory;
mod otlp;
mod outcome;
mod panic_capture;
mod processor;
pub mod propagation;
mod relations;
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

pub use attribute_value::AttributeValue;
pub use batch_processor::{BatchProcessor, BatchProcessorBuilder, StatsHandle};
pub use config::{ConsoleFormat, ExporterKind};
pub use console::{ConsoleExporter, SeedLine};
pub use console_json::SpanJson;
pub use console_tree::TraceTree;
pub use current_span::{current_span, CurrentSpan};
pub use export_stats::{export_stats, ExportStats};
pub use instrument::{tracer_provider_changed, CANCELLED_ATTRIBUTE};
pub use memory::InMemoryExporter;
pub use opentelemetry::context::FutureExt;
pub use otel_macros::traced;
pub use outcome::RETURN_VALUE_ATTRIBUTE;
pub use panic_capture::PANIC_EXCEPTION_TYPE;
pub use relations::{IntoLink, IntoParent};
pub use setup::{builder, init, set_tracer_provider, Builder, SetupError, TracingGuard};

#[cfg(feature = "awc")]
pub use crate::awc::{SendResult, TracedRequest};
#[cfg(any(feature = "actix-web", feature = "awc"))]
pub use headers::{HeaderExtractor, HeaderInjector};

/// What `#[traced]` expands to calls; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::attribute_value::{debug_value, display_value, native_value};
    pub use crate::instrument::{
        enrich_span, mark_client_span, start_linked_span, start_span, start_traced, InScope,
        Instrumented, Parent, SpanGuard, Started, SyncSpan, TracerCell,
    };
    pub use crate::outcome::{record_err_debug, record_err_display, record_return};
    pub use crate::relations::{link_from, parent_from};
    pub use opentelemetry::trace::SpanKind;
    pub use opentelemetry::{Context, KeyValue};

    /// The actix-web handler glue.
    #[cfg(feature = "actix-web")]
    pub mod actix {
        pub use crate::actix::{start_server_span, ServerRequest, Traced};
    }
}
