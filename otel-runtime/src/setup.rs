//! One-call setup: a tracer provider, its exporters and the propagators, from code and the
//! standard `OTEL_*` environment variables, behind a guard that flushes on drop.

use std::fmt;

use opentelemetry::global;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter, TracerProviderBuilder};
use opentelemetry_sdk::Resource;

use crate::{propagation, warn, ConsoleExporter};

/// Where spans go, as named by `OTEL_TRACES_EXPORTER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExporterKind {
    /// One line per span on standard output ([`ConsoleExporter`]).
    Console,
    /// Nowhere: spans are created (and propagated) but not exported.
    None,
}

impl ExporterKind {
    const ACCEPTED: &'static str = "console, none";

    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "console" => Some(Self::Console),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Why [`Builder::install`] failed.
#[derive(Debug)]
pub struct SetupError(String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// Configures tracing; the environment fills in what the code leaves unset.
///
/// ```
/// let guard = otel_runtime::builder()
///     .service_name("checkout")
///     .default_exporter(otel_runtime::ExporterKind::None)
///     .install()
///     .expect("tracing set up");
/// drop(guard); // flushes and shuts down
/// ```
#[must_use = "call install() to set tracing up"]
pub struct Builder {
    service_name: Option<String>,
    default_exporter: ExporterKind,
    provider: TracerProviderBuilder,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("service_name", &self.service_name)
            .field("default_exporter", &self.default_exporter)
            .finish_non_exhaustive()
    }
}

/// Starts configuring tracing. See [`Builder`].
pub fn builder() -> Builder {
    Builder {
        service_name: None,
        default_exporter: ExporterKind::Console,
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
    /// The `service.name` resource attribute; `OTEL_SERVICE_NAME` overrides it.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// The exporter used when `OTEL_TRACES_EXPORTER` is unset.
    pub fn default_exporter(mut self, kind: ExporterKind) -> Self {
        self.default_exporter = kind;
        self
    }

    /// Adds an exporter of your own, fed span by span as each ends (a simple processor): for
    /// tests ([`crate::InMemoryExporter`]) or custom sinks.
    pub fn with_exporter(mut self, exporter: impl SpanExporter + 'static) -> Self {
        self.provider = self.provider.with_simple_exporter(exporter);
        self
    }

    /// Installs the provider and propagators globally and returns their guard.
    pub fn install(self) -> Result<TracingGuard, SetupError> {
        let mut provider = self.provider;
        for kind in traces_exporters(self.default_exporter) {
            provider = match kind {
                ExporterKind::Console => provider.with_simple_exporter(ConsoleExporter::stdout()),
                ExporterKind::None => provider,
            };
        }
        let mut resource = Resource::builder();
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            if let Some(name) = self.service_name {
                resource = resource.with_service_name(name);
            }
        }
        let provider = provider.with_resource(resource.build()).build();
        Ok(TracingGuard::install(provider))
    }

    fn install_or_noop(self) -> TracingGuard {
        match self.install() {
            Ok(guard) => guard,
            Err(error) => {
                eprintln!("otel-runtime: warning: tracing disabled: {error}");
                TracingGuard { provider: None }
            }
        }
    }
}

/// `OTEL_TRACES_EXPORTER` as a list (`console,none`), or `default` if unset or invalid.
fn traces_exporters(default: ExporterKind) -> Vec<ExporterKind> {
    let Ok(value) = std::env::var("OTEL_TRACES_EXPORTER") else {
        return vec![default];
    };
    let parsed: Option<Vec<ExporterKind>> = value
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .map(ExporterKind::parse)
        .collect();
    match parsed {
        Some(kinds) if !kinds.is_empty() => kinds,
        _ => {
            warn::invalid_setting(
                "OTEL_TRACES_EXPORTER",
                &value,
                ExporterKind::ACCEPTED,
                &format!("{default:?}").to_ascii_lowercase(),
            );
            vec![default]
        }
    }
}

/// Installs `provider` as the global tracer provider, so `#[traced]` spans go to it.
pub fn set_tracer_provider(provider: SdkTracerProvider) {
    global::set_tracer_provider(provider);
    crate::instrument::tracer_provider_changed();
}

/// Keeps tracing installed; flushes and shuts the provider down when dropped (or on
/// [`shutdown`](Self::shutdown)), so the last spans are not lost when the process exits.
#[must_use = "dropping the guard shuts tracing down at once"]
pub struct TracingGuard {
    provider: Option<SdkTracerProvider>,
}

impl fmt::Debug for TracingGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingGuard").finish_non_exhaustive()
    }
}

impl TracingGuard {
    /// Installs `provider` and the default propagators globally and guards the provider.
    pub fn install(provider: SdkTracerProvider) -> Self {
        set_tracer_provider(provider.clone());
        propagation::install(propagation::default_propagator());
        Self {
            provider: Some(provider),
        }
    }

    /// The installed provider, if tracing is enabled.
    pub fn provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// Exports every span that has ended so far.
    pub fn force_flush(&self) -> Result<(), OTelSdkError> {
        self.provider
            .as_ref()
            .map_or(Ok(()), SdkTracerProvider::force_flush)
    }

    /// Flushes and shuts down now, reporting a failure instead of printing it.
    pub fn shutdown(mut self) -> Result<(), OTelSdkError> {
        match self.provider.take() {
            Some(provider) => provider.shutdown(),
            None => Ok(()),
        }
    }
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.shutdown() {
                eprintln!("otel-runtime: warning: flushing spans at shutdown failed: {error}");
            }
        }
    }
}
