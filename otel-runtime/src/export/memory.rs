//! An exporter that keeps finished spans in memory, for tests.

use std::sync::{Arc, Mutex, MutexGuard};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::recover::lock;

/// Keeps every exported span in memory; clones share the same store.
///
/// ```
/// use otel_runtime::InMemoryExporter;
/// use opentelemetry::trace::{Tracer, TracerProvider};
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let exporter = InMemoryExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(exporter.clone())
///     .build();
/// provider.tracer("doc").in_span("work", |_| {});
/// assert_eq!(exporter.finished_spans()[0].name, "work");
/// ```
#[derive(Clone, Debug, Default)]
pub struct InMemoryExporter {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl InMemoryExporter {
    /// A copy of the spans exported so far, in the order they ended.
    pub fn finished_spans(&self) -> Vec<SpanData> {
        self.spans().clone()
    }

    /// Forgets every span exported so far.
    pub fn reset(&self) {
        self.spans().clear();
    }

    fn spans(&self) -> MutexGuard<'_, Vec<SpanData>> {
        lock(&self.spans)
    }
}

impl SpanExporter for InMemoryExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans().extend(batch);
        Ok(())
    }
}
