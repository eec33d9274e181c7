//! OTLP over gRPC: tonic, on a current-thread Tokio runtime the exporter owns
//! ([`super::OwnedRuntime`]).
//!
//! The channel is built here, not by opentelemetry-otlp, so that an `https://` endpoint gets
//! our TLS settings (see [`super::tls`]).

#[cfg(feature = "otlp-grpc")]
pub(super) use enabled::{exporter, metric_exporter};

/// The metric exporter over gRPC.
#[cfg(feature = "otlp-grpc")]
pub(super) type MetricExporter = enabled::GrpcExporter<opentelemetry_otlp::MetricExporter>;
#[cfg(not(feature = "otlp-grpc"))]
pub(super) type MetricExporter = super::Unsupported;

/// The log exporter over gRPC (feature `tracing`).
#[cfg(all(feature = "otlp-grpc", feature = "tracing"))]
pub(super) use enabled::log_exporter;
#[cfg(all(feature = "otlp-grpc", feature = "tracing"))]
pub(super) type LogExporter = enabled::GrpcExporter<opentelemetry_otlp::LogExporter>;
#[cfg(all(not(feature = "otlp-grpc"), feature = "tracing"))]
pub(super) type LogExporter = super::Unsupported;

#[cfg(all(not(feature = "otlp-grpc"), feature = "tracing"))]
pub(super) fn log_exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
) -> Result<super::Unsupported, String> {
    Err(UNSUPPORTED.to_owned())
}

#[cfg(not(feature = "otlp-grpc"))]
const UNSUPPORTED: &str = "OTLP over gRPC needs otel-runtime's cargo feature `otlp-grpc`";

#[cfg(not(feature = "otlp-grpc"))]
pub(super) fn exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
) -> Result<super::Unsupported, String> {
    Err(UNSUPPORTED.to_owned())
}

#[cfg(not(feature = "otlp-grpc"))]
pub(super) fn metric_exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
    _temporality: opentelemetry_sdk::metrics::Temporality,
) -> Result<super::Unsupported, String> {
    Err(UNSUPPORTED.to_owned())
}

#[cfg(feature = "otlp-grpc")]
mod enabled {
    use std::future::Future;
    use std::time::Duration;

    use opentelemetry_otlp::tonic_types::metadata::MetadataMap;
    use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::metrics::Temporality;
    use tonic::metadata::{Ascii, MetadataKey, MetadataValue};
    use tonic::transport::Endpoint;

    use super::super::on_transport::{OnTransport, Transport};
    #[cfg(feature = "otlp-tls")]
    use super::super::tls::Tls;
    use super::super::OwnedRuntime;
    use crate::config::{Compression, OtlpConfig};

    /// The TLS settings of an `https://` endpoint, kept for the rejection they may record.
    #[cfg(feature = "otlp-tls")]
    type TlsState = Option<Tls>;
    #[cfg(not(feature = "otlp-tls"))]
    type TlsState = ();

    /// opentelemetry-otlp's exporter of one signal (`E`) over our channel.
    pub(in crate::export::otlp) type GrpcExporter<E> = OnTransport<E, GrpcTransport>;

    /// The runtime the channel lives on, and the TLS state.
    #[derive(Debug)]
    pub(in crate::export::otlp) struct GrpcTransport {
        runtime: OwnedRuntime,
        #[cfg_attr(not(feature = "otlp-tls"), allow(dead_code))]
        tls: TlsState,
    }

    /// The span exporter for `config`.
    pub(in crate::export::otlp) fn exporter(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<GrpcExporter<opentelemetry_otlp::SpanExporter>, String> {
        build(config, timeout, |channel| {
            configured(
                opentelemetry_otlp::SpanExporter::builder().with_tonic(),
                config,
                channel,
                timeout,
            )
            .map(|builder| builder.build())
        })
    }

    /// The log exporter for `config` (feature `tracing`).
    #[cfg(feature = "tracing")]
    pub(in crate::export::otlp) fn log_exporter(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<GrpcExporter<opentelemetry_otlp::LogExporter>, String> {
        build(config, timeout, |channel| {
            configured(
                opentelemetry_otlp::LogExporter::builder().with_tonic(),
                config,
                channel,
                timeout,
            )
            .map(|builder| builder.build())
        })
    }

    /// The metric exporter for `config`, sending `temporality`.
    pub(in crate::export::otlp) fn metric_exporter(
        config: &OtlpConfig,
        timeout: Duration,
        temporality: Temporality,
    ) -> Result<GrpcExporter<opentelemetry_otlp::MetricExporter>, String> {
        build(config, timeout, |channel| {
            configured(
                opentelemetry_otlp::MetricExporter::builder()
                    .with_tonic()
                    .with_temporality(temporality),
                config,
                channel,
                timeout,
            )
            .map(|builder| builder.build())
        })
    }

    /// Starts the runtime, connects the channel (lazily) with our TLS settings, and builds the
    /// exporter `make` configures on it, inside the runtime (tonic spawns there).
    fn build<E>(
        config: &OtlpConfig,
        timeout: Duration,
        make: impl FnOnce(
            tonic::transport::Channel,
        ) -> Result<Result<E, opentelemetry_otlp::ExporterBuildError>, String>,
    ) -> Result<GrpcExporter<E>, String> {
        let runtime = OwnedRuntime::start("otel-runtime-otlp-grpc")
            .map_err(|error| format!("OTLP gRPC exporter: {error}"))?;
        let endpoint = Endpoint::from_shared(config.endpoint.clone())
            .map_err(|error| {
                format!(
                    "OTLP gRPC exporter: invalid endpoint {}: {error}",
                    config.endpoint
                )
            })?
            .timeout(timeout);
        let (endpoint, tls) = with_tls(endpoint, config, timeout)?;
        // The channel's background task is spawned on the runtime it is built in.
        let entered = runtime.enter();
        let channel = endpoint.connect_lazy();
        let inner = make(channel)?.map_err(|error| format!("OTLP gRPC exporter: {error}"));
        drop(entered);
        let inner = inner?;
        Ok(OnTransport {
            inner,
            transport: GrpcTransport { runtime, tls },
        })
    }

    /// `builder` (of any signal) sending over `channel` with `config`'s metadata and
    /// compression.
    fn configured<B: WithExportConfig + WithTonicConfig>(
        builder: B,
        config: &OtlpConfig,
        channel: tonic::transport::Channel,
        timeout: Duration,
    ) -> Result<B, String> {
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
        let builder = builder
            .with_channel(channel)
            .with_timeout(timeout)
            .with_metadata(metadata);
        Ok(match config.compression {
            Compression::Gzip => builder.with_compression(opentelemetry_otlp::Compression::Gzip),
            Compression::None => builder,
        })
    }

    /// `endpoint` with the TLS settings of `config`, if it is an `https://` one.
    #[cfg(feature = "otlp-tls")]
    fn with_tls(
        endpoint: Endpoint,
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<(Endpoint, TlsState), String> {
        if !crate::config::is_https(&config.endpoint) {
            return Ok((endpoint, None));
        }
        let tls = Tls::load(&config.tls)?;
        Ok((tls.tonic_endpoint(endpoint, timeout)?, Some(tls)))
    }

    #[cfg(not(feature = "otlp-tls"))]
    fn with_tls(
        endpoint: Endpoint,
        _config: &OtlpConfig,
        _timeout: Duration,
    ) -> Result<(Endpoint, TlsState), String> {
        Ok((endpoint, ()))
    }

    impl Transport for GrpcTransport {
        fn block_on(&self, export: impl Future<Output = OTelSdkResult>) -> OTelSdkResult {
            let runtime = self.runtime.on_this_thread()?;
            self.clear();
            runtime
                .block_on(export)
                .map_err(|error| self.explain(error))
        }
    }

    impl GrpcTransport {
        /// Forgets the failures of earlier exports.
        fn clear(&self) {
            #[cfg(feature = "otlp-tls")]
            if let Some(tls) = &self.tls {
                tls.clear();
            }
        }

        /// `error`, or why the server's certificate was rejected if it was: tonic reports that
        /// as a transport error among others.
        fn explain(&self, error: OTelSdkError) -> OTelSdkError {
            #[cfg(feature = "otlp-tls")]
            if let Some(rejection) = self.tls.as_ref().and_then(Tls::rejection) {
                return OTelSdkError::InternalFailure(rejection);
            }
            error
        }
    }
}
