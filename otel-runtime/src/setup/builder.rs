//! [`Builder`]: settings given in code, laid over the `OTEL_*` variables, installed as one
//! provider with its exporters and propagators.

use std::fmt;
use std::io::Write;

use opentelemetry::trace::noop::NoopTracerProvider;
use opentelemetry::{global, KeyValue};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanExporter, TracerProviderBuilder};

use super::console_writer::SharedWriter;
use super::guard::TracingGuard;
use super::metrics::{install_meter_provider, meter_provider};
use super::pipeline::Pipeline;
use super::SetupError;
use crate::config::resource::{self, CodeResource};
use crate::config::{check_url, Config, ConsoleFormat, ExporterKind, Protocol, Signal};
use crate::{propagation, warn};

type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// Configures tracing; the environment fills in what the code leaves unset.
///
/// A setting given here wins over its environment variable, except the two that are defaults
/// by name: [`service_name`](Self::service_name) (deployments rename services with
/// `OTEL_SERVICE_NAME`, and the specification gives that precedence) and
/// [`default_exporter`](Self::default_exporter) (used when `OTEL_TRACES_EXPORTER` is unset).
/// See [`crate::config`] for every variable read.
///
/// ```
/// let guard = otel_runtime::builder()
///     .service_name("checkout")
///     .service_version("1.4.2")
///     .default_exporter(otel_runtime::ExporterKind::None)
///     .install()
///     .expect("tracing set up");
/// drop(guard); // flushes and shuts down
/// ```
#[must_use = "call install() to set tracing up"]
pub struct Builder {
    resource: CodeResource,
    default_exporter: ExporterKind,
    sampler: Option<Sampler>,
    console_format: Option<ConsoleFormat>,
    console_writer: Option<Box<dyn Write + Send>>,
    otlp_endpoint: Option<String>,
    otlp_protocol: Option<Protocol>,
    lookup: Option<Lookup>,
    provider: TracerProviderBuilder,
    custom_exporters: Vec<CustomExporter>,
}

/// Adds an exporter given to [`Builder::with_exporter`] to the pipeline, once the batch settings
/// are known.
type CustomExporter = Box<dyn FnOnce(&mut Pipeline, &Config) -> Result<(), SetupError>>;

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("service_name", &self.resource.service_name)
            .field("service_version", &self.resource.service_version)
            .field("default_exporter", &self.default_exporter)
            .field("console_format", &self.console_format)
            .field("otlp_endpoint", &self.otlp_endpoint)
            .field("otlp_protocol", &self.otlp_protocol)
            .finish_non_exhaustive()
    }
}

/// Starts configuring tracing. See [`Builder`].
pub fn builder() -> Builder {
    Builder {
        resource: CodeResource::default(),
        default_exporter: ExporterKind::Console,
        sampler: None,
        console_format: None,
        console_writer: None,
        otlp_endpoint: None,
        otlp_protocol: None,
        lookup: None,
        provider: SdkTracerProvider::builder(),
        custom_exporters: Vec::new(),
    }
}

impl Builder {
    /// The `service.name` resource attribute when neither `OTEL_SERVICE_NAME` nor
    /// `service.name` in `OTEL_RESOURCE_ATTRIBUTES` is set.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.resource.service_name = Some(name.into());
        self
    }

    /// The `service.version` resource attribute.
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.resource.service_version = Some(version.into());
        self
    }

    /// Adds a resource attribute (it wins over the same key in `OTEL_RESOURCE_ATTRIBUTES`).
    pub fn resource_attribute(mut self, attribute: KeyValue) -> Self {
        self.resource.attributes.push(attribute);
        self
    }

    /// The exporter used when `OTEL_TRACES_EXPORTER` is unset or names nothing valid.
    pub fn default_exporter(mut self, kind: ExporterKind) -> Self {
        self.default_exporter = kind;
        self
    }

    /// The sampler, instead of `OTEL_TRACES_SAMPLER`.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The console format, instead of `OTEL_RUST_CONSOLE_FORMAT`.
    pub fn console_format(mut self, format: ConsoleFormat) -> Self {
        self.console_format = Some(format);
        self
    }

    /// Where the console exporters write, the span lines and the metrics summary (standard
    /// output by default).
    pub fn console_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.console_writer = Some(Box::new(writer));
        self
    }

    /// The full OTLP traces URL, used as is (like `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; for
    /// http/protobuf include the path, e.g. `http://127.0.0.1:4318/v1/traces`).
    ///
    /// Metrics and logs go to the same collector unless `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`
    /// (`..._LOGS_ENDPOINT`) says otherwise: a URL ending in `/v1/traces` with `/v1/metrics`
    /// (`/v1/logs`) instead, a URL without a path (gRPC) as is.
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(url.into());
        self
    }

    /// The OTLP protocol of traces, metrics and logs, instead of
    /// `OTEL_EXPORTER_OTLP_[TRACES_|METRICS_|LOGS_]PROTOCOL`.
    pub fn otlp_protocol(mut self, protocol: Protocol) -> Self {
        self.otlp_protocol = Some(protocol);
        self
    }

    /// Reads settings through `lookup` instead of the process environment (for tests, or to
    /// take them from a configuration file).
    pub fn env_lookup(mut self, lookup: impl Fn(&str) -> Option<String> + 'static) -> Self {
        self.lookup = Some(Box::new(lookup));
        self
    }

    /// Adds an exporter of your own, behind a batch processor of its own (the `OTEL_BSP_*`
    /// settings): it exports on a worker thread, never on the thread that ends a span, and its
    /// drops are counted in [`TracingGuard::export_stats`].
    pub fn with_exporter(mut self, exporter: impl SpanExporter + 'static) -> Self {
        self.custom_exporters
            .push(Box::new(move |pipeline: &mut Pipeline, config: &Config| {
                pipeline.add_batched(exporter, config.batch, "custom exporter")
            }));
        self
    }

    /// Adds an exporter fed synchronously, span by span, on the thread that ends each span (a
    /// simple processor): for tests that read an [`InMemoryExporter`](crate::InMemoryExporter)
    /// right after the code under test returns. A slow exporter here slows the application.
    pub fn with_synchronous_exporter(mut self, exporter: impl SpanExporter + 'static) -> Self {
        self.custom_exporters
            .push(Box::new(move |pipeline: &mut Pipeline, _: &Config| {
                pipeline.add_synchronous(exporter);
                Ok(())
            }));
        self
    }

    /// Resolves the configuration, prints each environment warning once on stderr, installs the
    /// provider and propagators globally and returns their guard.
    ///
    /// # Errors
    /// A [`SetupError`] if a setting given in code is invalid (an OTLP endpoint that is not an
    /// `http://` URL) or an exporter cannot be built.
    pub fn install(self) -> Result<TracingGuard, SetupError> {
        self.check_code_settings()?;
        let config = self.resolve();
        for warning in &config.warnings {
            warn::report(warning);
        }
        if let Some(variable) = config.otlp_chosen_by {
            warn::notice(format_args!(
                "{variable} is set and OTEL_TRACES_EXPORTER is not: exporting spans with OTLP \
                 (set OTEL_TRACES_EXPORTER=console to print them instead)"
            ));
        }
        let propagator = propagation::from_kinds(&config.propagators);
        if config.disabled {
            // No spans; the no-op tracer still hands incoming trace context on.
            global::set_tracer_provider(NoopTracerProvider::new());
            crate::instrument::tracer_provider_changed();
            install_meter_provider(None);
            propagation::install(propagator);
            #[cfg(feature = "tracing")]
            super::logs::install_none();
            return Ok(TracingGuard::disabled());
        }

        let console_writer = self.console_writer.map(SharedWriter::new);
        let mut pipeline = Pipeline::build(
            self.provider,
            &config,
            console_writer.as_ref().map(SharedWriter::boxed),
        )?;
        for add in self.custom_exporters {
            add(&mut pipeline, &config)?;
        }
        let sampler = self.sampler.unwrap_or_else(|| config.sampler.to_sampler());
        let resource = resource::build(
            config.service_name.as_deref(),
            &config.resource_attributes,
            &self.resource,
        );
        let meter_provider = meter_provider(
            &config,
            resource.clone(),
            &pipeline.stats,
            console_writer.as_ref().map(SharedWriter::boxed),
        )?;
        #[cfg(feature = "tracing")]
        let logger_provider = super::logs::logger_provider(&config, &resource)?;
        let provider = pipeline
            .provider
            .with_sampler(sampler)
            .with_span_limits(config.span_limits)
            .with_resource(resource)
            .build();
        install_meter_provider(meter_provider.clone());
        let guard = TracingGuard::install_with(
            provider,
            propagator,
            pipeline.shutdown_timeout,
            pipeline.stats,
        )
        .with_meter_provider(meter_provider);
        #[cfg(feature = "tracing")]
        let guard = { guard.with_log_exporters(super::logs::install(&config, logger_provider)) };
        Ok(guard)
    }

    /// Fails on a setting given in code that cannot be used (environment values are replaced
    /// by their defaults instead).
    fn check_code_settings(&self) -> Result<(), SetupError> {
        match &self.otlp_endpoint {
            Some(url) => check_url(url).map_err(|problem| {
                SetupError(format!(
                    "otlp_endpoint({url:?}) {problem}: expected an http:// or https:// URL such as http://127.0.0.1:4318/v1/traces"
                ))
            }),
            None => Ok(()),
        }
    }

    /// The configuration `install` would use: the environment (or the `env_lookup`), with the
    /// settings given in code laid over the variables they replace.
    fn resolve(&self) -> Config {
        let environment = |name: &str| match &self.lookup {
            Some(lookup) => lookup(name),
            None => crate::config::env::process_var(name),
        };
        let code = |name: &str| -> Option<String> {
            match name {
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" => self.otlp_endpoint.clone(),
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
                | "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
                | "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL" => self
                    .otlp_protocol
                    .map(|protocol| protocol.name().to_owned()),
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT" => environment(name).or_else(|| {
                    self.otlp_endpoint
                        .as_deref()
                        .and_then(|url| same_collector(url, Signal::Metrics))
                }),
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" => environment(name).or_else(|| {
                    self.otlp_endpoint
                        .as_deref()
                        .and_then(|url| same_collector(url, Signal::Logs))
                }),
                "OTEL_RUST_CONSOLE_FORMAT" => {
                    self.console_format.map(|format| format.name().to_owned())
                }
                _ => None,
            }
        };
        let lookup = |name: &str| code(name).or_else(|| environment(name));
        Config::resolve(&lookup, &[self.default_exporter])
    }

    pub(super) fn install_or_noop(self) -> TracingGuard {
        match self.install() {
            Ok(guard) => guard,
            Err(error) => {
                eprintln!("otel-runtime: warning: tracing disabled: {error}");
                TracingGuard::disabled()
            }
        }
    }
}

/// The URL of `signal` at the collector whose traces URL is `traces_url`: `/v1/traces` replaced
/// by the signal's path, or a URL without a path (gRPC) as is; `None` for any other path.
fn same_collector(traces_url: &str, signal: Signal) -> Option<String> {
    let url = traces_url.trim().trim_end_matches('/');
    if let Some(base) = url.strip_suffix("/v1/traces") {
        return Some(format!("{base}/{}", signal.http_path()));
    }
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    (!after_scheme.contains('/')).then(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_go_to_the_collector_of_the_traces_url() {
        let metrics = |url| same_collector(url, Signal::Metrics);
        assert_eq!(
            metrics("http://127.0.0.1:4318/v1/traces").as_deref(),
            Some("http://127.0.0.1:4318/v1/metrics")
        );
        assert_eq!(
            metrics("https://collector/base/v1/traces/").as_deref(),
            Some("https://collector/base/v1/metrics")
        );
        assert_eq!(
            metrics("http://127.0.0.1:4317").as_deref(),
            Some("http://127.0.0.1:4317")
        );
        assert_eq!(metrics("http://127.0.0.1:4318/custom/spans"), None);
    }
}
