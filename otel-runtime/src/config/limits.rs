//! The span limit variables: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`,
//! `OTEL_SPAN_LINK_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`,
//! `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, and `OTEL_ATTRIBUTE_COUNT_LIMIT` as the fallback of the
//! three attribute counts.

use opentelemetry_sdk::trace::SpanLimits;

use super::env::Env;

/// Every limit defaults to 128, as specified.
const DEFAULT_LIMIT: usize = 128;

/// Reads the span limits.
pub(crate) fn span_limits(env: &mut Env<'_>) -> SpanLimits {
    let attributes = env.count("OTEL_ATTRIBUTE_COUNT_LIMIT", DEFAULT_LIMIT);
    let mut limit =
        |name: &str, default: usize| u32::try_from(env.count(name, default)).unwrap_or(u32::MAX);
    SpanLimits {
        max_attributes_per_span: limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", attributes),
        max_events_per_span: limit("OTEL_SPAN_EVENT_COUNT_LIMIT", DEFAULT_LIMIT),
        max_links_per_span: limit("OTEL_SPAN_LINK_COUNT_LIMIT", DEFAULT_LIMIT),
        max_attributes_per_event: limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", attributes),
        max_attributes_per_link: limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", attributes),
    }
}
