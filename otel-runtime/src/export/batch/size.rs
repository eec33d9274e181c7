//! About how many bytes a span takes in an OTLP export, to keep each request under the size a
//! collector accepts. An estimate from above: protobuf adds a few bytes of tags and lengths per
//! field, counted here generously.

use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// Ids, flags, kind, times, scope reference and field tags of one span.
const SPAN_OVERHEAD: usize = 128;
/// Tags and lengths around one attribute, event or link.
const ITEM_OVERHEAD: usize = 16;

/// The estimated encoded size of `span`, in bytes.
pub(super) fn estimated_bytes(span: &SpanData) -> usize {
    let events: usize = span
        .events
        .iter()
        .map(|event| ITEM_OVERHEAD + event.name.len() + attributes_bytes(&event.attributes))
        .sum();
    let links: usize = span
        .links
        .iter()
        .map(|link| SPAN_OVERHEAD / 2 + attributes_bytes(&link.attributes))
        .sum();
    let status = match &span.status {
        opentelemetry::trace::Status::Error { description } => description.len(),
        _ => 0,
    };
    SPAN_OVERHEAD
        + span.name.len()
        + span.span_context.trace_state().header().len()
        + attributes_bytes(&span.attributes)
        + events
        + links
        + status
}

fn attributes_bytes(attributes: &[KeyValue]) -> usize {
    attributes
        .iter()
        .map(|kv| ITEM_OVERHEAD + kv.key.as_str().len() + value_bytes(&kv.value))
        .sum()
}

fn value_bytes(value: &Value) -> usize {
    match value {
        Value::String(text) => text.as_str().len(),
        Value::Array(Array::String(texts)) => texts
            .iter()
            .map(|text| ITEM_OVERHEAD + text.as_str().len())
            .sum(),
        Value::Array(Array::I64(items)) => items.len() * ITEM_OVERHEAD,
        Value::Array(Array::F64(items)) => items.len() * ITEM_OVERHEAD,
        Value::Array(Array::Bool(items)) => items.len() * ITEM_OVERHEAD,
        _ => ITEM_OVERHEAD,
    }
}
