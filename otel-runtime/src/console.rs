//! A span exporter that prints one line per ended span, in the shape of the OpenTelemetry Python
//! SDK's `ConsoleSpanExporter` output used by its "HTTP Integration Example".

use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use opentelemetry::trace::{SpanId, SpanKind, TraceId, TraceState};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

type Output = Arc<Mutex<Box<dyn Write + Send>>>;

/// Prints each span as
/// `Span(name="GET /", context=SpanContext(trace_id=0x…, span_id=0x…, trace_state={}), kind=SpanKind.SERVER, parent=…, start_time=…, end_time=…)`.
///
/// ```
/// use otel_runtime::ConsoleExporter;
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(ConsoleExporter::stdout())
///     .build();
/// # drop(provider);
/// ```
#[derive(Clone)]
pub struct ConsoleExporter {
    output: Output,
}

impl fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsoleExporter")
    }
}

impl ConsoleExporter {
    /// An exporter that writes to standard output.
    pub fn stdout() -> Self {
        Self::to_writer(std::io::stdout())
    }

    /// An exporter that writes to `writer` (a file, a buffer in a test, ...).
    pub fn to_writer(writer: impl Write + Send + 'static) -> Self {
        Self {
            output: Arc::new(Mutex::new(Box::new(writer))),
        }
    }
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut text = String::new();
        for span in &batch {
            // Writing into a String cannot fail.
            let _ = writeln!(text, "{}", SeedLine(span));
        }
        let mut output = self
            .output
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("console output lock poisoned".into()))?;
        output
            .write_all(text.as_bytes())
            .and_then(|()| output.flush())
            .map_err(|error| {
                OTelSdkError::InternalFailure(format!("console write failed: {error}"))
            })
    }
}

/// One span in the seed's one-line form.
pub struct SeedLine<'a>(pub &'a SpanData);

impl fmt::Display for SeedLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = self.0;
        let context = &span.span_context;
        write!(f, "Span(name={:?}, context=", span.name.as_ref())?;
        write_span_context(
            f,
            context.trace_id(),
            context.span_id(),
            context.trace_state(),
        )?;
        write!(f, ", kind=SpanKind.{}, parent=", kind_name(&span.span_kind))?;
        if span.parent_span_id == SpanId::INVALID {
            f.write_str("None")?;
        } else {
            write_span_context(
                f,
                context.trace_id(),
                span.parent_span_id,
                &TraceState::NONE,
            )?;
        }
        write!(
            f,
            ", start_time={}, end_time={})",
            timestamp(span.start_time),
            timestamp(span.end_time)
        )
    }
}

fn write_span_context(
    f: &mut fmt::Formatter<'_>,
    trace_id: TraceId,
    span_id: SpanId,
    trace_state: &TraceState,
) -> fmt::Result {
    write!(
        f,
        "SpanContext(trace_id=0x{trace_id}, span_id=0x{span_id}, trace_state={{{}}})",
        trace_state.header_delimited("=", ", ")
    )
}

/// `SERVER`, `CLIENT`, ... as the Python SDK names span kinds.
pub fn kind_name(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "CLIENT",
        SpanKind::Server => "SERVER",
        SpanKind::Producer => "PRODUCER",
        SpanKind::Consumer => "CONSUMER",
        SpanKind::Internal => "INTERNAL",
    }
}

/// RFC 3339 in UTC with microseconds, e.g. `2026-11-25T19:12:01.123456Z`.
pub fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_micros(time).to_string()
}
