//! One signal's opentelemetry-otlp exporter run by its transport (HTTP or gRPC, each on a
//! runtime of its own): the span, log and metric exporter traits, written once for both.

use std::future::Future;
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

/// What runs an exporter's requests: its runtime, and what it knows of why one failed.
pub(super) trait Transport: std::fmt::Debug + Send + Sync + 'static {
    /// Runs one export to its end on the transport's runtime, a failure explained.
    fn block_on(&self, export: impl Future<Output = OTelSdkResult>) -> OTelSdkResult;
}

/// opentelemetry-otlp's exporter of one signal (`E`) on its transport (`T`).
#[derive(Debug)]
pub(super) struct OnTransport<E, T> {
    pub(super) inner: E,
    pub(super) transport: T,
}

impl<T: Transport> SpanExporter for OnTransport<opentelemetry_otlp::SpanExporter, T> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.transport.block_on(self.inner.export(batch))
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

#[cfg(feature = "tracing")]
impl<T: Transport> opentelemetry_sdk::logs::LogExporter
    for OnTransport<opentelemetry_otlp::LogExporter, T>
{
    async fn export(&self, batch: opentelemetry_sdk::logs::LogBatch<'_>) -> OTelSdkResult {
        self.transport.block_on(self.inner.export(batch))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<T: Transport> PushMetricExporter for OnTransport<opentelemetry_otlp::MetricExporter, T> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        self.transport.block_on(self.inner.export(metrics))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}
