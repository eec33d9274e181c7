//! The `tracing` ecosystem in the same traces (feature `tracing`): `tracing` spans as spans of
//! the installed provider, `tracing` events and `log` records as log lines that carry the trace.
//!
//! # One tree, both directions
//!
//! Spans go through [tracing-opentelemetry] 0.34 (built on the same `opentelemetry` 0.33), not
//! a bridge of our own: it already maps `otel.name`, `otel.kind`, `otel.status_code` and
//! `otel.status_description`, span fields to attributes, events to span events, error fields to
//! exceptions, `follows_from` to links, and idle/busy time, and it is what other libraries and
//! their users expect; a bridge of our own would repeat its ~2,000 lines for the same result.
//! Two things make it one tree with `#[traced]`:
//!
//! - its *context activation* (on by default): entering a `tracing` span attaches that span's
//!   OpenTelemetry context, so a `#[traced]` function called inside it (which takes its parent
//!   from `Context::current()`) is its child; and a `tracing` span with no `tracing` parent
//!   takes `Context::current()` as parent, so one opened inside a `#[traced]` function is that
//!   function's child;
//! - its tracer is ours (`tracer::ProviderTracer`): each span is built with the provider
//!   installed at that moment, as `#[traced]` call sites do, so [`crate::init`],
//!   [`crate::set_tracer_provider`] and [`crate::testing::capture`] take effect on a subscriber
//!   built before them.
//!
//! # Setup
//!
//! [`crate::init`], [`crate::builder`]`().install()` and [`crate::testing::capture`] install a
//! global default subscriber with [`tracing_layer`] (and forward `log` records to it), unless
//! the application has set one already: then it adds [`tracing_layer`] to its own.
//!
//! # Log records
//!
//! A `tracing` event (or a `log` record, through tracing-log) goes where `OTEL_LOGS_EXPORTER`
//! says (`logs`): a console line on stderr (`log_line`), written by the thread that logs it as
//! tracing-subscriber's `fmt` layer writes; and an OTLP log record made by
//! opentelemetry-appender-tracing 0.33 (the OpenTelemetry project's bridge: severity, body,
//! fields as attributes; the SDK adds the trace and span ids of `Context::current()`, which
//! context activation keeps in step with the `tracing` span stack), queued for the SDK's batch
//! log processor, which exports on its own thread.
//!
//! # No loops
//!
//! The runtime's own warnings stay plain stderr lines. The exporters run with telemetry
//! suppressed (`Context::enter_telemetry_suppressed_scope`) on their threads, the runtimes of
//! their HTTP and gRPC clients included; the bridge's filter (`filter`) takes nothing made while
//! telemetry is suppressed, so what hyper, h2 or tonic log or trace while exporting is never
//! exported in turn.
//!
//! [tracing-opentelemetry]: https://docs.rs/tracing-opentelemetry/0.34.0

mod filter;
mod log_line;
pub(crate) mod logs;
mod tracer;

use std::sync::Once;

use tracing::Subscriber;
use tracing_log::AsLog as _;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::layer::{Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use log_line::ConsoleLogs;
use logs::OtlpLogs;
use tracer::ProviderTracer;

/// The layer that puts `tracing` spans into the installed provider's traces and writes
/// `tracing` events as log lines carrying the current trace and span ids (where
/// `OTEL_LOGS_EXPORTER` says), filtered by `RUST_LOG` (`info` when unset).
///
/// [`crate::init`] installs it for you when the application has no subscriber of its own. An
/// application that has one adds it there:
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// #[otel_runtime::traced]
/// fn handler() {
///     tracing::info!("inside the traced function");
/// }
///
/// let subscriber = tracing_subscriber::registry().with(otel_runtime::tracing_layer());
/// tracing::subscriber::set_global_default(subscriber).expect("no other subscriber yet");
/// let _guard = otel_runtime::builder()
///     .default_exporter(otel_runtime::ExporterKind::None)
///     .install()
///     .expect("tracing set up");
///
/// let span = tracing::info_span!("request", otel.kind = "server");
/// span.in_scope(handler); // `handler` is the child of `request`
/// ```
pub fn tracing_layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    OpenTelemetryLayer::new(ProviderTracer::new())
        .and_then(ConsoleLogs)
        .and_then(OtlpLogs)
        .with_filter(filter::bridge_filter())
}

/// Installs a global default subscriber with [`tracing_layer`], and the `log` crate's logger
/// forwarding to it, unless the application installed either already (once per process).
pub(crate) fn install_default_subscriber() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(tracing_layer());
        // Refused when the application has a subscriber: it is never replaced.
        if tracing::subscriber::set_global_default(subscriber).is_ok() {
            // At the most verbose level `RUST_LOG` enables, known now that the subscriber is
            // installed: `log` skips the call sites above it at once. Refused when the
            // application has a `log` logger: likewise never replaced.
            let _ = tracing_log::LogTracer::builder()
                .with_max_level(tracing::level_filters::LevelFilter::current().as_log())
                .init();
        }
    });
}
