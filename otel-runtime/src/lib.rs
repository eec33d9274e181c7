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
//! `otlp-http` (OTLP over http/protobuf and http/json), `otlp-grpc` (OTLP over gRPC) and
//! `otlp-tls` (`https://` OTLP endpoints: rustls with the ring provider) and `tracing` (`tracing`
//! spans in the same traces, and log lines carrying the trace: [`tracing_layer`]).
//!
//! # Module map
//!
//! | module | what it owns |
//! |---|---|
//! | `setup` | [`init`], [`builder`], [`TracingGuard`]: wires the configuration into the tracer and meter providers |
//! | [`config`] | `OTEL_*` variables into typed settings, with one warning per invalid setting |
//! | `instrument` | what `#[traced]` expands to: tracer cache, span start and guard, future wrapper, outcome, panics; the installed meter provider |
//! | `export` | console (line, tree, JSON), in-memory and OTLP exporters; the batch processor and its [`ExportStats`]; the metrics console summary and the span counts as metrics |
//! | [`propagation`] | W3C trace context and baggage, B3, Jaeger; extract and inject with the installed propagator |
//! | `http` | header carriers, HTTP semantic-convention attributes and metrics, actix-web server and awc client glue |
//! | [`testing`] | capturing spans in tests and asserting a trace's shape |
//! | `bridge` | feature `tracing`: `tracing` spans into the same traces ([`tracing_layer`]), events and `log` records as log lines with trace ids |
//!
//! Dependencies point down this table (`http` uses `instrument` and `propagation`, `export` uses
//! `config`, ...), never back up. `warn` prints the runtime's own stderr lines and `recover`
//! keeps locks and panic payloads usable after a panic.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, unreachable_pub, missing_debug_implementations)]

#[cfg(feature = "tracing")]
mod bridge;
pub mod config;
mod export;
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
mod http;
mod instrument;
pub mod propagation;
mod recover;
mod setup;
pub mod testing;
mod warn;

#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use bridge::tracing_layer;
pub use config::{ConsoleFormat, ExporterKind};
pub use export::batch::{
    export_stats, BatchProcessor, BatchProcessorBuilder, ExportStats, StatsHandle,
};
pub use export::console::{ConsoleExporter, SpanJson, SpanLine, TraceTree};
pub use export::memory::InMemoryExporter;
pub use export::value_limit::DEFAULT_REQUEST_VALUE_LIMIT;
pub use instrument::{
    current_span, tracer_provider_changed, AttributeValue, CurrentSpan, IntoLink, IntoParent,
    CANCELLED_ATTRIBUTE, PANIC_EXCEPTION_TYPE, RETURN_VALUE_ATTRIBUTE,
};
pub use opentelemetry::context::FutureExt;
pub use otel_macros::traced;
pub use propagation::tracecontext;
pub use setup::{
    builder, init, set_meter_provider, set_tracer_provider, Builder, SetupError, TracingGuard,
};

#[cfg(any(feature = "actix-web", feature = "awc"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "actix-web", feature = "awc"))))]
pub use http::carrier::{HeaderExtractor, HeaderInjector};
#[cfg(any(feature = "awc", feature = "reqwest"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "awc", feature = "reqwest"))))]
pub use http::client::TracedRequest;
#[cfg(feature = "awc")]
#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
pub use http::client::{SendResult, TracedSendBody};
pub use opentelemetry;
pub use opentelemetry_sdk;

/// actix-web integration: the [`TraceRequests`](actix::TraceRequests) middleware (handlers are
/// traced with `#[traced(kind = server)]`).
#[cfg(feature = "actix-web")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix-web")))]
pub mod actix {
    pub use crate::http::server::{TraceRequests, TraceRequestsService};
}

/// awc integration: the [`TraceRequests`](crate::awc::TraceRequests) client middleware (or
/// [`TracedRequest`] per request).
#[cfg(feature = "awc")]
#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
pub mod awc {
    pub use crate::http::client::{TraceRequests, TraceRequestsService};
}

/// What `#[traced]` expands to calls; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::instrument::{
        debug_value, display_value, enrich_span, link_from, native_value, parent_from,
        record_err_debug, record_err_display, record_return, start_traced, InScope, Instrumented,
        Parent, Started, SyncSpan, TracerCell,
    };
    pub use opentelemetry::trace::SpanKind;
    pub use opentelemetry::{Context, KeyValue};

    /// The actix-web handler glue.
    #[cfg(feature = "actix-web")]
    pub mod actix {
        pub use crate::http::server::{start_server_span, Extracted, ServerRequest, Traced};
    }
}
