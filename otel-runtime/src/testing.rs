//! Capturing the spans a test makes, through the same global provider `#[traced]` uses.

use std::sync::{Mutex, MutexGuard};

use opentelemetry::trace::{SpanId, SpanKind};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData};

use crate::{InMemoryExporter, TracingGuard};

/// Serialises captures: the tracer provider is global to the process.
static CAPTURE_LOCK: Mutex<()> = Mutex::new(());

/// Spans captured in memory for the duration of a test. Holding it installs a provider that
/// exports synchronously to memory; other captures in the same process wait until it is dropped.
///
/// ```
/// use otel_runtime::traced;
///
/// #[traced]
/// fn work() {}
///
/// let capture = otel_runtime::testing::capture();
/// work();
/// assert_eq!(capture.span("work").name, "work");
/// ```
pub struct Capture {
    exporter: InMemoryExporter,
    _tracing: TracingGuard,
    _lock: MutexGuard<'static, ()>,
}

/// Installs an in-memory provider globally (with the default propagators) and returns its spans'
/// handle.
pub fn capture() -> Capture {
    // A test that panicked while capturing leaves nothing half-done behind the lock.
    let lock = CAPTURE_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let exporter = InMemoryExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    Capture {
        exporter,
        _tracing: TracingGuard::install(provider),
        _lock: lock,
    }
}

impl Capture {
    /// Every span ended so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        self.exporter.finished_spans()
    }

    /// The only ended span named `name`.
    ///
    /// # Panics
    /// If there is no such span or more than one, listing the spans there are.
    pub fn span(&self, name: &str) -> SpanData {
        let spans = self.spans();
        let mut matching = spans.iter().filter(|span| span.name == name);
        match (matching.next(), matching.next()) {
            (Some(span), None) => span.clone(),
            (first, _) => panic!(
                "expected exactly one span named {name:?}, found {}; spans: {}",
                if first.is_some() { "several" } else { "none" },
                describe(&spans)
            ),
        }
    }

    /// Forgets the spans ended so far.
    pub fn reset(&self) {
        self.exporter.reset();
    }
}

/// `name (KIND) parent=…` for each span, for assertion messages.
pub fn describe(spans: &[SpanData]) -> String {
    spans
        .iter()
        .map(|span| {
            format!(
                "{:?} ({:?}, span {}, parent {})",
                span.name,
                span.span_kind,
                span.span_context.span_id(),
                span.parent_span_id
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `child`'s parent is `parent`, in the same trace.
pub fn is_child_of(child: &SpanData, parent: &SpanData) -> bool {
    child.parent_span_id == parent.span_context.span_id()
        && child.span_context.trace_id() == parent.span_context.trace_id()
}

/// Whether `span` is a root (no parent).
pub fn is_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID
}

/// Whether `span` has the given kind.
pub fn has_kind(span: &SpanData, kind: SpanKind) -> bool {
    span.span_kind == kind
}
