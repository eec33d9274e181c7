//! The tracer provider of every benchmark: AlwaysOn (or AlwaysOff) sampler, the SDK's batch
//! processor with its default settings, and an exporter that counts the spans it is handed and
//! drops them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Sampler, SdkTracerProvider, SpanData, SpanExporter,
};

/// An exporter that counts the spans (and their attributes) it receives and drops them.
#[derive(Debug, Clone, Default)]
pub struct NoopExporter {
    exported: Arc<AtomicU64>,
    attributes: Arc<AtomicU64>,
}

impl NoopExporter {
    /// How many spans it has been handed so far.
    pub fn exported(&self) -> u64 {
        self.exported.load(Ordering::Relaxed)
    }

    /// How many attributes those spans carried, in all.
    pub fn attributes(&self) -> u64 {
        self.attributes.load(Ordering::Relaxed)
    }
}

impl SpanExporter for NoopExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let attributes: usize = batch.iter().map(|span| span.attributes.len()).sum();
        self.exported
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.attributes
            .fetch_add(attributes as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// Which sampler a provider uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// `AlwaysOn`: every span is recorded and exported.
    On,
    /// `AlwaysOff`: spans are created (and propagate) but record nothing.
    Off,
}

/// A provider with the SDK's batch processor feeding a [`NoopExporter`].
pub fn batch_provider(sampling: Sampling) -> (SdkTracerProvider, NoopExporter) {
    let exporter = NoopExporter::default();
    let sampler = match sampling {
        Sampling::On => Sampler::AlwaysOn,
        Sampling::Off => Sampler::AlwaysOff,
    };
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter.clone()).build())
        .with_sampler(sampler)
        .build();
    (provider, exporter)
}

/// Installs the batch provider globally through `otel_runtime` (as `#[traced]` users do) and
/// returns it, for the hand-written cases to take their tracer from the same provider.
pub fn install(sampling: Sampling) -> (SdkTracerProvider, NoopExporter) {
    let (provider, exporter) = batch_provider(sampling);
    otel_runtime::set_tracer_provider(provider.clone());
    (provider, exporter)
}

/// Installs the batch provider with `opentelemetry::global::set_tracer_provider`, as code that
/// sets the SDK up without otel-runtime does, and tells `#[traced]` call sites that ran before
/// to fetch their tracers again. Returns it for the hand-written cases.
pub fn install_global(sampling: Sampling) -> (SdkTracerProvider, NoopExporter) {
    let (provider, exporter) = batch_provider(sampling);
    opentelemetry::global::set_tracer_provider(provider.clone());
    otel_runtime::tracer_provider_changed();
    (provider, exporter)
}

/// Sets tracing up as `otel_runtime::init()` does with `OTEL_SDK_DISABLED=true` in the
/// environment (without touching the process environment).
pub fn install_disabled() -> otel_runtime::TracingGuard {
    otel_runtime::builder()
        .env_lookup(|name| (name == "OTEL_SDK_DISABLED").then(|| "true".to_owned()))
        .install()
        .expect("a disabled setup cannot fail")
}

/// A metric exporter that counts the exports and data points it is handed and drops them.
#[derive(Debug, Clone, Default)]
pub struct NoopMetricExporter {
    exports: Arc<AtomicU64>,
    points: Arc<AtomicU64>,
}

impl NoopMetricExporter {
    /// How many exports it has been handed so far.
    pub fn exports(&self) -> u64 {
        self.exports.load(Ordering::Relaxed)
    }

    /// How many metrics (one per instrument) the last export carried.
    pub fn metrics(&self) -> u64 {
        self.points.load(Ordering::Relaxed)
    }
}

impl opentelemetry_sdk::metrics::exporter::PushMetricExporter for NoopMetricExporter {
    async fn export(
        &self,
        metrics: &opentelemetry_sdk::metrics::data::ResourceMetrics,
    ) -> OTelSdkResult {
        let count = metrics
            .scope_metrics()
            .map(|scope| scope.metrics().count())
            .sum::<usize>();
        self.exports.fetch_add(1, Ordering::Relaxed);
        self.points.store(count as u64, Ordering::Relaxed);
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> opentelemetry_sdk::metrics::Temporality {
        opentelemetry_sdk::metrics::Temporality::Cumulative
    }
}

/// A meter provider with a periodic reader (every `interval`) feeding a
/// [`NoopMetricExporter`], installed for the HTTP metrics of `#[traced]` servers and clients.
pub fn install_meter_provider(
    interval: std::time::Duration,
) -> (
    opentelemetry_sdk::metrics::SdkMeterProvider,
    NoopMetricExporter,
) {
    let exporter = NoopMetricExporter::default();
    let reader = opentelemetry_sdk::metrics::PeriodicReader::builder(exporter.clone())
        .with_interval(interval)
        .build();
    let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_reader(reader)
        .build();
    otel_runtime::set_meter_provider(provider.clone());
    (provider, exporter)
}
