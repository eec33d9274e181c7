//! A strict [W3C Trace Context Level 2] propagator for the `traceparent` and `tracestate`
//! headers.
//!
//! [`TraceContextPropagator`] is a drop-in replacement for
//! `opentelemetry_sdk::propagation::TraceContextPropagator` that follows the specification more
//! closely:
//!
//! * **Header names** are matched case-insensitively (see [Carriers](#carriers)), and spaces and
//!   horizontal tabs (OWS) around header values are ignored.
//! * **Duplicate `traceparent`**: two or more `traceparent` values make the request invalid; the
//!   incoming context is returned unchanged, so a new trace starts.
//! * **`traceparent` validation**: the version must be two lowercase hex digits other than `ff`;
//!   version `00` must be exactly 55 characters; trace-id, parent-id and flags must be lowercase
//!   hex of the right length; an all-zero trace-id or parent-id is invalid. A higher version
//!   (`01`..=`fe`) is parsed through its version-00 prefix, which must be followed by the end of
//!   the value or by `-`. When `traceparent` is invalid, `tracestate` is not read at all.
//! * **Flags**: the sampled (`0x01`) and random trace-id (`0x02`) bits are kept in the extracted
//!   [`TraceFlags`]; every other bit is cleared. Unsampled contexts propagate like sampled ones.
//!   See [The random trace-id flag](#the-random-trace-id-flag) for how `0x02` survives the SDK.
//! * **`tracestate`**: several header lines are combined in order as if joined with `,`; empty
//!   and whitespace-only list-members are skipped. A key that occurs again is dropped with its
//!   value, the first occurrence kept (the specification lets vendors discard duplicate keys).
//!   At most 32 (non-empty) list-members, each key and value valid per the grammar below, and
//!   every line text: any violation (a header line with bytes that are not ASCII included)
//!   drops the *whole* `tracestate` (the `traceparent` is still used), so a `tracestate` is
//!   forwarded either as received (minus optional whitespace, empty members and repeated keys)
//!   or not at all.
//! * **Inject** writes nothing for an invalid span context, always writes version `00` with the
//!   flags masked to `0x03`, and writes `tracestate` only when it is non-empty and itself valid
//!   per the rules above, keys repeated in it dropped (an application can put values into a
//!   [`TraceState`] that the W3C grammar forbids, such as empty values or control characters;
//!   those are not sent).
//!
//! # `tracestate` grammar
//!
//! The current W3C editor's draft, whose public test suite checks the same since commit
//! "Fix tracestate key grammar tests" (w3c/trace-context#584):
//!
//! ```abnf
//! list     = list-member 0*31( OWS "," OWS list-member )
//! key      = ( lcalpha / DIGIT ) 0*255( keychar )
//! keychar  = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
//! value    = 0*255(chr) nblk-chr
//! nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
//! chr      = %x20 / nblk-chr
//! ```
//!
//! `@` is an ordinary key character after the first one: there is no `tenant@system` split
//! (Level 1's vendor format), so `foo@`, `foo@@bar`, `a@b@c` and `t…t@vvvvvvvvvvvvvv` (256
//! characters, 14 after the `@`) are keys like any other.
//!
//! opentelemetry's [`TraceState`] still applies the vendor rule to keys with an `@` (one `@`,
//! then 1 to 13 characters starting with a letter or digit) and rejects the others. Such a
//! `tracestate` is still valid: the span context then carries the members [`TraceState`] can
//! hold, and the extracted [`Context`] remembers the full list, which inject writes as long as
//! the span's [`TraceState`] is still the one extracted (a sampler that changes it makes inject
//! write the [`TraceState`] alone, which deletes those members, a mutation the specification
//! allows). Values keep their leading spaces; trailing spaces are optional whitespace and are
//! removed.
//!
//! # The random trace-id flag
//!
//! The SDK's tracer copies the parent's flags into a recorded child (so `0x02` survives there),
//! but gives an unsampled (dropped) child the flags `00`, and a new root only the sampled bit,
//! and no `IdGenerator` can set flags. The flag is therefore derived where it is written, by
//! inject, from two records:
//!
//! * **Traces started here.** A span that otel-runtime starts as the root of a trace
//!   (`#[traced]`, the HTTP server and client glue) records its trace-id in a fixed table (one
//!   relaxed store; the SDK's default `RandomIdGenerator` draws all 128 bits at random), and
//!   inject sets `0x02` for any span of a trace found there: the root, its children, dropped or
//!   started by hand. The table keeps the eight last traces of each of its 1,024 buckets, so a
//!   trace's record outlives a thousand newer traces started here but not many thousands: a
//!   trace whose record is gone is sent without the flag, which is optional (its trace-id is as
//!   random as before, only the claim is left out).
//! * **Received traces.** Extraction notes "trace *T* has a random trace-id" in the
//!   [`Context`] when the incoming `traceparent` says so, and [`mark_new_trace`] does the same
//!   for a trace started elsewhere; inject sets `0x02` when the span's trace-id is the one
//!   noted.
//!
//! A trace continued from a `traceparent` without the flag is never given it (unless its id is
//! one this process drew itself). The exported span data keep the SDK's flags.
//!
//! # Carriers
//!
//! Values are read with [`Extractor::get_all`], so the carrier must return *every* value of a
//! header there (the trait's default `get_all` returns only the first one, which hides duplicate
//! `traceparent` headers and later `tracestate` lines), and count a value it cannot show as text
//! as a line too (this crate's `HeaderExtractor` gives U+FFFD for it, which no format accepts).
//!
//! Header names are looked up in lowercase. A carrier whose `get_all` answers `Some` has looked
//! the name up in any case, and its answer is final: HTTP header maps are case-insensitive, and
//! this crate's `HeaderExtractor` answers `Some(vec![])` for a missing header so that nothing
//! more is done. When `get_all` answers `None` (as the trait's default does for a missing key),
//! the carrier may be case-sensitive: its [`Extractor::keys`] are scanned once for other
//! spellings (for example `TraceParent`) and all their values are used. That scan costs one
//! allocation and a pass over the keys on requests without the header. A case-sensitive carrier
//! that holds both `traceparent` and `TraceParent` is read through the lowercase name only.
//! `baggage` is found the same way.
//!
//! # Cost
//!
//! Extraction is a single linear pass over the header values with no allocation apart from the
//! resulting [`TraceState`] (bounded by 32 members of at most 513 bytes) and what the carrier
//! itself returns. Parsing stops at the 33rd list-member, and repeated keys are found among at
//! most 32 keys kept on the stack, so a 64 KiB header is handled in microseconds.
//!
//! [W3C Trace Context Level 2]: https://www.w3.org/TR/trace-context-2/

use std::sync::LazyLock;

use opentelemetry::{
    propagation::{text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator},
    trace::{SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState},
    Context,
};

use super::carrier::header_values;
use traceparent::{KNOWN_FLAGS, RANDOM_FLAG};

mod started_here;
#[cfg(test)]
mod tests;
mod traceparent;
mod tracestate;

pub(crate) use started_here::note_trace_started;

const TRACEPARENT_HEADER: &str = "traceparent";
const TRACESTATE_HEADER: &str = "tracestate";

/// Optional whitespace (RFC 7230 OWS): spaces and horizontal tabs.
fn is_ows(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// `s` without leading and trailing OWS.
fn trim_ows(s: &str) -> &str {
    let bytes = s.as_bytes();
    let start = bytes
        .iter()
        .position(|&c| !is_ows(c))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&c| !is_ows(c))
        .map_or(start, |last| last + 1);
    // Both ends sit next to ASCII bytes, so they are character boundaries.
    s.get(start..end).unwrap_or_default()
}

static FIELDS: LazyLock<[String; 2]> =
    LazyLock::new(|| [TRACEPARENT_HEADER.to_owned(), TRACESTATE_HEADER.to_owned()]);

/// Propagates [`SpanContext`]s in the [W3C Trace Context Level 2] format, through the
/// `traceparent` and `tracestate` headers, validating them strictly.
///
/// See the [module documentation](self) for the exact rules, the choices made where the
/// specification leaves room, and what carriers are expected to do.
///
/// # Example
///
/// ```
/// use std::collections::HashMap;
///
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
/// use otel_runtime::tracecontext::TraceContextPropagator;
///
/// let propagator = TraceContextPropagator::new();
///
/// let mut incoming = HashMap::new();
/// incoming.insert(
///     "traceparent".to_owned(),
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03".to_owned(),
/// );
/// incoming.insert("tracestate".to_owned(), "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7".to_owned());
///
/// let cx = propagator.extract(&incoming);
/// let span = cx.span();
/// let remote = span.span_context();
/// assert!(remote.is_valid() && remote.is_remote() && remote.is_sampled());
/// assert_eq!(remote.trace_flags().to_u8(), 0x03); // sampled + random trace-id
/// assert_eq!(remote.trace_state().get("rojo"), Some("00f067aa0ba902b7"));
///
/// let mut outgoing = HashMap::new();
/// propagator.inject_context(&cx, &mut outgoing);
/// assert_eq!(
///     outgoing["traceparent"],
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"
/// );
/// assert_eq!(outgoing["tracestate"], "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
///
/// // Two `traceparent` values, an upper-case trace-id, version `ff`...: no remote parent.
/// let mut bad = HashMap::new();
/// bad.insert(
///     "traceparent".to_owned(),
///     "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
/// );
/// assert!(!propagator.extract(&bad).span().span_context().is_valid());
/// ```
///
/// [W3C Trace Context Level 2]: https://www.w3.org/TR/trace-context-2/
#[derive(Clone, Debug, Default)]
pub struct TraceContextPropagator {
    _private: (),
}

impl TraceContextPropagator {
    /// Creates the propagator; it has no configuration.
    pub const fn new() -> Self {
        TraceContextPropagator { _private: () }
    }
}

impl TextMapPropagator for TraceContextPropagator {
    /// Writes `traceparent` (always version `00`, flags masked to sampled and random) and, when
    /// it is non-empty and valid, `tracestate` for the span context of `cx`. Writes nothing when
    /// that span context is invalid.
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let span_context = span.span_context();
        if !span_context.is_valid() {
            return;
        }
        let mut flags = span_context.trace_flags().to_u8() & KNOWN_FLAGS;
        let trace_id = span_context.trace_id();
        if flags & RANDOM_FLAG == 0
            && (cx
                .get::<RandomTraceId>()
                .is_some_and(|random| random.0 == trace_id)
                || started_here::started_here(trace_id))
        {
            flags |= RANDOM_FLAG;
        }
        injector.set(
            TRACEPARENT_HEADER,
            traceparent::format(span_context, TraceFlags::new(flags)),
        );
        if let Some(header) = tracestate_header(cx, span_context) {
            injector.set(TRACESTATE_HEADER, header);
        }
    }

    /// Returns `cx` with the remote span context carried by `extractor`, or `cx` unchanged when
    /// `traceparent` is missing, repeated or invalid.
    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some((span_context, unrepresentable)) = extract_span_context(extractor) else {
            return cx.clone();
        };
        let trace_id = span_context.trace_id();
        let random = span_context.trace_flags().to_u8() & RANDOM_FLAG != 0;
        let carried = unrepresentable.map(|header| ReceivedTraceState {
            trace_id,
            carried: span_context.trace_state().clone(),
            header,
        });
        let mut cx = cx.with_remote_span_context(span_context);
        if random {
            cx = cx.with_value(RandomTraceId(trace_id));
        }
        if let Some(carried) = carried {
            cx = cx.with_value(carried);
        }
        cx
    }

    /// The header names this propagator reads and writes: `traceparent` and `tracestate`.
    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(FIELDS.as_slice())
    }
}

/// Notes in a [`Context`] that the trace with this id has a random trace-id (the Level 2 flag
/// `0x02`), for inject; see [The random trace-id flag](self#the-random-trace-id-flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RandomTraceId(TraceId);

/// A received `tracestate` that [`TraceState`] could not hold whole (a key it rejects, such as
/// `foo@@bar`): the normalised header, written by inject while the span's [`TraceState`] is still
/// `carried`, the part that was representable.
#[derive(Clone, Debug, PartialEq)]
struct ReceivedTraceState {
    trace_id: TraceId,
    carried: TraceState,
    header: String,
}

/// Returns `cx`, the context of a span just started with `parent` as its parent context, noting
/// that the span's trace-id is random when that span started a new trace (`parent` holds no
/// valid span context), so that the `traceparent` written for it and for its descendants carries
/// the Level 2 random trace-id flag (`0x02`).
///
/// Traces started by otel-runtime (`#[traced]`, the HTTP glue) get the flag without it (see
/// [The random trace-id flag](self#the-random-trace-id-flag)); this is for a span started by
/// hand. It costs a [`Context::with_value`] (a map and two allocations).
///
/// This assumes the tracer provider draws trace-ids at random, as the SDK's default
/// `RandomIdGenerator` does. A span that continues a trace gets `cx` back unchanged: the flag
/// then stays as received.
///
/// ```
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
/// use opentelemetry::Context;
/// use otel_runtime::tracecontext::{mark_new_trace, TraceContextPropagator};
///
/// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
/// let tracer = provider.tracer("doc");
/// let parent = Context::new();
/// let cx = parent.with_span(tracer.start_with_context("root", &parent));
/// let cx = mark_new_trace(&parent, cx);
///
/// let mut headers = std::collections::HashMap::new();
/// TraceContextPropagator::new().inject_context(&cx, &mut headers);
/// assert!(headers["traceparent"].ends_with("-03")); // sampled + random trace-id
/// ```
pub fn mark_new_trace(parent: &Context, cx: Context) -> Context {
    let trace_id = {
        let span = cx.span();
        let span_context = span.span_context();
        if parent.span().span_context().is_valid() || !span_context.is_valid() {
            return cx;
        }
        span_context.trace_id()
    };
    cx.with_value(RandomTraceId(trace_id))
}

/// The `tracestate` inject writes for `span_context`, held by `cx`: the full list received when
/// [`TraceState`] could not hold it and the span still carries what was extracted, otherwise
/// the span's [`TraceState`] when it is non-empty and valid.
fn tracestate_header(cx: &Context, span_context: &SpanContext) -> Option<String> {
    let trace_state = span_context.trace_state();
    if let Some(received) = cx.get::<ReceivedTraceState>() {
        if received.trace_id == span_context.trace_id() && &received.carried == trace_state {
            return Some(received.header.clone());
        }
    }
    tracestate::header_of(trace_state)
}

/// The remote span context in `extractor`, if its `traceparent` is present exactly once and
/// valid, with the whole `tracestate` header when its [`TraceState`] holds only part of it.
fn extract_span_context(extractor: &dyn Extractor) -> Option<(SpanContext, Option<String>)> {
    let traceparent = header_values(extractor, TRACEPARENT_HEADER)?;
    let [traceparent] = traceparent.as_slice() else {
        return None; // several values: invalid, start a new trace
    };
    let (trace_id, span_id, flags) = traceparent::parse(traceparent)?;
    let (trace_state, unrepresentable) = header_values(extractor, TRACESTATE_HEADER)
        .map(|lines| tracestate::parse(&lines))
        .unwrap_or_default();
    Some((
        SpanContext::new(trace_id, span_id, flags, true, trace_state),
        unrepresentable,
    ))
}
