//! The one-line console form, as the Python SDK's `ConsoleSpanExporter` prints a span in the
//! seed's "HTTP Integration Example".

use std::fmt;

use opentelemetry::trace::{SpanId, TraceId, TraceState};
use opentelemetry_sdk::trace::SpanData;

use super::format::{kind_name, timestamp};

/// One span in the one-line form of the OpenTelemetry Python SDK's `ConsoleSpanExporter` (the
/// console's default [`ConsoleFormat::Line`](crate::config::ConsoleFormat::Line)).
#[derive(Debug)]
pub struct SpanLine<'a>(pub &'a SpanData);

impl fmt::Display for SpanLine<'_> {
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
