//! Zipkin B3 propagation (`OTEL_PROPAGATORS=b3` and `b3multi`).
//!
//! Kept here rather than replaced by `opentelemetry-propagator-b3` 0.33.1 (the OpenTelemetry
//! Rust project's B3 crate): run side by side on this module's cases, the crate differs where
//! it matters (the tests named `unlike_opentelemetry_propagator_b3_*` pin each case):
//!
//! * It stores B3's "deferred" state (no sampling decision) as [`TraceFlags`] bit `0x02`, which
//!   W3C Trace Context Level 2 assigns to the random trace-id flag this runtime propagates:
//!   `b3: {trace}-{span}` goes on as `traceparent: …-02` (a random trace-id claimed for what may
//!   be a 64-bit id padded with zeros), and a context received as `traceparent: …-03` goes out
//!   as B3 *without* a sampling decision (upstream: open-telemetry/opentelemetry-rust#3718).
//! * A single header's debug flag (`…-d`) gives debug (`0x04`) without sampled, although the
//!   OpenTelemetry specification requires sampled; with multi-header injection configured it
//!   rejects `b3: …-d` altogether. `X-B3-Flags: 0` makes it ignore `X-B3-Sampled: 1`.
//! * `b3` (single-header) injection also writes the three `X-B3-*` headers, which its
//!   `fields()` does not list, and a context without a valid span injects `b3: 0` and
//!   `X-B3-Sampled: 0`, telling downstream services not to sample.
//!
//! Where the crate is stricter (upper-case hex digits, spaces around values), either behaviour
//! is acceptable; this module keeps its own.

use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

use super::hex::{self, Letters::EitherCase};

const SINGLE: &str = "b3";
const TRACE_ID: &str = "x-b3-traceid";
const SPAN_ID: &str = "x-b3-spanid";
const SAMPLED: &str = "x-b3-sampled";
const FLAGS: &str = "x-b3-flags";

/// Which B3 headers [`B3Propagator`] writes; it reads both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum B3Encoding {
    /// One `b3: {trace-id}-{span-id}-{sampled}` header (`OTEL_PROPAGATORS=b3`).
    Single,
    /// `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` (`OTEL_PROPAGATORS=b3multi`).
    Multiple,
}

/// Reads and writes Zipkin's B3 headers, as the OpenTelemetry specification describes them.
///
/// Extraction tries the single `b3` header first, then the `X-B3-*` headers; 64-bit trace ids
/// are left-padded; the debug flag (`d`, `X-B3-Flags: 1`) counts as sampled, and a missing
/// sampling decision as not sampled. Injection never sends the parent span id.
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
/// use otel_runtime::propagation::{B3Encoding, B3Propagator};
///
/// let mut incoming = HashMap::new();
/// incoming.insert("b3".to_owned(), "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".to_owned());
/// let cx = B3Propagator::new(B3Encoding::Multiple).extract(&incoming);
/// assert!(cx.span().span_context().is_sampled());
///
/// let mut outgoing = HashMap::new();
/// B3Propagator::new(B3Encoding::Multiple).inject_context(&cx, &mut outgoing);
/// assert_eq!(outgoing["x-b3-spanid"], "e457b5a2e4d86bd1");
/// assert_eq!(outgoing["x-b3-sampled"], "1");
/// ```
#[derive(Clone, Debug)]
pub struct B3Propagator {
    encoding: B3Encoding,
}

impl B3Propagator {
    /// A propagator that writes `encoding`.
    pub const fn new(encoding: B3Encoding) -> Self {
        Self { encoding }
    }
}

fn fields(encoding: B3Encoding) -> &'static [String] {
    static SINGLE_FIELDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    static MULTI_FIELDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    match encoding {
        B3Encoding::Single => SINGLE_FIELDS.get_or_init(|| vec![SINGLE.to_owned()]),
        B3Encoding::Multiple => MULTI_FIELDS.get_or_init(|| {
            [TRACE_ID, SPAN_ID, SAMPLED, FLAGS]
                .iter()
                .map(|name| (*name).to_owned())
                .collect()
        }),
    }
}

fn trace_id(text: &str) -> Option<TraceId> {
    // 16 or 32 hex digits.
    if text.len() != 16 && text.len() != 32 {
        return None;
    }
    hex::number(text.as_bytes(), EitherCase)
        .map(TraceId::from)
        .filter(|id| *id != TraceId::INVALID)
}

fn span_id(text: &str) -> Option<SpanId> {
    if text.len() != 16 {
        return None;
    }
    hex::u64_of_16(text.as_bytes(), EitherCase)
        .map(SpanId::from)
        .filter(|id| *id != SpanId::INVALID)
}

fn context(trace: TraceId, span: SpanId, sampled: bool) -> SpanContext {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    SpanContext::new(trace, span, flags, true, TraceState::NONE)
}

/// `b3: {trace}-{span}[-{sampled}[-{parent}]]`.
fn single(value: &str) -> Option<SpanContext> {
    let mut parts = value.trim().split('-');
    let trace = trace_id(parts.next()?)?;
    let span = span_id(parts.next()?)?;
    let sampled = match parts.next() {
        None => false,
        Some("1" | "d") => true,
        Some("0") => false,
        Some(_) => return None,
    };
    if let Some(parent) = parts.next() {
        span_id(parent)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(context(trace, span, sampled))
}

/// The value of header `name` when it has exactly one line. Several lines of a B3 header make
/// it invalid, as several `traceparent` lines do: which one was meant cannot be told.
fn only_value<'a>(extractor: &'a dyn Extractor, name: &str) -> Option<&'a str> {
    match super::carrier::header_values(extractor, name)?.as_slice() {
        [value] => Some(value),
        _ => None,
    }
}

/// Whether header `name` has more than one line.
fn repeated(extractor: &dyn Extractor, name: &str) -> bool {
    super::carrier::header_values(extractor, name).is_some_and(|values| values.len() > 1)
}

fn multiple(extractor: &dyn Extractor) -> Option<SpanContext> {
    if [FLAGS, SAMPLED]
        .iter()
        .any(|name| repeated(extractor, name))
    {
        return None;
    }
    let trace = trace_id(only_value(extractor, TRACE_ID)?.trim())?;
    let span = span_id(only_value(extractor, SPAN_ID)?.trim())?;
    let debug = only_value(extractor, FLAGS).map(str::trim) == Some("1");
    let sampled = match only_value(extractor, SAMPLED).map(str::trim) {
        Some("1" | "true") => true,
        Some("0" | "false") | None => false,
        Some(_) => return None,
    };
    Some(context(trace, span, sampled || debug))
}

impl TextMapPropagator for B3Propagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return;
        }
        let sampled = if context.is_sampled() { "1" } else { "0" };
        match self.encoding {
            B3Encoding::Single => injector.set(
                SINGLE,
                format!("{}-{}-{sampled}", context.trace_id(), context.span_id()),
            ),
            B3Encoding::Multiple => {
                injector.set(TRACE_ID, context.trace_id().to_string());
                injector.set(SPAN_ID, context.span_id().to_string());
                injector.set(SAMPLED, sampled.to_owned());
            }
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let remote = if repeated(extractor, SINGLE) {
            None
        } else {
            only_value(extractor, SINGLE)
                .and_then(single)
                .or_else(|| multiple(extractor))
        };
        match remote {
            Some(remote) => cx.with_remote_span_context(remote),
            None => cx.clone(),
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields(self.encoding))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A carrier with repeated header lines, as HTTP allows.
    struct Lines(Vec<(&'static str, &'static str)>);

    impl Extractor for Lines {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        }
        fn keys(&self) -> Vec<&str> {
            self.0.iter().map(|(k, _)| *k).collect()
        }
        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            Some(
                self.0
                    .iter()
                    .filter(|(k, _)| *k == key)
                    .map(|(_, v)| *v)
                    .collect(),
            )
        }
    }

    #[test]
    fn repeated_b3_lines_are_invalid_like_repeated_traceparent() {
        const ONE: &str = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";
        const TWO: &str = "463ac35c9f6413ad48485a3953bb6124-0020000000000001-1";
        let extract = |lines: Vec<(&'static str, &'static str)>| {
            B3Propagator::new(B3Encoding::Single)
                .extract(&Lines(lines))
                .span()
                .span_context()
                .is_valid()
        };
        assert!(extract(vec![("b3", ONE)]));
        assert!(!extract(vec![("b3", ONE), ("b3", TWO)]));
        assert!(!extract(vec![("b3", ONE), ("b3", ONE)]));
        let multi = |sampled: Vec<&'static str>| {
            let mut lines = vec![
                ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
                ("x-b3-spanid", "e457b5a2e4d86bd1"),
            ];
            lines.extend(sampled.into_iter().map(|value| ("x-b3-sampled", value)));
            extract(lines)
        };
        assert!(multi(vec!["1"]));
        assert!(!multi(vec!["1", "0"]));
    }

    fn extract(headers: &[(&str, &str)]) -> SpanContext {
        let carrier: HashMap<String, String> = headers
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        B3Propagator::new(B3Encoding::Single)
            .extract(&carrier)
            .span()
            .span_context()
            .clone()
    }

    const TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";
    const SPAN: &str = "e457b5a2e4d86bd1";

    #[test]
    fn single_header_forms() {
        let full = extract(&[("b3", &format!("{TRACE}-{SPAN}-1-05e3ac9a4f6e3b90"))]);
        assert!(full.is_valid() && full.is_remote() && full.is_sampled());
        assert!(extract(&[("b3", &format!("{TRACE}-{SPAN}-d"))]).is_sampled());
        let deferred = extract(&[("b3", &format!("{TRACE}-{SPAN}"))]);
        assert!(deferred.is_valid() && !deferred.is_sampled());
        let short = extract(&[("b3", &format!("64fe8b2a57d3eff7-{SPAN}-0"))]);
        assert_eq!(
            short.trace_id().to_string(),
            "000000000000000064fe8b2a57d3eff7"
        );
    }

    #[test]
    fn multiple_headers_and_debug_flag() {
        let sampled = extract(&[
            ("x-b3-traceid", TRACE),
            ("x-b3-spanid", SPAN),
            ("x-b3-sampled", "1"),
        ]);
        assert!(sampled.is_valid() && sampled.is_sampled());
        let debug = extract(&[
            ("x-b3-traceid", TRACE),
            ("x-b3-spanid", SPAN),
            ("x-b3-flags", "1"),
        ]);
        assert!(debug.is_sampled());
    }

    #[test]
    fn the_single_header_wins_and_malformed_values_are_rejected() {
        let both = extract(&[
            ("b3", &format!("{TRACE}-{SPAN}-0")),
            ("x-b3-traceid", TRACE),
            ("x-b3-spanid", "0000000000000001"),
            ("x-b3-sampled", "1"),
        ]);
        assert_eq!(both.span_id().to_string(), SPAN);
        for bad in [
            "0".to_owned(),
            format!("{TRACE}-{SPAN}-x"),
            format!("{TRACE}-123-1"),
            format!("{}-{SPAN}-1", "0".repeat(32)),
            format!("{TRACE}-{SPAN}-1-{SPAN}-extra"),
        ] {
            assert!(!extract(&[("b3", &bad)]).is_valid(), "{bad:?}");
        }
    }

    fn inject(encoding: B3Encoding, flags: u8) -> HashMap<String, String> {
        let remote = SpanContext::new(
            TraceId::from_hex(TRACE).unwrap_or(TraceId::INVALID),
            SpanId::from_hex(SPAN).unwrap_or(SpanId::INVALID),
            TraceFlags::new(flags),
            true,
            TraceState::NONE,
        );
        let mut headers = HashMap::new();
        B3Propagator::new(encoding).inject_context(
            &Context::new().with_remote_span_context(remote),
            &mut headers,
        );
        headers
    }

    #[test]
    fn unlike_opentelemetry_propagator_b3_flags_stay_apart_from_w3c_bits() {
        // No sampling decision: not sampled, and no bit that W3C reads as "random trace-id".
        let deferred = extract(&[("b3", &format!("{TRACE}-{SPAN}"))]);
        assert_eq!(deferred.trace_flags(), TraceFlags::default());
        // A W3C random (0x02) or unknown (0x04) bit never hides the sampling decision.
        for (flags, sampled) in [(0x02, "0"), (0x03, "1"), (0x04, "0"), (0x05, "1")] {
            let single = inject(B3Encoding::Single, flags);
            assert_eq!(
                single["b3"],
                format!("{TRACE}-{SPAN}-{sampled}"),
                "{flags:#x}"
            );
            assert_eq!(inject(B3Encoding::Multiple, flags)["x-b3-sampled"], sampled);
        }
    }

    #[test]
    fn unlike_opentelemetry_propagator_b3_debug_is_sampled_in_either_encoding() {
        for encoding in [B3Encoding::Single, B3Encoding::Multiple] {
            let mut headers = HashMap::new();
            headers.insert("b3".to_owned(), format!("{TRACE}-{SPAN}-d"));
            let cx = B3Propagator::new(encoding).extract(&headers);
            assert!(cx.span().span_context().is_sampled(), "{encoding:?}");
        }
        let flags_zero = extract(&[
            ("x-b3-traceid", TRACE),
            ("x-b3-spanid", SPAN),
            ("x-b3-sampled", "1"),
            ("x-b3-flags", "0"),
        ]);
        assert!(flags_zero.is_sampled());
    }

    #[test]
    fn unlike_opentelemetry_propagator_b3_inject_writes_its_fields_only() {
        for encoding in [B3Encoding::Single, B3Encoding::Multiple] {
            let propagator = B3Propagator::new(encoding);
            let mut written: Vec<String> = inject(encoding, 0x01).into_keys().collect();
            written.sort();
            let mut fields: Vec<String> = propagator
                .fields()
                .filter(|field| *field != FLAGS)
                .map(str::to_owned)
                .collect();
            fields.sort();
            assert_eq!(written, fields, "{encoding:?}");
            let mut nothing: HashMap<String, String> = HashMap::new();
            propagator.inject_context(&Context::new(), &mut nothing);
            assert!(nothing.is_empty(), "{encoding:?}: {nothing:?}");
        }
    }

    #[test]
    fn injects_the_chosen_encoding_only() {
        let remote = context(
            TraceId::from_hex(TRACE).unwrap_or(TraceId::INVALID),
            SpanId::from_hex(SPAN).unwrap_or(SpanId::INVALID),
            false,
        );
        let cx = Context::new().with_remote_span_context(remote);
        let mut single: HashMap<String, String> = HashMap::new();
        B3Propagator::new(B3Encoding::Single).inject_context(&cx, &mut single);
        assert_eq!(single.len(), 1);
        assert_eq!(single["b3"], format!("{TRACE}-{SPAN}-0"));
        let mut multi: HashMap<String, String> = HashMap::new();
        B3Propagator::new(B3Encoding::Multiple).inject_context(&cx, &mut multi);
        assert_eq!(multi.len(), 3);
        assert_eq!(multi["x-b3-traceid"], TRACE);
        assert_eq!(multi["x-b3-sampled"], "0");
    }
}
