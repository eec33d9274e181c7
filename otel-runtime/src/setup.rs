//! One-call setup: a tracer provider, its exporters and the propagators, from code and the
//! standard `OTEL_*` environment variables ([`crate::config`]), behind a guard that flushes on
//! drop.

use std::fmt;
use std::io::Write;
use std::time::Duration;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::noop::NoopTracerProvider;
use opentelemetry::{global, KeyValue};
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanExporter, TracerProviderBuilder};

use crate::config::resource::{self, CodeResource};
use crate::config::{check_url, Config, ConsoleFormat, ExporterKind, Protocol, Warning};
use crate::export::batch::{self as export_stats, ExportStats, StatsHandle};
use crate::export::console::ConsoleExporter;
use crate::export::on_end::ExportOnEnd;
use crate::export::otlp;
use crate::{propagation, warn};

/// How long the guard waits for the last export at shutdown when no OTLP exporter sets a
/// longer bound (the SDK's own default).
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Added to the OTLP export timeout at shutdown, for the processor to hand the result back.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(2);

/// Why [`Builder::install`] failed: a setting given in code is invalid, or an exporter could not
/// be built. (Invalid *environment* values do not fail: they are reported and replaced.)
#[derive(Debug)]
pub struct SetupError(String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

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
}

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
    }
}

/// Sets tracing up from the environment alone (console output unless `OTEL_TRACES_EXPORTER`
/// says otherwise) and returns the guard that flushes on drop.
///
/// An invalid setting is reported on stderr and replaced by its default, so this cannot fail.
pub fn init() -> TracingGuard {
    builder().install_or_noop()
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

    /// Where the console exporter writes (standard output by default).
    pub fn console_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.console_writer = Some(Box::new(writer));
        self
    }

    /// The full OTLP traces URL, used as is (like `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; for
    /// http/protobuf include the path, e.g. `http://127.0.0.1:4318/v1/traces`).
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(url.into());
        self
    }

    /// The OTLP protocol, instead of `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`.
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

    /// Adds an exporter of your own, fed span by span as each ends (a simple processor): for
    /// tests ([`crate::InMemoryExporter`]) or custom sinks.
    pub fn with_exporter(mut self, exporter: impl SpanExporter + 'static) -> Self {
        self.provider = self.provider.with_simple_exporter(exporter);
        self
    }

    /// Resolves the configuration, prints each environment warning once on stderr, installs the
    /// provider and propagators globally and returns their guard.
    ///
    /// # Errors
    /// A [`SetupError`] if a setting given in code is invalid (an OTLP endpoint that is not an
    /// `http://` URL) or an exporter cannot be built.
    pub fn install(self) -> Result<TracingGuard, SetupError> {
        if let Some(url) = &self.otlp_endpoint {
            check_url(url).map_err(|problem| {
                SetupError(format!(
                    "otlp_endpoint({url:?}) {problem}: expected an http:// URL such as http://127.0.0.1:4318/v1/traces"
                ))
            })?;
        }
        let config = self.resolve();
        for warning in &config.warnings {
            warn::report(warning);
        }
        let propagator = propagation::from_kinds(&config.propagators);
        if config.disabled {
            // No spans; the no-op tracer still hands incoming trace context on.
            global::set_tracer_provider(NoopTracerProvider::new());
            crate::instrument::tracer_provider_changed();
            propagation::install(propagator);
            return Ok(TracingGuard::disabled());
        }

        let mut provider = self.provider;
        let mut shutdown_timeout = DEFAULT_SHUTDOWN_TIMEOUT;
        let mut stats = Vec::new();
        let mut console_writer = self.console_writer;
        for kind in &config.exporters {
            match kind {
                ExporterKind::Console => {
                    let exporter = match console_writer.take() {
                        Some(writer) => ConsoleExporter::to_writer(writer),
                        None => ConsoleExporter::stdout(),
                    };
                    let format = config.console_format.unwrap_or_default();
                    provider = provider
                        .with_span_processor(ExportOnEnd::new(exporter.with_format(format)));
                }
                ExporterKind::Otlp => {
                    let mut otlp_config = config.otlp.clone();
                    if !otlp::supports(otlp_config.protocol) {
                        let other = match otlp_config.protocol {
                            Protocol::HttpProtobuf => Protocol::Grpc,
                            Protocol::Grpc => Protocol::HttpProtobuf,
                        };
                        if !otlp::supports(other) {
                            return Err(SetupError(
                                "OTEL_TRACES_EXPORTER=otlp, but otel-runtime was built without its `otlp-http` and `otlp-grpc` features".to_owned(),
                            ));
                        }
                        warn::report(&Warning::new(
                            "OTEL_EXPORTER_OTLP_PROTOCOL",
                            otlp_config.protocol.name(),
                            "is not supported by this build (cargo features otlp-http, otlp-grpc)",
                            other.name(),
                            other.name(),
                        ));
                        if otlp_config.endpoint == otlp_config.protocol.default_endpoint() {
                            other
                                .default_endpoint()
                                .clone_into(&mut otlp_config.endpoint);
                        }
                        otlp_config.protocol = other;
                    }
                    let processor =
                        otlp::batch_processor(&otlp_config, &config.batch).map_err(SetupError)?;
                    stats.push(processor.stats_reader());
                    provider = provider.with_span_processor(processor);
                    shutdown_timeout = shutdown_timeout
                        .max(otlp::export_timeout(&otlp_config, &config.batch) + SHUTDOWN_MARGIN);
                }
                ExporterKind::None => {}
            }
        }
        let sampler = self.sampler.unwrap_or_else(|| config.sampler.to_sampler());
        let resource = resource::build(
            config.service_name.as_deref(),
            &config.resource_attributes,
            &self.resource,
        );
        let provider = provider
            .with_sampler(sampler)
            .with_span_limits(config.span_limits)
            .with_resource(resource)
            .build();
        Ok(TracingGuard::install_with(
            provider,
            propagator,
            shutdown_timeout,
            stats,
        ))
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
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" => self
                    .otlp_protocol
                    .map(|protocol| protocol.name().to_owned()),
                "OTEL_RUST_CONSOLE_FORMAT" => {
                    self.console_format.map(|format| format.name().to_owned())
                }
                _ => None,
            }
        };
        let lookup = |name: &str| code(name).or_else(|| environment(name));
        Config::resolve(&lookup, &[self.default_exporter])
    }

    fn install_or_noop(self) -> TracingGuard {
        match self.install() {
            Ok(guard) => guard,
            Err(error) => {
                eprintln!("otel-runtime: warning: tracing disabled: {error}");
                TracingGuard::disabled()
            }
        }
    }
}

/// Installs `provider` as the global tracer provider, so `#[traced]` spans go to it.
pub fn set_tracer_provider(provider: SdkTracerProvider) {
    global::set_tracer_provider(provider.clone());
    // `#[traced]` call sites then use this provider's tracers directly, not the boxed global.
    crate::instrument::sdk_provider_installed(provider);
}

/// Keeps tracing installed; flushes and shuts the provider down when dropped (or on
/// [`shutdown`](Self::shutdown)), so the last spans are not lost when the process exits.
///
/// Shutting down waits for the last export at most the OTLP export timeout (plus a small
/// margin), so an unreachable collector delays exit by that much and no more.
#[must_use = "dropping the guard shuts tracing down at once"]
pub struct TracingGuard {
    provider: Option<SdkTracerProvider>,
    shutdown_timeout: Duration,
    stats: Vec<StatsHandle>,
}

impl fmt::Debug for TracingGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingGuard")
            .field("enabled", &self.provider.is_some())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

impl TracingGuard {
    /// Installs `provider` and the default propagators globally and guards the provider.
    pub fn install(provider: SdkTracerProvider) -> Self {
        Self::install_with(
            provider,
            propagation::default_propagator(),
            DEFAULT_SHUTDOWN_TIMEOUT,
            Vec::new(),
        )
    }

    fn install_with(
        provider: SdkTracerProvider,
        propagator: TextMapCompositePropagator,
        shutdown_timeout: Duration,
        stats: Vec<StatsHandle>,
    ) -> Self {
        set_tracer_provider(provider.clone());
        propagation::install(propagator);
        export_stats::set_installed(stats.clone());
        Self {
            provider: Some(provider),
            shutdown_timeout,
            stats,
        }
    }

    fn disabled() -> Self {
        export_stats::set_installed(Vec::new());
        Self {
            provider: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            stats: Vec::new(),
        }
    }

    /// What became of the spans handed to the batch (OTLP) exporters so far: exported, dropped
    /// by cause, pending. All zero for exporters that write each span as it ends (console).
    ///
    /// Shutdown prints these counts on one line on stderr when a span was dropped.
    pub fn export_stats(&self) -> ExportStats {
        export_stats::sum(&self.stats)
    }

    /// The installed provider, if tracing is enabled (`None` with `OTEL_SDK_DISABLED=true`).
    pub fn provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// How long [`shutdown`](Self::shutdown) (and drop) wait for the last export at most.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// Exports every span that has ended so far (and prints the traces the tree console form
    /// is still holding).
    pub fn force_flush(&self) -> Result<(), OTelSdkError> {
        self.provider
            .as_ref()
            .map_or(Ok(()), SdkTracerProvider::force_flush)
    }

    /// Flushes and shuts down now, reporting a failure instead of printing it.
    pub fn shutdown(mut self) -> Result<(), OTelSdkError> {
        match self.provider.take() {
            Some(provider) => provider.shutdown_with_timeout(self.shutdown_timeout),
            None => Ok(()),
        }
    }
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.shutdown_with_timeout(self.shutdown_timeout) {
                // Spans the batch exporters dropped are already reported, on one line.
                if self.export_stats().dropped() == 0 {
                    eprintln!("otel-runtime: warning: flushing spans at shutdown failed: {error}");
                }
            }
        }
    }
}
