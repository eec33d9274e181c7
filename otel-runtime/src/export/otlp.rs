//! OTLP export behind our [`BatchProcessor`], which runs exports on a thread of its own and
//! counts every span it drops:
//!
//! * http/protobuf uses the *blocking* reqwest client: an async client inside that thread finds
//!   no Tokio reactor and panics (opentelemetry-rust #2673, #3125);
//! * gRPC (tonic) needs a Tokio runtime for its connection: the exporter owns a current-thread
//!   runtime and drives each export on it from the processor's thread, so it works whether or
//!   not the program itself runs Tokio (actix-rt, a plain `main`, ...).
//!
//! Each export gives up after the smaller of `OTEL_EXPORTER_OTLP_TIMEOUT` and
//! `OTEL_BSP_EXPORT_TIMEOUT`, retries included, so a dead collector cannot hold the process at
//! exit longer than that. Failures are reported on stderr once per cause, and a recovery once
//! after them (see [`BatchProcessor`]).

use std::time::Duration;

use super::batch::BatchProcessor;
use super::value_limit::ValueLengthLimit;
use crate::config::{BatchSettings, OtlpConfig, Protocol};

/// Whether this build can export with `protocol` (cargo features `otlp-http`, `otlp-grpc`).
pub(crate) fn supports(protocol: Protocol) -> bool {
    match protocol {
        Protocol::HttpProtobuf => cfg!(feature = "otlp-http"),
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
        Protocol::HttpProtobuf => BatchProcessor::builder(http::exporter(config, timeout)?)
            .with_settings(settings)
            .with_name(name)
            .with_value_length_limit(value_limit.0)
            .with_max_batch_bytes(MAX_EXPORT_BYTES)
            .build(),
        Protocol::Grpc => BatchProcessor::builder(grpc::exporter(config, timeout)?)
            .with_settings(settings)
            .with_name(name)
            .with_value_length_limit(value_limit.0)
            .with_max_batch_bytes(MAX_EXPORT_BYTES)
            .build(),
    };
    started.map_err(|error| format!("OTLP export: cannot start its worker thread: {error}"))
}

#[cfg(feature = "otlp-http")]
mod http {
    use std::collections::HashMap;
    use std::time::Duration;

    use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};

    use crate::config::{Compression, OtlpConfig};

    pub(super) fn exporter(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<opentelemetry_otlp::SpanExporter, String> {
        let headers: HashMap<String, String> = config.headers.iter().cloned().collect();
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(config.endpoint.clone())
            .with_timeout(timeout)
            .with_headers(headers);
        if config.compression == Compression::Gzip {
            builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
        }
        builder
            .build()
            .map_err(|error| format!("OTLP http/protobuf exporter: {error}"))
    }
}

#[cfg(not(feature = "otlp-http"))]
mod http {
    use std::time::Duration;

    use crate::config::OtlpConfig;

    pub(super) fn exporter(
        _config: &OtlpConfig,
        _timeout: Duration,
    ) -> Result<super::Unsupported, String> {
        Err("OTLP over http/protobuf needs otel-runtime's cargo feature `otlp-http`".to_owned())
    }
}

#[cfg(feature = "otlp-grpc")]
mod grpc {
    use std::time::Duration;

    use opentelemetry_otlp::tonic_types::metadata::MetadataMap;
    use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};
    use opentelemetry_sdk::Resource;
    use tokio::runtime::Runtime;
    use tonic::metadata::{Ascii, MetadataKey, MetadataValue};

    use crate::config::{Compression, OtlpConfig};

    /// The tonic exporter and the runtime its channel lives on.
    #[derive(Debug)]
    pub(super) struct GrpcExporter {
        inner: opentelemetry_otlp::SpanExporter,
        runtime: OwnedRuntime,
    }

    /// A runtime that may be dropped anywhere: dropping a Tokio runtime inside another one's
    /// async context panics, shutting it down in the background does not.
    #[derive(Debug)]
    struct OwnedRuntime(Option<Runtime>);

    impl Drop for OwnedRuntime {
        fn drop(&mut self) {
            if let Some(runtime) = self.0.take() {
                runtime.shutdown_background();
            }
        }
    }

    pub(super) fn exporter(config: &OtlpConfig, timeout: Duration) -> Result<GrpcExporter, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("otel-runtime-otlp-grpc")
            .build()
            .map_err(|error| {
                format!("OTLP gRPC exporter: cannot start its Tokio runtime: {error}")
            })?;
        let mut metadata = MetadataMap::new();
        for (name, value) in &config.headers {
            let name: MetadataKey<Ascii> = name
                .parse()
                .map_err(|_| format!("OTLP gRPC exporter: invalid metadata name {name:?}"))?;
            let value: MetadataValue<Ascii> = value
                .parse()
                .map_err(|_| format!("OTLP gRPC exporter: invalid metadata value for {name}"))?;
            metadata.insert(name, value);
        }
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(config.endpoint.clone())
            .with_timeout(timeout)
            .with_metadata(metadata);
        if config.compression == Compression::Gzip {
            builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
        }
        // The channel's background task is spawned on the runtime it is built in.
        let inner = {
            let _entered = runtime.enter();
            builder.build()
        };
        let runtime = OwnedRuntime(Some(runtime));
        let inner = inner.map_err(|error| format!("OTLP gRPC exporter: {error}"))?;
        Ok(GrpcExporter { inner, runtime })
    }

    impl SpanExporter for GrpcExporter {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let Some(runtime) = self.runtime.0.as_ref() else {
                return Err(OTelSdkError::AlreadyShutdown);
            };
            if tokio::runtime::Handle::try_current().is_ok() {
                // Blocking on a runtime from inside another one panics; the batch processor's
                // thread never is inside one, a simple processor on a Tokio thread would be.
                return Err(OTelSdkError::InternalFailure(
                    "the OTLP gRPC exporter must run on the batch span processor's thread".into(),
                ));
            }
            runtime.block_on(self.inner.export(batch))
        }

        fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
            self.inner.shutdown_with_timeout(timeout)
        }

        fn force_flush(&self) -> OTelSdkResult {
            self.inner.force_flush()
        }

        fn set_resource(&mut self, resource: &Resource) {
            self.inner.set_resource(resource);
        }
    }
}

#[cfg(not(feature = "otlp-grpc"))]
mod grpc {
    use std::time::Duration;

    use crate::config::OtlpConfig;

    pub(super) fn exporter(
        _config: &OtlpConfig,
        _timeout: Duration,
    ) -> Result<super::Unsupported, String> {
        Err("OTLP over gRPC needs otel-runtime's cargo feature `otlp-grpc`".to_owned())
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
