//! The span limit variables: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`,
//! `OTEL_SPAN_LINK_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`,
//! `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, and `OTEL_ATTRIBUTE_COUNT_LIMIT` as the fallback of the
//! three attribute counts; and the attribute value length variables.

use opentelemetry_sdk::trace::SpanLimits;

use super::env::Env;

/// Every limit defaults to 128, as specified.
const DEFAULT_LIMIT: usize = 128;

/// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: the
/// longest string attribute value in characters (`None`, no limit, when both are unset).
pub(crate) fn value_length_limit(env: &mut Env<'_>) -> Option<usize> {
    const SPAN: &str = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    const GENERAL: &str = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    let name = [SPAN, GENERAL]
        .into_iter()
        .find(|name| env.get(name).is_some())?;
    let value = env.get(name)?;
    match value.trim().parse::<usize>() {
        Ok(limit) => Some(limit),
        Err(_) => {
            env.invalid(
                name,
                &value,
                "a non-negative integer (characters)",
                "no limit",
            );
            None
        }
    }
}

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
