//! OTLP over gRPC: tonic, on a current-thread Tokio runtime the exporter owns
//! ([`super::OwnedRuntime`]).
//!
//! The channel is built here, not by opentelemetry-otlp, so that an `https://` endpoint gets
//! our TLS settings (see [`super::tls`]).

#[cfg(feature = "otlp-grpc")]
pub(super) use enabled::exporter;

#[cfg(not(feature = "otlp-grpc"))]
pub(super) fn exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
) -> Result<super::Unsupported, String> {
    Err("OTLP over gRPC needs otel-runtime's cargo feature `otlp-grpc`".to_owned())
}

#[cfg(feature = "otlp-grpc")]
mod enabled {
    use std::time::Duration;

    use opentelemetry_otlp::tonic_types::metadata::MetadataMap;
    use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};
    use opentelemetry_sdk::Resource;
    use tonic::metadata::{Ascii, MetadataKey, MetadataValue};
    use tonic::transport::Endpoint;

    #[cfg(feature = "otlp-tls")]
    use super::super::tls::Tls;
    use super::super::OwnedRuntime;
    use crate::config::{Compression, OtlpConfig};

    /// The TLS settings of an `https://` endpoint, kept for the rejection they may record.
    #[cfg(feature = "otlp-tls")]
    type TlsState = Option<Tls>;
    #[cfg(not(feature = "otlp-tls"))]
    type TlsState = ();

    /// The tonic exporter and the runtime its channel lives on.
    #[derive(Debug)]
    pub(in crate::export::otlp) struct GrpcExporter {
        inner: opentelemetry_otlp::SpanExporter,
        runtime: OwnedRuntime,
        #[cfg_attr(not(feature = "otlp-tls"), allow(dead_code))]
        tls: TlsState,
    }

    pub(in crate::export::otlp) fn exporter(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<GrpcExporter, String> {
        let runtime = OwnedRuntime::start("otel-runtime-otlp-grpc")
            .map_err(|error| format!("OTLP gRPC exporter: {error}"))?;
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
        let channel = {
            let _entered = runtime.enter();
            endpoint.connect_lazy()
        };
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_channel(channel)
            .with_timeout(timeout)
            .with_metadata(metadata);
        if config.compression == Compression::Gzip {
            builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
        }
        let inner = {
            let _entered = runtime.enter();
            builder.build()
        };
        let inner = inner.map_err(|error| format!("OTLP gRPC exporter: {error}"))?;
        Ok(GrpcExporter {
            inner,
            runtime,
            tls,
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

    impl GrpcExporter {
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

    impl SpanExporter for GrpcExporter {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let runtime = self.runtime.on_this_thread()?;
            self.clear();
            runtime
                .block_on(self.inner.export(batch))
                .map_err(|error| self.explain(error))
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
