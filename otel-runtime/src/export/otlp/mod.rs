//! OTLP export behind our [`BatchProcessor`], which runs exports on a thread of its own and
//! counts every span it drops:
//!
//! * `http`: http/protobuf and http/json with hyper's client;
//! * `grpc`: gRPC with tonic;
//! * `on_transport`: the span, log and metric exporter traits of either transport, written once;
//! * `tls` (feature `otlp-tls`): rustls with the *ring* provider for `https://` endpoints of
//!   both: the roots, the client's identity, and a clear cause when the server's certificate
//!   is rejected.
//!
//! Both clients are async, so each exporter owns a current-thread Tokio runtime
//! ([`OwnedRuntime`]) and drives each export on it from the processor's thread: an async client
//! there without one panics with "no reactor" (opentelemetry-rust #2673, #3125), and this
//! works whether or not the program itself runs Tokio (actix-rt, a plain `main`, ...).
//!
//! Each export gives up after the smaller of `OTEL_EXPORTER_OTLP_TIMEOUT` and
//! `OTEL_BSP_EXPORT_TIMEOUT`, retries included, so a dead collector cannot hold the process at
//! exit longer than that. Failures are reported on stderr once per cause, and a recovery once
//! after them (see [`BatchProcessor`]).

mod grpc;
mod http;
#[cfg(feature = "tracing")]
mod logs;
#[cfg(any(feature = "otlp-http", feature = "otlp-grpc"))]
mod on_transport;
#[cfg(all(
    feature = "otlp-tls",
    any(feature = "otlp-http", feature = "otlp-grpc")
))]
mod tls;

use std::sync::Mutex;
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;

#[cfg(feature = "tracing")]
pub(crate) use logs::log_processor;

use super::batch::BatchProcessor;
use super::value_limit::ValueLengthLimit;
use crate::config::{BatchSettings, OtlpConfig, Protocol};
use crate::warn::WarnedCauses;

/// Whether this build can export with `protocol` (cargo features `otlp-http`, `otlp-grpc`).
pub(crate) fn supports(protocol: Protocol) -> bool {
    match protocol {
        Protocol::HttpProtobuf | Protocol::HttpJson => cfg!(feature = "otlp-http"),
        Protocol::Grpc => cfg!(feature = "otlp-grpc"),
    }
}

/// How long one export may take: the smaller of the two configured limits.
pub(crate) fn export_timeout(config: &OtlpConfig, batch: &BatchSettings) -> Duration {
    config.timeout.min(batch.export_timeout)
}

/// The most span data one export carries (estimated): under gRPC's default 4 MiB message limit
/// of collectors, with room for the resource and the estimate's error.
const MAX_EXPORT_BYTES: usize = 3 * 1024 * 1024;

/// The batch span processor exporting to the collector `config` names.
pub(crate) fn batch_processor(
    config: &OtlpConfig,
    batch: &BatchSettings,
    value_limit: ValueLengthLimit,
) -> Result<BatchProcessor, String> {
    let timeout = export_timeout(config, batch);
    let settings = BatchSettings {
        export_timeout: timeout,
        ..*batch
    };
    let name = format!("OTLP export ({}) to {}", config.protocol, config.endpoint);
    let started = match config.protocol {
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            BatchProcessor::builder(http::exporter(config, timeout)?)
                .with_settings(settings)
                .with_name(name)
                .with_value_length_limit(value_limit.0)
                .with_max_batch_bytes(MAX_EXPORT_BYTES)
                .build()
        }
        Protocol::Grpc => BatchProcessor::builder(grpc::exporter(config, timeout)?)
            .with_settings(settings)
            .with_name(name)
            .with_value_length_limit(value_limit.0)
            .with_max_batch_bytes(MAX_EXPORT_BYTES)
            .build(),
    };
    started.map_err(|error| format!("OTLP export: cannot start its worker thread: {error}"))
}

/// The OTLP metric exporter `config` names, for a periodic reader: each export on the
/// exporter's own runtime (the reader's thread has none), given up after `timeout`; a failure
/// is reported on stderr once per cause.
pub(crate) fn metric_exporter(
    config: &OtlpConfig,
    timeout: Duration,
    temporality: Temporality,
) -> Result<MetricExporter, String> {
    let transport = match config.protocol {
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            MetricTransport::Http(http::metric_exporter(config, timeout, temporality)?)
        }
        Protocol::Grpc => {
            MetricTransport::Grpc(grpc::metric_exporter(config, timeout, temporality)?)
        }
    };
    Ok(MetricExporter {
        transport,
        name: format!(
            "OTLP metrics export ({}) to {}",
            config.protocol, config.endpoint
        ),
        warned_causes: Mutex::default(),
    })
}

/// Exports metrics over OTLP (see [`metric_exporter`]).
#[derive(Debug)]
pub(crate) struct MetricExporter {
    transport: MetricTransport,
    /// What warnings call it.
    name: String,
    /// The failures reported already.
    warned_causes: Mutex<WarnedCauses>,
}

#[derive(Debug)]
// One per meter provider; when a cargo feature leaves a transport out, its variant is empty.
#[allow(clippy::large_enum_variant)]
enum MetricTransport {
    Http(http::MetricExporter),
    Grpc(grpc::MetricExporter),
}

impl PushMetricExporter for MetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let result = match &self.transport {
            MetricTransport::Http(exporter) => exporter.export(metrics).await,
            MetricTransport::Grpc(exporter) => exporter.export(metrics).await,
        };
        if let Err(error) = &result {
            let cause = error.to_string();
            if crate::recover::lock(&self.warned_causes).first_time(&cause) {
                crate::warn::problem(format_args!("{} failed: {cause}", self.name));
            }
        }
        result
    }

    fn force_flush(&self) -> OTelSdkResult {
        match &self.transport {
            MetricTransport::Http(exporter) => exporter.force_flush(),
            MetricTransport::Grpc(exporter) => exporter.force_flush(),
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match &self.transport {
            MetricTransport::Http(exporter) => exporter.shutdown_with_timeout(timeout),
            MetricTransport::Grpc(exporter) => exporter.shutdown_with_timeout(timeout),
        }
    }

    fn temporality(&self) -> Temporality {
        match &self.transport {
            MetricTransport::Http(exporter) => exporter.temporality(),
            MetricTransport::Grpc(exporter) => exporter.temporality(),
        }
    }
}

/// A current-thread Tokio runtime owned by an exporter, that may be dropped anywhere: dropping a
/// Tokio runtime inside another one's async context panics, shutting it down in the background
/// does not.
#[cfg(any(feature = "otlp-http", feature = "otlp-grpc"))]
#[derive(Debug)]
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

#[cfg(any(feature = "otlp-http", feature = "otlp-grpc"))]
impl OwnedRuntime {
    /// Starts a runtime whose threads (for blocking tasks) are called `name`.
    fn start(name: &str) -> Result<Self, String> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name(name)
            // Its blocking threads (name resolution) export nothing of their own either: the
            // `tracing` events of the HTTP and gRPC clients there must not become log records
            // exported in turn. The scope lasts as long as the thread.
            .on_thread_start(|| {
                std::mem::forget(opentelemetry::Context::enter_telemetry_suppressed_scope());
            })
            .build()
            .map(|runtime| Self(Some(runtime)))
            .map_err(|error| format!("cannot start its Tokio runtime: {error}"))
    }

    /// The runtime, to block on from this thread: never from inside another runtime, where
    /// that panics. The batch processor's thread never is inside one; a simple processor on a
    /// Tokio thread would be.
    fn on_this_thread(
        &self,
    ) -> Result<&tokio::runtime::Runtime, opentelemetry_sdk::error::OTelSdkError> {
        let runtime = self
            .0
            .as_ref()
            .ok_or(opentelemetry_sdk::error::OTelSdkError::AlreadyShutdown)?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(opentelemetry_sdk::error::OTelSdkError::InternalFailure(
                "the OTLP exporter must run on the batch span processor's thread".into(),
            ));
        }
        Ok(runtime)
    }

    /// The runtime, to build a client that spawns its tasks on it.
    #[cfg(feature = "otlp-grpc")]
    fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>> {
        self.0.as_ref().map(tokio::runtime::Runtime::enter)
    }
}

#[cfg(any(feature = "otlp-http", feature = "otlp-grpc"))]
impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            // Dropping its tasks (the clients' connections) logs through `tracing`: nothing of
            // that is exported, whichever thread drops the exporter.
            let _suppressed = opentelemetry::Context::enter_telemetry_suppressed_scope();
            runtime.shutdown_background();
        }
    }
}

/// Stands in for an exporter a disabled cargo feature would provide; never constructed.
#[cfg(not(all(feature = "otlp-http", feature = "otlp-grpc")))]
#[derive(Debug)]
pub(crate) enum Unsupported {}

#[cfg(not(all(feature = "otlp-http", feature = "otlp-grpc")))]
impl opentelemetry_sdk::trace::SpanExporter for Unsupported {
    async fn export(
        &self,
        _batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        match *self {}
    }
}

#[cfg(all(
    not(all(feature = "otlp-http", feature = "otlp-grpc")),
    feature = "tracing"
))]
impl opentelemetry_sdk::logs::LogExporter for Unsupported {
    async fn export(&self, _batch: opentelemetry_sdk::logs::LogBatch<'_>) -> OTelSdkResult {
        match *self {}
    }
}

#[cfg(not(all(feature = "otlp-http", feature = "otlp-grpc")))]
impl PushMetricExporter for Unsupported {
    async fn export(&self, _metrics: &ResourceMetrics) -> OTelSdkResult {
        match *self {}
    }

    fn force_flush(&self) -> OTelSdkResult {
        match *self {}
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        match *self {}
    }

    fn temporality(&self) -> Temporality {
        match *self {}
    }
}
