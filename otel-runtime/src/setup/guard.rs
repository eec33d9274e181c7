//! [`TracingGuard`]: keeps tracing (and metrics) installed and flushes them on shutdown.

use std::fmt;
use std::time::Duration;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::{set_tracer_provider, DEFAULT_SHUTDOWN_TIMEOUT};
use crate::export::batch::{self as export_stats, ExportStats, StatsHandle};
use crate::propagation;

/// Keeps tracing installed; flushes and shuts the providers down when dropped (or on
/// [`shutdown`](Self::shutdown)), so the last spans and metrics are not lost when the process
/// exits (the tracer provider first, so that the last metrics count its last spans).
///
/// Shutting down waits for the last export at most the OTLP export timeout (plus a small
/// margin), so an unreachable collector delays exit by that much and no more (the meter
/// provider's periodic reader adds at most 5 s, the SDK's bound on its last export).
#[must_use = "dropping the guard shuts tracing down at once"]
pub struct TracingGuard {
    provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    /// The log exporters (feature `tracing`, `OTEL_LOGS_EXPORTER`).
    #[cfg(feature = "tracing")]
    logs: Option<super::logs::LogExporters>,
    shutdown_timeout: Duration,
    stats: Vec<StatsHandle>,
}

impl fmt::Debug for TracingGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingGuard")
            .field("enabled", &self.provider.is_some())
            .field("metrics", &self.meter_provider.is_some())
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

    pub(super) fn install_with(
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
            meter_provider: None,
            #[cfg(feature = "tracing")]
            logs: None,
            shutdown_timeout,
            stats,
        }
    }

    /// Also guards `meter_provider` (already installed).
    pub(super) fn with_meter_provider(mut self, meter_provider: Option<SdkMeterProvider>) -> Self {
        self.meter_provider = meter_provider;
        self
    }

    /// Also guards `logs` (already installed in the `tracing` bridge).
    #[cfg(feature = "tracing")]
    pub(super) fn with_log_exporters(mut self, logs: super::logs::LogExporters) -> Self {
        self.logs = Some(logs);
        self
    }

    /// Stops sending log records and flushes and shuts down the OTLP log exporter, if any.
    #[cfg(feature = "tracing")]
    fn shutdown_logs(&mut self) -> Result<(), OTelSdkError> {
        self.logs
            .take()
            .map_or(Ok(()), |logs| logs.shutdown(self.shutdown_timeout))
    }

    #[cfg(not(feature = "tracing"))]
    fn shutdown_logs(&mut self) -> Result<(), OTelSdkError> {
        Ok(())
    }

    pub(super) fn disabled() -> Self {
        export_stats::set_installed(Vec::new());
        Self {
            provider: None,
            meter_provider: None,
            #[cfg(feature = "tracing")]
            logs: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            stats: Vec::new(),
        }
    }

    /// What became of the spans handed to the batch processors so far (console, OTLP and
    /// [`Builder::with_exporter`](crate::Builder::with_exporter) exporters): exported, dropped
    /// by cause, pending. Exporters added with
    /// [`with_synchronous_exporter`](crate::Builder::with_synchronous_exporter) are not counted.
    ///
    /// Shutdown prints these counts on one line on stderr when a span was dropped.
    pub fn export_stats(&self) -> ExportStats {
        export_stats::sum(&self.stats)
    }

    /// The installed provider, if tracing is enabled (`None` with `OTEL_SDK_DISABLED=true`).
    pub fn provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// The installed meter provider, if metrics are exported (`None` with
    /// `OTEL_METRICS_EXPORTER=none` or `OTEL_SDK_DISABLED=true`).
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter_provider.as_ref()
    }

    /// How long [`shutdown`](Self::shutdown) (and drop) wait for the last export at most.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// Exports every span that has ended so far (and prints the traces the tree console form
    /// is still holding), then the metrics recorded so far.
    pub fn force_flush(&self) -> Result<(), OTelSdkError> {
        let traces = self
            .provider
            .as_ref()
            .map_or(Ok(()), SdkTracerProvider::force_flush);
        let metrics = self
            .meter_provider
            .as_ref()
            .map_or(Ok(()), SdkMeterProvider::force_flush);
        #[cfg(feature = "tracing")]
        let metrics = metrics.and(
            self.logs
                .as_ref()
                .map_or(Ok(()), super::logs::LogExporters::force_flush),
        );
        traces.and(metrics)
    }

    /// Flushes and shuts down now, reporting a failure instead of printing it.
    pub fn shutdown(mut self) -> Result<(), OTelSdkError> {
        let traces = match self.provider.take() {
            Some(provider) => provider.shutdown_with_timeout(self.shutdown_timeout),
            None => Ok(()),
        };
        let metrics = match self.meter_provider.take() {
            Some(provider) => provider.shutdown_with_timeout(self.shutdown_timeout),
            None => Ok(()),
        };
        let logs = self.shutdown_logs();
        traces.and(metrics).and(logs)
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
        if let Some(provider) = self.meter_provider.take() {
            // A failed export was reported by the exporter already.
            let _ = provider.shutdown_with_timeout(self.shutdown_timeout);
        }
        // Likewise.
        let _ = self.shutdown_logs();
    }
}
