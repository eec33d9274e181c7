//! OTLP export behind our [`BatchProcessor`], which runs exports on a thread of its own and
//! counts every span it drops:
//!
//! * [`http`]: http/protobuf and http/json with the *blocking* reqwest client: an async client
//!   inside that thread finds no Tokio reactor and panics (opentelemetry-rust #2673, #3125);
//! * [`grpc`]: tonic needs a Tokio runtime for its connection: the exporter owns a
//!   current-thread runtime and drives each export on it from the processor's thread, so it
//!   works whether or not the program itself runs Tokio (actix-rt, a plain `main`, ...);
//! * [`tls`] (feature `otlp-tls`): rustls with the *ring* provider for `https://` endpoints of
//!   both: the roots, the client's identity, and a clear cause when the server's certificate is
//!   rejected.
//!
//! Each export gives up after the smaller of `OTEL_EXPORTER_OTLP_TIMEOUT` and
//! `OTEL_BSP_EXPORT_TIMEOUT`, retries included, so a dead collector cannot hold the process at
//! exit longer than that. Failures are reported on stderr once per cause, and a recovery once
//! after them (see [`BatchProcessor`]).

mod grpc;
mod http;
#[cfg(all(
    feature = "otlp-tls",
    any(feature = "otlp-http", feature = "otlp-grpc")
))]
mod tls;

use std::time::Duration;

use super::batch::BatchProcessor;
use super::value_limit::ValueLengthLimit;
use crate::config::{BatchSettings, OtlpConfig, Protocol};

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
