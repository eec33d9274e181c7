//! OTLP over HTTP/1.1: http/protobuf and http/json, `POST` to the endpoint.
//!
//! The client is hyper's (through opentelemetry-http), on a current-thread Tokio runtime the
//! exporter owns, like gRPC's: an async client on the batch processor's thread without a
//! runtime of its own panics with "no reactor" (opentelemetry-rust #2673, #3125). Not reqwest:
//! its rustls comes either with aws-lc or with no crypto provider at all, and the latter, once
//! enabled by us, would make every other reqwest 0.13 client of the program panic when built.
//! HTTPS goes through hyper-rustls with our rustls configuration (see [`super::tls`]).
//!
//! The client is built here rather than by opentelemetry-otlp so that it gets our TLS settings,
//! and a failed request is reported with its cause instead of opentelemetry-otlp's
//! "network error".

#[cfg(feature = "otlp-http")]
pub(super) use enabled::{exporter, metric_exporter};

/// The metric exporter over HTTP.
#[cfg(feature = "otlp-http")]
pub(super) type MetricExporter = enabled::HttpExporter<opentelemetry_otlp::MetricExporter>;
#[cfg(not(feature = "otlp-http"))]
pub(super) type MetricExporter = super::Unsupported;

/// The log exporter over HTTP (feature `tracing`).
#[cfg(all(feature = "otlp-http", feature = "tracing"))]
pub(super) use enabled::log_exporter;
#[cfg(all(feature = "otlp-http", feature = "tracing"))]
pub(super) type LogExporter = enabled::HttpExporter<opentelemetry_otlp::LogExporter>;
#[cfg(all(not(feature = "otlp-http"), feature = "tracing"))]
pub(super) type LogExporter = super::Unsupported;

#[cfg(all(not(feature = "otlp-http"), feature = "tracing"))]
pub(super) fn log_exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
) -> Result<super::Unsupported, String> {
    Err(UNSUPPORTED.to_owned())
}

#[cfg(not(feature = "otlp-http"))]
const UNSUPPORTED: &str =
    "OTLP over http/protobuf and http/json needs otel-runtime's cargo feature `otlp-http`";

#[cfg(not(feature = "otlp-http"))]
pub(super) fn exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
) -> Result<super::Unsupported, String> {
    Err(UNSUPPORTED.to_owned())
}

#[cfg(not(feature = "otlp-http"))]
pub(super) fn metric_exporter(
    _config: &crate::config::OtlpConfig,
    _timeout: std::time::Duration,
    _temporality: opentelemetry_sdk::metrics::Temporality,
) -> Result<super::Unsupported, String> {
    Err(UNSUPPORTED.to_owned())
}

#[cfg(feature = "otlp-http")]
mod enabled {
    use std::collections::HashMap;
    use std::error::Error;
    use std::future::Future;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use opentelemetry_http::hyper::HyperClient;
    use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
    use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::metrics::Temporality;

    use super::super::on_transport::{OnTransport, Transport};
    #[cfg(feature = "otlp-tls")]
    use super::super::tls::Tls;
    use super::super::OwnedRuntime;
    use crate::config::{Compression, OtlpConfig, Protocol};
    use crate::recover::lock;

    /// The TLS settings of an `https://` endpoint, kept for the rejection they may record.
    #[cfg(feature = "otlp-tls")]
    type TlsState = Option<Tls>;
    #[cfg(not(feature = "otlp-tls"))]
    type TlsState = ();

    /// opentelemetry-otlp's exporter of one signal (`E`) over our client.
    pub(in crate::export::otlp) type HttpExporter<E> = OnTransport<E, HttpTransport>;

    /// The span exporter for `config`.
    pub(in crate::export::otlp) fn exporter(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<HttpExporter<opentelemetry_otlp::SpanExporter>, String> {
        let (transport, client) = HttpTransport::start(config, timeout)?;
        let builder = configured(
            opentelemetry_otlp::SpanExporter::builder().with_http(),
            config,
            client,
            timeout,
        );
        transport.with(builder.build(), config)
    }

    /// The log exporter for `config` (feature `tracing`).
    #[cfg(feature = "tracing")]
    pub(in crate::export::otlp) fn log_exporter(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<HttpExporter<opentelemetry_otlp::LogExporter>, String> {
        let (transport, client) = HttpTransport::start(config, timeout)?;
        let builder = configured(
            opentelemetry_otlp::LogExporter::builder().with_http(),
            config,
            client,
            timeout,
        );
        transport.with(builder.build(), config)
    }

    /// The metric exporter for `config`, sending `temporality`.
    pub(in crate::export::otlp) fn metric_exporter(
        config: &OtlpConfig,
        timeout: Duration,
        temporality: Temporality,
    ) -> Result<HttpExporter<opentelemetry_otlp::MetricExporter>, String> {
        let (transport, client) = HttpTransport::start(config, timeout)?;
        let builder = configured(
            opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_temporality(temporality),
            config,
            client,
            timeout,
        );
        transport.with(builder.build(), config)
    }

    /// What every signal's exporter is built on: the runtime the client runs on, the cause of
    /// its last failure and the TLS state.
    #[derive(Debug)]
    pub(in crate::export::otlp) struct HttpTransport {
        runtime: OwnedRuntime,
        /// Why the last request could not be sent, if it could not.
        failure: Arc<Mutex<Option<String>>>,
        #[cfg_attr(not(feature = "otlp-tls"), allow(dead_code))]
        tls: TlsState,
    }

    impl HttpTransport {
        /// Starts the runtime and makes the client for `config`'s endpoint.
        fn start(
            config: &OtlpConfig,
            timeout: Duration,
        ) -> Result<(Self, ReportingClient), String> {
            let runtime = OwnedRuntime::start("otel-runtime-otlp-http")
                .map_err(|error| format!("OTLP HTTP exporter: {error}"))?;
            let (client, tls) = client(config, timeout)?;
            let failure = Arc::new(Mutex::new(None));
            let client = ReportingClient {
                client,
                failure: failure.clone(),
            };
            Ok((
                Self {
                    runtime,
                    failure,
                    tls,
                },
                client,
            ))
        }

        /// The exporter opentelemetry-otlp built (or why it could not), on this transport.
        fn with<E>(
            self,
            built: Result<E, opentelemetry_otlp::ExporterBuildError>,
            config: &OtlpConfig,
        ) -> Result<HttpExporter<E>, String> {
            let inner =
                built.map_err(|error| format!("OTLP {} exporter: {error}", config.protocol))?;
            Ok(OnTransport {
                inner,
                transport: self,
            })
        }
    }

    /// `builder` (of any signal) sending over `client` where and how `config` says.
    fn configured<B: WithExportConfig + WithHttpConfig>(
        builder: B,
        config: &OtlpConfig,
        client: ReportingClient,
        timeout: Duration,
    ) -> B {
        let protocol = match config.protocol {
            Protocol::HttpJson => opentelemetry_otlp::Protocol::HttpJson,
            _ => opentelemetry_otlp::Protocol::HttpBinary,
        };
        let headers: HashMap<String, String> = config.headers.iter().cloned().collect();
        let builder = builder
            .with_http_client(client)
            .with_protocol(protocol)
            .with_endpoint(config.endpoint.clone())
            .with_timeout(timeout)
            .with_headers(headers);
        match config.compression {
            Compression::Gzip => builder.with_compression(opentelemetry_otlp::Compression::Gzip),
            Compression::None => builder,
        }
    }

    /// The hyper client for `config`'s endpoint: with our TLS settings for `https://`.
    #[cfg(feature = "otlp-tls")]
    fn client(
        config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<(Box<dyn HttpClient>, TlsState), String> {
        if !crate::config::is_https(&config.endpoint) {
            let client = HyperClient::with_default_connector(timeout, None);
            return Ok((Box::new(client), None));
        }
        let tls = Tls::load(&config.tls)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls.client_config()?)
            .https_only()
            .enable_http1()
            .build();
        let client = HyperClient::new(connector, timeout, None);
        Ok((Box::new(client), Some(tls)))
    }

    #[cfg(not(feature = "otlp-tls"))]
    fn client(
        _config: &OtlpConfig,
        timeout: Duration,
    ) -> Result<(Box<dyn HttpClient>, TlsState), String> {
        Ok((
            Box::new(HyperClient::with_default_connector(timeout, None)),
            (),
        ))
    }

    impl Transport for HttpTransport {
        fn block_on(&self, export: impl Future<Output = OTelSdkResult>) -> OTelSdkResult {
            let runtime = self.runtime.on_this_thread()?;
            self.clear();
            runtime
                .block_on(export)
                .map_err(|error| self.explain(error))
        }
    }

    impl HttpTransport {
        /// Forgets the failures of earlier exports.
        fn clear(&self) {
            *lock(&self.failure) = None;
            #[cfg(feature = "otlp-tls")]
            if let Some(tls) = &self.tls {
                tls.clear();
            }
        }

        /// `error` with the cause opentelemetry-otlp leaves out, if a request failed to be sent:
        /// a rejected server certificate, else the client's error.
        fn explain(&self, error: OTelSdkError) -> OTelSdkError {
            #[cfg(feature = "otlp-tls")]
            if let Some(rejection) = self.tls.as_ref().and_then(Tls::rejection) {
                return OTelSdkError::InternalFailure(rejection);
            }
            match lock(&self.failure).take() {
                Some(cause) => {
                    OTelSdkError::InternalFailure(format!("HTTP export failed: {cause}"))
                }
                None => error,
            }
        }
    }

    /// The hyper client, keeping why its last request could not be sent.
    #[derive(Debug)]
    struct ReportingClient {
        client: Box<dyn HttpClient>,
        failure: Arc<Mutex<Option<String>>>,
    }

    #[async_trait::async_trait]
    impl HttpClient for ReportingClient {
        async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
            let result = self.client.send_bytes(request).await;
            *lock(&self.failure) = result.as_ref().err().map(|error| describe(error.as_ref()));
            result
        }
    }

    /// The error and its sources, one clause each, leaving out a source whose text its
    /// wrapper already shows.
    fn describe(error: &(dyn Error + 'static)) -> String {
        let mut clauses: Vec<String> = Vec::new();
        let mut next = Some(error);
        while let Some(error) = next {
            let text = error.to_string();
            if !clauses.last().is_some_and(|last| last.contains(&text)) {
                clauses.push(text);
            }
            next = error.source();
        }
        clauses.join(": ")
    }
}
