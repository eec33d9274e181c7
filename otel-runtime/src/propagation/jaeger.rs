//! Jaeger's `uber-trace-id` header (`OTEL_PROPAGATORS=jaeger`, cargo feature
//! `jaeger-propagator`).
//!
//! The format is deprecated upstream: Jaeger's clients are retired in favour of OpenTelemetry
//! SDKs, and OpenTelemetry keeps the propagator only for migrations. It stays here, off by
//! default, for services that still talk to Jaeger-instrumented peers. Written here because
//! `opentelemetry-jaeger-propagator` has no release for opentelemetry 0.33 (0.32.0 is the
//! latest), and two versions of `opentelemetry` in one program split the global provider.

use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

use super::hex::{self, Letters::EitherCase};

const HEADER: &str = "uber-trace-id";

/// Reads and writes `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}`.
///
/// Extraction accepts ids of 1 to 32 (trace) and 1 to 16 (span) hex digits, left-padded as
/// Jaeger clients send them, a `%3A`-encoded separator, and flags where bit 1 is *sampled* and
/// bit 2 *debug* (treated as sampled). Injection writes full-width ids, `0` as the deprecated
/// parent id, and flags `1` or `0`. Jaeger baggage (`uberctx-*`) is not carried; use
/// `baggage` alongside for that.
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
/// use otel_runtime::propagation::JaegerPropagator;
///
/// let mut headers = HashMap::new();
/// headers.insert("uber-trace-id".to_owned(), "4bf92f3577b34da6a3ce929d0e0e4736:f067aa0ba902b7:0:1".to_owned());
/// let cx = JaegerPropagator::new().extract(&headers);
/// let remote = cx.span().span_context().clone();
/// assert!(remote.is_remote() && remote.is_sampled());
/// assert_eq!(remote.span_id().to_string(), "00f067aa0ba902b7");
///
/// let mut outgoing = HashMap::new();
/// JaegerPropagator::new().inject_context(&cx, &mut outgoing);
/// assert_eq!(outgoing["uber-trace-id"], "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1");
/// ```
#[derive(Clone, Debug, Default)]
pub struct JaegerPropagator {
    _private: (),
}

impl JaegerPropagator {
    /// Creates the propagator; it has no configuration.
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

fn field_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<[String; 1]> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| [HEADER.to_owned()])
}

/// Parses the header value; `None` if it is malformed or carries an all-zero id.
fn parse(value: &str) -> Option<SpanContext> {
    let decoded;
    let value = if value.contains('%') {
        decoded = value.replace("%3A", ":").replace("%3a", ":");
        decoded.as_str()
    } else {
        value
    };
    let mut parts = value.trim().split(':');
    let (trace_id, span_id, _parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let trace_id = TraceId::from(hex::number(trace_id.as_bytes(), EitherCase)?);
    let span_id = hex::number(span_id.as_bytes(), EitherCase).filter(|_| span_id.len() <= 16);
    let span_id = SpanId::from(u64::try_from(span_id?).ok()?);
    if trace_id == TraceId::INVALID || span_id == SpanId::INVALID {
        return None;
    }
    if flags.len() > 2 {
        return None;
    }
    let flags = u8::try_from(hex::number(flags.as_bytes(), EitherCase)?).ok()?;
    // Bit 1: sampled; bit 2: debug, which implies sampled.
    let trace_flags = if flags & 0x03 != 0 {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    Some(SpanContext::new(
        trace_id,
        span_id,
        trace_flags,
        true,
        TraceState::NONE,
    ))
}

impl TextMapPropagator for JaegerPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return;
        }
        let flags = if context.is_sampled() { 1 } else { 0 };
        injector.set(
            HEADER,
            format!("{}:{}:0:{flags}", context.trace_id(), context.span_id()),
        );
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        match extractor.get(HEADER).and_then(parse) {
            Some(remote) => cx.with_remote_span_context(remote),
            None => cx.clone(),
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(field_names())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn extract(value: &str) -> SpanContext {
        let mut headers = HashMap::new();
        headers.insert(HEADER.to_owned(), value.to_owned());
        JaegerPropagator::new()
            .extract(&headers)
            .span()
            .span_context()
            .clone()
    }

    #[test]
    fn extracts_full_and_short_ids() {
        let full = extract("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1");
        assert!(full.is_valid() && full.is_remote() && full.is_sampled());
        let short = extract("a:b:0:0");
        assert_eq!(
            short.trace_id().to_string(),
            "0000000000000000000000000000000a"
        );
        assert_eq!(short.span_id().to_string(), "000000000000000b");
        assert!(!short.is_sampled());
    }

    #[test]
    fn debug_flag_means_sampled_and_encoded_separators_work() {
        assert!(extract("1:2:0:2").is_sampled());
        assert!(extract("1%3A2%3A0%3A1").is_valid());
    }

    #[test]
    fn malformed_values_give_no_parent() {
        for bad in [
            "",
            "1:2:0",
            "1:2:0:1:5",
            "0:2:0:1",
            "1:0:0:1",
            "xyz:2:0:1",
            "1:2:0:",
            "1:2:0:123",
            "4bf92f3577b34da6a3ce929d0e0e47361:2:0:1",
        ] {
            assert!(!extract(bad).is_valid(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn injects_nothing_without_a_valid_span() {
        let mut headers: HashMap<String, String> = HashMap::new();
        JaegerPropagator::new().inject_context(&Context::new(), &mut headers);
        assert!(headers.is_empty());
    }
}
