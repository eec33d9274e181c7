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
//!   and whitespace-only list-members are skipped. At most 32 (non-empty) list-members, each key
//!   and value valid per the grammar below, no key twice: any violation drops the *whole*
//!   `tracestate` (the `traceparent` is still used), so a `tracestate` is forwarded either
//!   exactly as received (minus optional whitespace and empty members) or not at all.
//! * **Inject** writes nothing for an invalid span context, always writes version `00` with the
//!   flags masked to `0x03`, and writes `tracestate` only when it is non-empty and itself valid
//!   per the rules above (an application can put values into a [`TraceState`] that the W3C
//!   grammar forbids, such as empty values or control characters; those are not sent).
//!
//! # `tracestate` grammar
//!
//! Keys follow the Level 2 text, with the multi-tenant vendor format (`tenant@system`, from
//! Level 1) for keys that contain an `@`, which is also what the public W3C test suite checks:
//!
//! ```abnf
//! key          = simple-key / multi-tenant-key
//! simple-key   = ( lcalpha / DIGIT ) 0*255( keychar )          ; Level 2: may start with a digit
//! multi-tenant-key = tenant-id "@" system-id
//! tenant-id    = ( lcalpha / DIGIT ) 0*240( keychar )
//! system-id    = lcalpha 0*13( keychar )
//! keychar      = lcalpha / DIGIT / "_" / "-" / "*" / "/"
//! value        = 0*255(chr) nblk-chr
//! nblk-chr     = %x21-2B / %x2D-3C / %x3E-7E
//! chr          = %x20 / nblk-chr
//! ```
//!
//! The current Level 2 text folds `@` into `keychar` and drops the tenant/system split, which
//! would also accept `foo@`, `a@b@c` or a 242-character tenant; the W3C test suite (and Level 1)
//! reject those, and so does this propagator. Every key accepted here is valid under both texts.
//!
//! opentelemetry's [`TraceState`] cannot hold a system-id of 14 characters (it stops at 13).
//! Such a `tracestate` is still valid: the span context then carries the members
//! [`TraceState`] can hold, and the extracted [`Context`] remembers the full list, which inject
//! writes as long as the span's [`TraceState`] is still the one extracted (a sampler that
//! changes it makes inject write the [`TraceState`] alone, which deletes the 14-character member,
//! a mutation the specification allows). Values keep their leading spaces; trailing spaces are
//! optional whitespace and are removed.
//!
//! # The random trace-id flag
//!
//! The SDK's tracer copies the parent's flags into a recorded child (so `0x02` survives there),
//! but gives an unsampled (dropped) child the flags `00`, and a new root only the sampled bit,
//! and no `IdGenerator` can set flags. The flag is therefore kept beside the span, in the
//! [`Context`]: extraction notes "trace *T* has a random trace-id" when the incoming
//! `traceparent` says so, [`mark_new_trace`] notes it for a trace this process starts (the
//! SDK's default `RandomIdGenerator` draws all 128 bits at random), and inject sets `0x02` when
//! the span's trace-id is the one noted. A trace continued from a `traceparent` without the flag
//! is never given it. The exported span data keep the SDK's flags.
//!
//! # Carriers
//!
//! Values are read with [`Extractor::get_all`], so the carrier must return *every* value of a
//! header there (the trait's default `get_all` returns only the first one, which hides duplicate
//! `traceparent` headers and later `tracestate` lines). Header names are looked up in lowercase;
//! carriers whose lookup is already case-insensitive, such as `http::HeaderMap` and actix-http's
//! `HeaderMap` (and so this crate's `HeaderExtractor`), need nothing more.
//! For case-sensitive carriers, when nothing is stored under the lowercase name, the carrier's
//! [`Extractor::keys`] are scanned once for other spellings (for example `TraceParent`) and all
//! their values are used; this is the only extra cost, one small allocation on requests without
//! a lowercase header. A case-sensitive carrier that holds both `traceparent` and `TraceParent`
//! is read through the lowercase name only.
//!
//! # Cost
//!
//! Extraction is a single linear pass over the header values with no allocation apart from the
//! resulting [`TraceState`] (bounded by 32 members of at most 513 bytes) and what the carrier
//! itself returns. Parsing stops at the 33rd list-member, and duplicate keys are found by sorting
//! at most 32 keys on the stack, so a 64 KiB header is handled in microseconds.
//!
//! [W3C Trace Context Level 2]: https://www.w3.org/TR/trace-context-2/

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use std::sync::LazyLock;

use opentelemetry::{
    propagation::{text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator},
    trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState},
    Context,
};

const TRACEPARENT_HEADER: &str = "traceparent";
const TRACESTATE_HEADER: &str = "tracestate";

/// The version this module writes, and the only one whose exact layout it knows.
const SUPPORTED_VERSION: u8 = 0x00;
/// The version the specification forbids.
const FORBIDDEN_VERSION: u8 = 0xff;
/// Length of a version-00 `traceparent`: `vv-<32 hex>-<16 hex>-ff`.
const VERSION_00_LEN: usize = 55;
/// Flags this module understands: sampled (`0x01`) and random trace-id (`0x02`).
const KNOWN_FLAGS: u8 = 0x03;
/// The Level 2 random trace-id flag.
const RANDOM_FLAG: u8 = 0x02;

/// The specification's limit on `tracestate` list-members.
const MAX_MEMBERS: usize = 32;
/// Longest `tracestate` key and value.
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;
/// Longest tenant-id and system-id of a multi-tenant key (`tenant@system`).
const MAX_TENANT_LEN: usize = 241;
const MAX_SYSTEM_LEN: usize = 14;
/// opentelemetry's [`TraceState`] rejects more than this many characters after an `@`.
const TRACE_STATE_MAX_SYSTEM_LEN: usize = 13;

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
        if cx
            .get::<RandomTraceId>()
            .is_some_and(|random| random.0 == span_context.trace_id())
        {
            flags |= RANDOM_FLAG;
        }
        injector.set(
            TRACEPARENT_HEADER,
            format_traceparent(span_context, TraceFlags::new(flags)),
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

/// A received `tracestate` that [`TraceState`] could not hold whole (a 14-character
/// system-id): the normalised header, written by inject while the span's [`TraceState`] is still
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
    let mut members = Members::new();
    let valid = trace_state.into_iter().next().is_some()
        && trace_state
            .into_iter()
            .all(|(key, value)| members.push(key, value))
        && !members.has_duplicate_keys();
    valid.then(|| trace_state.header())
}

/// The remote span context in `extractor`, if its `traceparent` is present exactly once and
/// valid, with the whole `tracestate` header when its [`TraceState`] holds only part of it.
fn extract_span_context(extractor: &dyn Extractor) -> Option<(SpanContext, Option<String>)> {
    let traceparent = header_values(extractor, TRACEPARENT_HEADER)?;
    let [traceparent] = traceparent.as_slice() else {
        return None; // several values: invalid, start a new trace
    };
    let (trace_id, span_id, flags) = parse_traceparent(traceparent)?;
    let (trace_state, unrepresentable) = header_values(extractor, TRACESTATE_HEADER)
        .map(|lines| parse_tracestate(&lines))
        .unwrap_or_default();
    Some((
        SpanContext::new(trace_id, span_id, flags, true, trace_state),
        unrepresentable,
    ))
}

/// All values of header `name` (lowercase), in order; `None` when there are none.
///
/// Falls back to the case-insensitive spellings listed by [`Extractor::keys`] when the carrier
/// has nothing under `name` itself (see "Carriers" in the module documentation).
fn header_values<'a>(extractor: &'a dyn Extractor, name: &str) -> Option<Vec<&'a str>> {
    if let Some(values) = extractor.get_all(name) {
        if !values.is_empty() {
            return Some(values);
        }
    }
    let mut spellings: Vec<&str> = extractor
        .keys()
        .into_iter()
        .filter(|key| *key != name && key.eq_ignore_ascii_case(name))
        .collect();
    if spellings.is_empty() {
        return None;
    }
    spellings.sort_unstable();
    spellings.dedup();
    let mut values = Vec::new();
    for spelling in spellings {
        values.extend(extractor.get_all(spelling).unwrap_or_default());
    }
    (!values.is_empty()).then_some(values)
}

/// Parses one `traceparent` value into its trace-id, parent-id and (masked) flags.
fn parse_traceparent(value: &str) -> Option<(TraceId, SpanId, TraceFlags)> {
    let bytes = trim_ows(value).as_bytes();
    let head: &[u8; VERSION_00_LEN] = bytes.get(..VERSION_00_LEN)?.try_into().ok()?;

    let version = hex_u8(head[0], head[1])?;
    if version == FORBIDDEN_VERSION {
        return None;
    }
    match bytes.get(VERSION_00_LEN) {
        None => {}
        // A higher version may append fields after a dash; version 00 may not.
        Some(b'-') if version != SUPPORTED_VERSION => {}
        Some(_) => return None,
    }
    if head[2] != b'-' || head[35] != b'-' || head[52] != b'-' {
        return None;
    }
    let trace_id = hex_u128(&head[3..35])?;
    let span_id = hex_u64(&head[36..52])?;
    let flags = hex_u8(head[53], head[54])?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    Some((
        TraceId::from(trace_id),
        SpanId::from(span_id),
        TraceFlags::new(flags & KNOWN_FLAGS),
    ))
}

/// The `traceparent` value for `span_context` with `flags`, in version `00`.
fn format_traceparent(span_context: &SpanContext, flags: TraceFlags) -> String {
    format!(
        "{SUPPORTED_VERSION:02x}-{:032x}-{:016x}-{:02x}",
        span_context.trace_id(),
        span_context.span_id(),
        flags.to_u8() & KNOWN_FLAGS
    )
}

/// The value of a lowercase hex digit.
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn hex_u8(high: u8, low: u8) -> Option<u8> {
    Some((hex_digit(high)? << 4) | hex_digit(low)?)
}

/// 32 lowercase hex digits as a `u128`.
fn hex_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &c| {
        Some((acc << 4) | u128::from(hex_digit(c)?))
    })
}

/// 16 lowercase hex digits as a `u64`.
fn hex_u64(digits: &[u8]) -> Option<u64> {
    digits
        .iter()
        .try_fold(0u64, |acc, &c| Some((acc << 4) | u64::from(hex_digit(c)?)))
}

/// Combines the `tracestate` header lines; any violation gives an empty [`TraceState`].
///
/// When [`TraceState`] cannot hold every member (a 14-character system-id), it gets those it
/// can, and the normalised header of the whole list comes along.
fn parse_tracestate(lines: &[&str]) -> (TraceState, Option<String>) {
    let mut members = Members::new();
    for line in lines {
        for member in ListMembers::new(line) {
            let Some((key, value)) = member.split_once('=') else {
                return Default::default();
            };
            if !members.push(key, value) {
                return Default::default();
            }
        }
    }
    if members.has_duplicate_keys() {
        return Default::default();
    }
    let members = members.as_slice();
    if let Ok(trace_state) = TraceState::from_key_value(members.iter().copied()) {
        return (trace_state, None);
    }
    // Every other member `Members` accepts, `TraceState` accepts too; should the two ever
    // disagree elsewhere, the tracestate is dropped rather than half-propagated.
    let Ok(representable) = TraceState::from_key_value(
        members
            .iter()
            .copied()
            .filter(|(key, _)| fits_trace_state(key)),
    ) else {
        return Default::default();
    };
    let header = members
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",");
    (representable, Some(header))
}

/// The non-empty, OWS-trimmed list-members of one `tracestate` line, in order.
///
/// One pass over the bytes: runs of commas and OWS (empty members) are skipped in a tight loop,
/// which keeps padding-heavy headers cheap.
struct ListMembers<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> ListMembers<'a> {
    fn new(line: &'a str) -> Self {
        ListMembers { line, pos: 0 }
    }
}

impl<'a> Iterator for ListMembers<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.line.as_bytes();
        let start = self.pos
            + bytes
                .get(self.pos..)?
                .iter()
                .position(|&c| c != b',' && !is_ows(c))?;
        let end = self
            .line
            .get(start..)?
            .find(',')
            .map_or(bytes.len(), |offset| start + offset);
        self.pos = end;
        // `start` and `end` border ASCII bytes, so they are character boundaries; the member
        // starts with a non-OWS byte, so trimming only touches its end.
        Some(trim_ows(self.line.get(start..end)?))
    }
}

/// Up to [`MAX_MEMBERS`] validated `tracestate` list-members, kept on the stack.
struct Members<'a> {
    items: [(&'a str, &'a str); MAX_MEMBERS],
    len: usize,
}

impl<'a> Members<'a> {
    fn new() -> Self {
        Members {
            items: [("", ""); MAX_MEMBERS],
            len: 0,
        }
    }

    /// Adds a member; `false` when the key or value is invalid or the list is already full.
    fn push(&mut self, key: &'a str, value: &'a str) -> bool {
        if !valid_key(key) || !valid_value(value) {
            return false;
        }
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = (key, value);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn as_slice(&self) -> &[(&'a str, &'a str)] {
        self.items.get(..self.len).unwrap_or_default()
    }

    /// Whether a key occurs twice; sorts a copy of the (at most 32) keys.
    fn has_duplicate_keys(&self) -> bool {
        let mut keys = [""; MAX_MEMBERS];
        for (slot, (key, _)) in keys.iter_mut().zip(self.as_slice()) {
            *slot = key;
        }
        let keys = keys.get_mut(..self.len).unwrap_or_default();
        keys.sort_unstable();
        keys.windows(2).any(|pair| pair.first() == pair.last())
    }
}

/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/"`.
fn is_keychar(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/')
}

/// A `tracestate` key: a simple key (Level 2) or `tenant@system` (see the module documentation).
fn valid_key(key: &str) -> bool {
    if key.len() > MAX_KEY_LEN {
        return false;
    }
    let lcalpha_or_digit = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match key.split_once('@') {
        None => valid_id(key, MAX_KEY_LEN, lcalpha_or_digit),
        Some((tenant, system)) => {
            valid_id(tenant, MAX_TENANT_LEN, lcalpha_or_digit)
                && valid_id(system, MAX_SYSTEM_LEN, |c| c.is_ascii_lowercase())
        }
    }
}

/// 1 to `max` key characters, the first one accepted by `first`.
fn valid_id(id: &str, max: usize, first: impl Fn(u8) -> bool) -> bool {
    let bytes = id.as_bytes();
    let Some((&head, rest)) = bytes.split_first() else {
        return false;
    };
    bytes.len() <= max && first(head) && rest.iter().all(|&c| is_keychar(c))
}

/// Whether opentelemetry's [`TraceState`] can hold the valid key `key` (its system-id, if any,
/// has at most 13 characters).
fn fits_trace_state(key: &str) -> bool {
    key.split_once('@')
        .is_none_or(|(_, system)| system.len() <= TRACE_STATE_MAX_SYSTEM_LEN)
}

/// `value = 0*255(chr) nblk-chr`: 1 to 256 printable ASCII characters other than `,` and `=`,
/// not ending in a space.
fn valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() <= MAX_VALUE_LEN
        && bytes.last().is_some_and(|&c| c != b' ')
        && bytes
            .iter()
            .all(|&c| matches!(c, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    const TRACE_ID: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
    const SPAN_ID: u64 = 0x00f0_67aa_0ba9_02b7;
    const TID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SID: &str = "00f067aa0ba902b7";
    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const KIB64: usize = 64 * 1024;

    /// Headers in order, several values per name, names compared case-insensitively.
    #[derive(Debug, Default)]
    struct Carrier {
        headers: Vec<(String, String)>,
    }

    impl Carrier {
        fn new(headers: &[(&str, &str)]) -> Self {
            Carrier {
                headers: headers
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                    .collect(),
            }
        }

        fn with(traceparent: &[String], tracestate: &[String]) -> Self {
            let mut headers = Vec::new();
            headers.push(("content-type".to_owned(), "text/plain".to_owned()));
            for value in traceparent {
                headers.push((TRACEPARENT_HEADER.to_owned(), value.clone()));
            }
            for value in tracestate {
                headers.push((TRACESTATE_HEADER.to_owned(), value.clone()));
            }
            Carrier { headers }
        }

        fn values(&self, name: &str) -> Vec<&str> {
            self.headers
                .iter()
                .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
                .collect()
        }
    }

    impl Extractor for Carrier {
        fn get(&self, key: &str) -> Option<&str> {
            self.values(key).first().copied()
        }

        fn keys(&self) -> Vec<&str> {
            self.headers.iter().map(|(key, _)| key.as_str()).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            let values = self.values(key);
            (!values.is_empty()).then_some(values)
        }
    }

    impl Injector for Carrier {
        fn set(&mut self, key: &str, value: String) {
            self.headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case(key));
            self.headers.push((key.to_owned(), value));
        }
    }

    /// Like [`Carrier`] but names are compared exactly (a naive map-like carrier).
    struct CaseSensitiveCarrier(Vec<(&'static str, &'static str)>);

    impl Extractor for CaseSensitiveCarrier {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        }

        fn keys(&self) -> Vec<&str> {
            self.0.iter().map(|(k, _)| *k).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            let values: Vec<&str> = self
                .0
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .collect();
            (!values.is_empty()).then_some(values)
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Expect {
        /// No remote parent: the context is returned unchanged.
        Invalid,
        /// A remote parent with these ids, flags and `tracestate` header (`""` for none).
        Parent {
            trace_id: u128,
            span_id: u64,
            flags: u8,
            tracestate: String,
        },
    }

    /// The canonical ids with `flags` and `tracestate`.
    fn parent(flags: u8, tracestate: &str) -> Expect {
        Expect::Parent {
            trace_id: TRACE_ID,
            span_id: SPAN_ID,
            flags,
            tracestate: tracestate.to_owned(),
        }
    }

    struct Case {
        name: String,
        traceparent: Vec<String>,
        tracestate: Vec<String>,
        expect: Expect,
    }

    fn case(name: &str, traceparent: &[&str], tracestate: &[&str], expect: Expect) -> Case {
        Case {
            name: name.to_owned(),
            traceparent: traceparent.iter().map(|s| (*s).to_owned()).collect(),
            tracestate: tracestate.iter().map(|s| (*s).to_owned()).collect(),
            expect,
        }
    }

    fn owned_case(
        name: &str,
        traceparent: Vec<String>,
        tracestate: Vec<String>,
        expect: Expect,
    ) -> Case {
        Case {
            name: name.to_owned(),
            traceparent,
            tracestate,
            expect,
        }
    }

    fn tp(version: &str, trace_id: &str, span_id: &str, flags: &str) -> String {
        format!("{version}-{trace_id}-{span_id}-{flags}")
    }

    /// `n` distinct members `k1=v1,...`.
    fn members(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
        range.map(|i| format!("k{i}=v{i}")).collect()
    }

    fn outcome(cx: &Context) -> Expect {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return Expect::Invalid;
        }
        assert!(sc.is_remote(), "extracted contexts are remote");
        Expect::Parent {
            trace_id: u128::from_be_bytes(sc.trace_id().to_bytes()),
            span_id: u64::from_be_bytes(sc.span_id().to_bytes()),
            flags: sc.trace_flags().to_u8(),
            tracestate: tracestate_header(cx, sc).unwrap_or_default(),
        }
    }

    fn extract(carrier: &dyn Extractor) -> Context {
        TraceContextPropagator::new().extract_with_context(&Context::new(), carrier)
    }

    #[rustfmt::skip]
    fn traceparent_cases() -> Vec<Case> {
        use Expect::Invalid;
        let ts: &[&str] = &["foo=bar"];
        let upper_tid = TID.to_uppercase();
        let upper_sid = "00F067AA0BA902B7";
        vec![
            // Presence and repetition.
            case("valid, sampled", &[TP], ts, parent(0x01, "foo=bar")),
            case("no traceparent at all", &[], ts, Invalid),
            case("empty traceparent", &[""], ts, Invalid),
            case("whitespace-only traceparent", &[" \t "], ts, Invalid),
            case("two identical traceparent values", &[TP, TP], ts, Invalid),
            case("two different traceparent values", &[TP, &tp("00", TID, "b7ad6b7169203331", "01")], ts, Invalid),
            case("valid and empty traceparent values", &[TP, ""], ts, Invalid),
            case("valid and garbage traceparent values", &["garbage", TP], ts, Invalid),
            case("two values combined into one line", &[&format!("{TP},{TP}")], ts, Invalid),
            // OWS.
            case("leading and trailing spaces", &[&format!("  {TP}  ")], ts, parent(0x01, "foo=bar")),
            case("leading and trailing tabs", &[&format!("\t{TP}\t")], ts, parent(0x01, "foo=bar")),
            case("mixed OWS", &[&format!(" \t \t{TP}\t \t ")], ts, parent(0x01, "foo=bar")),
            case("trailing CRLF is not OWS", &[&format!("{TP}\r\n")], ts, Invalid),
            case("leading newline is not OWS", &[&format!("\n{TP}")], ts, Invalid),
            case("space inside the value", &[&tp("00", TID, &format!(" {}", &SID[1..]), "01")], ts, Invalid),
            case("space after a dash", &[&format!("00- {TID}-{SID}-01")], ts, Invalid),
            // Flags.
            case("unsampled propagates", &[&tp("00", TID, SID, "00")], ts, parent(0x00, "foo=bar")),
            case("random flag kept", &[&tp("00", TID, SID, "02")], ts, parent(0x02, "foo=bar")),
            case("sampled and random kept", &[&tp("00", TID, SID, "03")], ts, parent(0x03, "foo=bar")),
            case("unknown flag 04 cleared", &[&tp("00", TID, SID, "04")], ts, parent(0x00, "foo=bar")),
            case("unknown flag 08 cleared, sampled kept", &[&tp("00", TID, SID, "09")], ts, parent(0x01, "foo=bar")),
            case("all flags: only 01 and 02 kept", &[&tp("00", TID, SID, "ff")], ts, parent(0x03, "foo=bar")),
            case("flags fe: random kept", &[&tp("00", TID, SID, "fe")], ts, parent(0x02, "foo=bar")),
            case("upper-case flags", &[&tp("00", TID, SID, "0A")], ts, Invalid),
            case("non-hex flags", &[&tp("00", TID, SID, "0g")], ts, Invalid),
            case("one-digit flags", &[&tp("00", TID, SID, "1")], ts, Invalid),
            case("three-digit flags", &[&tp("00", TID, SID, "010")], ts, Invalid),
            case("missing flags", &[&format!("00-{TID}-{SID}")], ts, Invalid),
            case("empty flags", &[&format!("00-{TID}-{SID}-")], ts, Invalid),
            // Version.
            case("version ff", &[&tp("ff", TID, SID, "01")], ts, Invalid),
            case("version ff with future suffix", &[&format!("{}-extra", tp("ff", TID, SID, "01"))], ts, Invalid),
            case("version 00 with trailing data", &[&format!("{TP}-what-the-future-will-be-like")], ts, Invalid),
            case("version 00 with a trailing dash", &[&format!("{TP}-")], ts, Invalid),
            case("version 00 with a trailing character", &[&format!("{TP}x")], ts, Invalid),
            case("upper-case version", &[&tp("0A", TID, SID, "01")], ts, Invalid),
            case("upper-case future version", &[&tp("CC", TID, SID, "01")], ts, Invalid),
            case("non-hex version", &[&tp("0g", TID, SID, "01")], ts, Invalid),
            case("bogus version", &[&tp("qw", TID, SID, "01")], ts, Invalid),
            case("one-digit version", &[&tp("0", TID, SID, "01")], ts, Invalid),
            case("three-digit version", &[&tp("000", TID, SID, "01")], ts, Invalid),
            case("negative version", &[&tp("-1", TID, SID, "01")], ts, Invalid),
            // Future versions.
            case("future version cc, exact length", &[&tp("cc", TID, SID, "01")], ts, parent(0x01, "foo=bar")),
            case("future version cc with extra fields", &[&format!("{}-what-the-future-will-be-like", tp("cc", TID, SID, "01"))], ts, parent(0x01, "foo=bar")),
            case("future version cc with a trailing dash", &[&format!("{}-", tp("cc", TID, SID, "01"))], ts, parent(0x01, "foo=bar")),
            case("future version cc, extra data without dash", &[&format!("{}.what-the-future-will-be-like", tp("cc", TID, SID, "01"))], ts, Invalid),
            case("future version cc, longer flags", &[&tp("cc", TID, SID, "012")], ts, Invalid),
            case("future version 01, flags masked", &[&format!("{}-x", tp("01", TID, SID, "ff"))], ts, parent(0x03, "foo=bar")),
            case("future version fe", &[&tp("fe", TID, SID, "00")], ts, parent(0x00, "foo=bar")),
            case("future version, unsampled with tracestate", &[&tp("cc", TID, SID, "00")], &["a=1", "b=2"], parent(0x00, "a=1,b=2")),
            case("future version, all-zero trace-id", &[&tp("cc", &"0".repeat(32), SID, "01")], ts, Invalid),
            case("future version, upper-case trace-id", &[&tp("cc", &upper_tid, SID, "01")], ts, Invalid),
            case("future version, too short", &[&format!("cc-{TID}-{SID}-0")], ts, Invalid),
            case("future version, multi-byte char at the end", &[&format!("cc-{TID}-{SID}-01\u{e9}")], ts, Invalid),
            // Trace-id.
            case("all-zero trace-id", &[&tp("00", &"0".repeat(32), SID, "01")], ts, Invalid),
            case("trace-id 31 digits", &[&tp("00", &TID[1..], SID, "01")], ts, Invalid),
            case("trace-id 33 digits", &[&tp("00", &format!("{TID}0"), SID, "01")], ts, Invalid),
            case("trace-id 34 digits, span-id 14", &[&tp("00", &format!("ab{TID}"), &SID[2..], "01")], ts, Invalid),
            case("upper-case trace-id", &[&tp("00", &upper_tid, SID, "01")], ts, Invalid),
            case("one upper-case trace-id digit", &[&tp("00", &format!("{}A", &TID[..31]), SID, "01")], ts, Invalid),
            case("non-hex trace-id", &[&tp("00", &format!("{}g", &TID[..31]), SID, "01")], ts, Invalid),
            case("non-ASCII trace-id", &[&tp("00", &format!("{}\u{e9}", &TID[..30]), SID, "01")], ts, Invalid),
            case("trace-id ending in 1 is valid", &[&tp("00", &format!("{}1", "0".repeat(31)), SID, "01")], ts,
                 Expect::Parent { trace_id: 1, span_id: SPAN_ID, flags: 1, tracestate: "foo=bar".to_owned() }),
            case("max trace-id and parent-id", &[&tp("00", &"f".repeat(32), &"f".repeat(16), "01")], ts,
                 Expect::Parent { trace_id: u128::MAX, span_id: u64::MAX, flags: 1, tracestate: "foo=bar".to_owned() }),
            // Parent-id.
            case("all-zero parent-id", &[&tp("00", TID, &"0".repeat(16), "01")], ts, Invalid),
            case("all-zero trace-id and parent-id", &[&tp("00", &"0".repeat(32), &"0".repeat(16), "01")], ts, Invalid),
            case("parent-id 15 digits", &[&tp("00", TID, &SID[1..], "01")], ts, Invalid),
            case("parent-id 17 digits", &[&tp("00", TID, &format!("{SID}0"), "01")], ts, Invalid),
            case("upper-case parent-id", &[&tp("00", TID, upper_sid, "01")], ts, Invalid),
            case("non-hex parent-id", &[&tp("00", TID, "00f067aa0ba902bz", "01")], ts, Invalid),
            // Layout.
            case("underscores instead of dashes", &[&format!("00_{TID}_{SID}_01")], ts, Invalid),
            case("missing delimiter", &[&format!("00{TID}-{SID}-01-")], ts, Invalid),
            case("54 characters", &[&TP[..54]], ts, Invalid),
            case("only a version", &["00"], ts, Invalid),
            case("only dashes", &[&"-".repeat(55)], ts, Invalid),
            case("multi-byte characters, 55 bytes", &[&format!("00-{TID}-{}\u{e9}-01", &SID[..14])], ts, Invalid),
            // Invalid traceparent: tracestate is not propagated.
            case("invalid traceparent drops tracestate", &[&tp("00", &upper_tid, SID, "01")], &["foo=bar", "a=b"], Invalid),
            case("missing traceparent ignores tracestate", &[], &["foo=bar"], Invalid),
        ]
    }

    #[rustfmt::skip]
    fn tracestate_cases() -> Vec<Case> {
        let s = |tracestate: &str| parent(0x01, tracestate);
        let dropped = s("");
        let all_chars: String = (0x20u8..=0x7e)
            .filter(|c| !matches!(c, b',' | b'='))
            .map(char::from)
            .collect();
        let key256 = format!("a{}", "z".repeat(255));
        let key257 = format!("a{}", "z".repeat(256));
        let value256 = "v".repeat(256);
        let value257 = "v".repeat(257);
        let tenant_241 = format!("{}@v", "t".repeat(241));
        let tenant_242 = format!("{}@v", "t".repeat(242)); // 244 characters, but tenant > 241
        let key_at_256 = format!("{}@{}", "t".repeat(241), "v".repeat(14));
        let key_at_257 = format!("{}@{}", "t".repeat(242), "v".repeat(14));
        let m32 = members(1..=32).join(",");
        let m33 = members(1..=33).join(",");
        vec![
            // Basics and order.
            case("single member", &[TP], &["foo=bar"], s("foo=bar")),
            case("members keep their order", &[TP], &["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"], s("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")),
            case("no tracestate header", &[TP], &[], dropped.clone()),
            case("empty tracestate header", &[TP], &[""], dropped.clone()),
            case("whitespace-only tracestate header", &[TP], &[" \t "], dropped.clone()),
            case("commas only", &[TP], &[",, , \t,"], dropped.clone()),
            // Several header lines.
            case("two lines joined in order", &[TP], &["foo=1", "bar=2"], s("foo=1,bar=2")),
            case("three lines joined in order", &[TP], &["c=3,b=2", "a=1", "z=0"], s("c=3,b=2,a=1,z=0")),
            case("member, then empty line", &[TP], &["foo=1", ""], s("foo=1")),
            case("empty line, then member", &[TP], &["", "foo=1"], s("foo=1")),
            case("lines with trailing and leading commas", &[TP], &["foo=1,", ",bar=2"], s("foo=1,bar=2")),
            case("lines with OWS only", &[TP], &["foo=1", " \t", "bar=2"], s("foo=1,bar=2")),
            // Empty members and OWS.
            case("empty member in the middle", &[TP], &["foo=1,,bar=2"], s("foo=1,bar=2")),
            case("leading and trailing empty members", &[TP], &[",foo=1,"], s("foo=1")),
            case("whitespace-only members", &[TP], &[" , \t,foo=1, \t ,bar=2 ,, "], s("foo=1,bar=2")),
            case("OWS around members", &[TP], &["foo=1 \t , \t bar=2, \t baz=3"], s("foo=1,bar=2,baz=3")),
            case("tabs around members", &[TP], &["foo=1\t \t,\t \tbar=2"], s("foo=1,bar=2")),
            case("leading space of a value kept", &[TP], &["foo= bar"], s("foo= bar")),
            case("trailing spaces of a value are OWS", &[TP], &["foo=bar   ,baz=1"], s("foo=bar,baz=1")),
            case("inner spaces of a value kept", &[TP], &["foo=a b  c"], s("foo=a b  c")),
            // Member count.
            case("32 members kept", &[TP], &[&m32], s(&m32)),
            case("33 members dropped", &[TP], &[&m33], dropped.clone()),
            case("32 members over four lines with empty members", &[TP], &[&members(1..=10).join(","), "", &format!(",{},", members(11..=20).join(",,")), &members(21..=32).join(" , ")], s(&m32)),
            case("33 members over two lines", &[TP], &[&members(1..=16).join(","), &members(17..=33).join(",")], dropped.clone()),
            case("32 members plus a trailing empty line", &[TP], &[&m32, ""], s(&m32)),
            // Duplicate keys.
            case("duplicate keys, same value", &[TP], &["foo=1,foo=1"], dropped.clone()),
            case("duplicate keys, different values", &[TP], &["foo=1,bar=2,foo=3"], dropped.clone()),
            case("duplicate keys across lines", &[TP], &["foo=1", "bar=2,foo=1"], dropped.clone()),
            case("duplicate multi-tenant keys", &[TP], &["t@v=1,x=2,t@v=3"], dropped.clone()),
            case("keys differing only in case are not duplicates, but invalid", &[TP], &["foo=1,Foo=2"], dropped.clone()),
            case("same value, different keys", &[TP], &["foo=1,bar=1"], s("foo=1,bar=1")),
            // Keys.
            case("key with every key character", &[TP], &["a0_-*/z=1"], s("a0_-*/z=1")),
            case("key starting with a digit (Level 2)", &[TP], &["1foo=1"], s("1foo=1")),
            case("upper-case key", &[TP], &["bar=2,Foo=1"], dropped.clone()),
            case("upper-case letter inside a key", &[TP], &["fOo=1"], dropped.clone()),
            case("empty key", &[TP], &["=1"], dropped.clone()),
            case("key with a dot", &[TP], &["foo.bar=1"], dropped.clone()),
            case("key with a colon", &[TP], &["foo:bar=1"], dropped.clone()),
            case("key with an inner space", &[TP], &["foo bar=1"], dropped.clone()),
            case("space before =", &[TP], &["foo =1"], dropped.clone()),
            case("key starting with _", &[TP], &["_foo=1"], dropped.clone()),
            case("key starting with -", &[TP], &["-foo=1"], dropped.clone()),
            case("key starting with *", &[TP], &["*foo=1"], dropped.clone()),
            case("key starting with /", &[TP], &["/foo=1"], dropped.clone()),
            case("key starting with @", &[TP], &["@foo=1"], dropped.clone()),
            case("non-ASCII key", &[TP], &["f\u{f6}o=1"], dropped.clone()),
            case("key of 256 characters", &[TP], &[&format!("foo=1,{key256}=1")], s(&format!("foo=1,{key256}=1"))),
            case("key of 257 characters", &[TP], &[&format!("foo=1,{key257}=1")], dropped.clone()),
            // Multi-tenant keys.
            case("tenant@system", &[TP], &["tenant@vendor=1"], s("tenant@vendor=1")),
            case("digit-first tenant", &[TP], &["0tenant@vendor=1"], s("0tenant@vendor=1")),
            case("13-character system-id", &[TP], &[&format!("t@{}=1", "v".repeat(13))], s(&format!("t@{}=1", "v".repeat(13)))),
            case("14-character system-id (beyond TraceState, carried whole)", &[TP], &["foo=1", &format!("t@{}=1", "v".repeat(14))], s(&format!("foo=1,t@{}=1", "v".repeat(14)))),
            case("14-character system-id in the middle, OWS and empty members", &[TP], &[&format!(" a=1 ,, t@{}=x y ,b=2", "v".repeat(14))], s(&format!("a=1,t@{}=x y,b=2", "v".repeat(14)))),
            case("15-character system-id", &[TP], &["foo=1", &format!("t@{}=1", "v".repeat(15))], dropped.clone()),
            case("241-character tenant", &[TP], &[&format!("{tenant_241}=1")], s(&format!("{tenant_241}=1"))),
            case("242-character tenant", &[TP], &["foo=1", &format!("{tenant_242}=1")], dropped.clone()),
            case("multi-tenant key of 256 characters", &[TP], &["foo=1", &format!("{key_at_256}=1")], s(&format!("foo=1,{key_at_256}=1"))),
            case("multi-tenant key of 257 characters", &[TP], &["foo=1", &format!("{key_at_257}=1")], dropped.clone()),
            case("empty system-id", &[TP], &["foo@=1,bar=2"], dropped.clone()),
            case("empty tenant-id", &[TP], &["@foo=1,bar=2"], dropped.clone()),
            case("digit-first system-id", &[TP], &["foo@1bar=1"], dropped.clone()),
            case("upper-case system-id", &[TP], &["foo@Bar=1"], dropped.clone()),
            case("two @ in a row", &[TP], &["foo@@bar=1,bar=2"], dropped.clone()),
            case("@ twice", &[TP], &["foo@bar@baz=1,bar=2"], dropped.clone()),
            case("system-id starting with -", &[TP], &["foo@-bar=1"], dropped.clone()),
            case("tenant-id starting with _", &[TP], &["_foo@bar=1"], dropped.clone()),
            // Values.
            case("value with every allowed character", &[TP], &[&format!("foo={all_chars}")], s(&format!("foo={all_chars}"))),
            case("empty value", &[TP], &["foo="], dropped.clone()),
            case("empty value before a valid member", &[TP], &["foo=,bar=3"], dropped.clone()),
            case("spaces-only value", &[TP], &["foo=   ,bar=3"], dropped.clone()),
            case("value containing =", &[TP], &["foo=bar=baz"], dropped.clone()),
            case("member without =", &[TP], &["foo=1,bar"], dropped.clone()),
            case("member that is only a key", &[TP], &["foo"], dropped.clone()),
            case("value with an inner tab", &[TP], &["foo=a\tb"], dropped.clone()),
            case("value with DEL", &[TP], &["foo=a\u{7f}"], dropped.clone()),
            case("value with a control character", &[TP], &["foo=a\u{1}b"], dropped.clone()),
            case("value with a newline", &[TP], &["foo=a\nb"], dropped.clone()),
            case("non-ASCII value", &[TP], &["foo=\u{e9}t\u{e9}"], dropped.clone()),
            case("value of 256 characters", &[TP], &[&format!("foo={value256}")], s(&format!("foo={value256}"))),
            case("value of 256 characters plus trailing OWS", &[TP], &[&format!("foo={value256}  \t")], s(&format!("foo={value256}"))),
            case("value of 257 characters", &[TP], &[&format!("foo={value257}")], dropped.clone()),
            case("one invalid member drops valid ones too", &[TP], &["a=1", "b=2,C=3", "d=4"], dropped.clone()),
            // Tracestate with other traceparent versions and flags.
            case("tracestate with an unsampled parent", &[&tp("00", TID, SID, "00")], &["foo=1"], parent(0x00, "foo=1")),
        ]
    }

    /// Rows with 64 KiB headers; see also [`large_headers_are_fast`].
    #[rustfmt::skip]
    fn large_cases() -> Vec<Case> {
        let s = |tracestate: &str| parent(0x01, tracestate);
        let mut many = String::new();
        let mut i = 0;
        while many.len() < KIB64 {
            many.push_str(&format!("key{i}=value{i},"));
            i += 1;
        }
        let padding = |unit: &str| unit.repeat(KIB64 / unit.len());
        vec![
            owned_case("64 KiB tracestate of many members", vec![TP.to_owned()], vec![many.clone()], s("")),
            owned_case("64 KiB tracestate of empty members", vec![TP.to_owned()], vec![format!("a=1{}b=2", padding(", \t,"))], s("a=1,b=2")),
            owned_case("32 members padded to 64 KiB with OWS", vec![TP.to_owned()], vec![members(1..=32).join(&format!("{},{}", " \t".repeat(512), "\t ".repeat(512)))], s(&members(1..=32).join(","))),
            owned_case("64 KiB value", vec![TP.to_owned()], vec![format!("foo={}", "v".repeat(KIB64))], s("")),
            owned_case("64 KiB key", vec![TP.to_owned()], vec![format!("{}=1", "k".repeat(KIB64))], s("")),
            owned_case("64 KiB member without =", vec![TP.to_owned()], vec!["k".repeat(KIB64)], s("")),
            owned_case("4096 empty tracestate lines", vec![TP.to_owned()], vec![String::new(); 4096], s("")),
            owned_case("version 00 followed by 64 KiB", vec![format!("{TP}-{}", "x".repeat(KIB64))], vec!["foo=bar".to_owned()], Expect::Invalid),
            owned_case("future version followed by 64 KiB", vec![format!("{}-{}", tp("cc", TID, SID, "01"), "x".repeat(KIB64))], vec!["foo=bar".to_owned()], s("foo=bar")),
            owned_case("64 KiB of hex", vec!["a".repeat(KIB64)], vec![], Expect::Invalid),
            owned_case("64 KiB of OWS around a traceparent", vec![format!("{}{TP}{}", padding(" "), padding("\t"))], vec![], s("")),
            owned_case("64 KiB of OWS only", vec![padding(" \t")], vec![], Expect::Invalid),
            owned_case("64 KiB traceparent and 64 KiB tracestate", vec![format!("{}-{}", tp("cc", TID, SID, "01"), "-".repeat(KIB64))], vec![many], s("")),
        ]
    }

    fn run(cases: Vec<Case>) -> usize {
        let count = cases.len();
        let mut failures = Vec::new();
        for case in cases {
            let carrier = Carrier::with(&case.traceparent, &case.tracestate);
            let got = outcome(&extract(&carrier));
            if got != case.expect {
                failures.push(format!(
                    "{}: expected {:?}, got {:?}",
                    case.name,
                    shorten(&case.expect),
                    shorten(&got)
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} failing rows:\n{}",
            failures.len(),
            failures.join("\n")
        );
        count
    }

    fn shorten(expect: &Expect) -> Expect {
        match expect {
            Expect::Parent {
                trace_id,
                span_id,
                flags,
                tracestate,
            } if tracestate.len() > 200 => Expect::Parent {
                trace_id: *trace_id,
                span_id: *span_id,
                flags: *flags,
                tracestate: format!("{}...({} bytes)", &tracestate[..100], tracestate.len()),
            },
            other => other.clone(),
        }
    }

    #[test]
    fn traceparent_table() {
        assert!(run(traceparent_cases()) >= 70);
    }

    #[test]
    fn tracestate_table() {
        assert!(run(tracestate_cases()) >= 70);
    }

    #[test]
    fn large_header_table() {
        run(large_cases());
    }

    /// A row name, the headers in order and the expected outcome.
    type NamedHeaders = (&'static str, Vec<(&'static str, &'static str)>, Expect);

    #[test]
    fn header_names_are_case_insensitive() {
        let cases: Vec<NamedHeaders> = vec![
            (
                "mixed case",
                vec![("TraceParent", TP), ("TraceState", "foo=1")],
                parent(0x01, "foo=1"),
            ),
            (
                "upper case",
                vec![("TRACEPARENT", TP), ("TRACESTATE", "foo=1")],
                parent(0x01, "foo=1"),
            ),
            (
                "differently spelled tracestate lines join in order",
                vec![
                    ("tracestate", "a=1"),
                    ("TraceParent", TP),
                    ("TRACESTATE", "b=2"),
                    ("tracestate", "c=3"),
                ],
                parent(0x01, "a=1,b=2,c=3"),
            ),
            (
                "two spellings of traceparent",
                vec![("traceparent", TP), ("TRACEPARENT", TP)],
                Expect::Invalid,
            ),
        ];
        for (name, headers, expect) in cases {
            let got = outcome(&extract(&Carrier::new(&headers)));
            assert_eq!(got, expect, "{name}");
        }
    }

    #[test]
    fn case_sensitive_carriers_fall_back_to_keys() {
        let cases: Vec<NamedHeaders> = vec![
            (
                "lowercase",
                vec![("traceparent", TP), ("tracestate", "foo=1")],
                parent(0x01, "foo=1"),
            ),
            (
                "mixed case",
                vec![("TraceParent", TP), ("TraceState", "foo=1")],
                parent(0x01, "foo=1"),
            ),
            (
                "upper case",
                vec![("TRACEPARENT", TP), ("TRACESTATE", "foo=1")],
                parent(0x01, "foo=1"),
            ),
            (
                "mixed case, listed twice by keys()",
                vec![("TraceParent", TP), ("Accept", "*/*"), ("TraceParent", TP)],
                Expect::Invalid,
            ),
            (
                "two spellings",
                vec![("TraceParent", TP), ("TRACEPARENT", TP)],
                Expect::Invalid,
            ),
            (
                "tracestate under two spellings",
                vec![
                    ("traceparent", TP),
                    ("TraceState", "a=1"),
                    ("TRACESTATE", "b=2"),
                ],
                parent(0x01, "b=2,a=1"),
            ),
            (
                "similar names do not match",
                vec![("traceparent2", TP), ("x-traceparent", TP)],
                Expect::Invalid,
            ),
            ("absent", vec![("accept", "*/*")], Expect::Invalid),
        ];
        for (name, headers, expect) in cases {
            let got = outcome(&extract(&CaseSensitiveCarrier(headers)));
            assert_eq!(got, expect, "{name}");
        }
    }

    #[test]
    fn hashmap_carrier() {
        let mut map = HashMap::new();
        map.insert("traceparent".to_owned(), TP.to_owned());
        map.insert("tracestate".to_owned(), "foo=bar".to_owned());
        assert_eq!(outcome(&extract(&map)), parent(0x01, "foo=bar"));
    }

    #[test]
    fn invalid_input_returns_the_given_context_unchanged() {
        #[derive(Debug, PartialEq)]
        struct Marker(u32);

        let local = SpanContext::new(
            TraceId::from(7u128),
            SpanId::from(9u64),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        let cx = Context::new()
            .with_value(Marker(42))
            .with_remote_span_context(local.clone());
        let propagator = TraceContextPropagator::default();

        let bad = Carrier::with(&[TP.to_owned(), TP.to_owned()], &["foo=1".to_owned()]);
        let got = propagator.extract_with_context(&cx, &bad);
        assert_eq!(got.get::<Marker>(), Some(&Marker(42)));
        assert_eq!(got.span().span_context(), &local);

        let good = Carrier::with(&[TP.to_owned()], &[]);
        let got = propagator.extract_with_context(&cx, &good);
        assert_eq!(
            got.get::<Marker>(),
            Some(&Marker(42)),
            "other values survive"
        );
        assert_eq!(outcome(&got), parent(0x01, ""));
    }

    fn context(trace_id: u128, span_id: u64, flags: u8, trace_state: TraceState) -> Context {
        Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from(trace_id),
            SpanId::from(span_id),
            TraceFlags::new(flags),
            true,
            trace_state,
        ))
    }

    fn inject(cx: &Context) -> Carrier {
        let mut carrier = Carrier::default();
        TraceContextPropagator::new().inject_context(cx, &mut carrier);
        carrier
    }

    #[test]
    fn inject_writes_version_00_and_masked_flags() {
        let ts =
            TraceState::from_key_value([("congo", "t61rcWkgMzE"), ("rojo", "00f067aa0ba902b7")])
                .unwrap();
        for (flags, written) in [
            (0x00, "00"),
            (0x01, "01"),
            (0x02, "02"),
            (0x03, "03"),
            (0x04, "00"),
            (0xff, "03"),
            (0xfd, "01"),
        ] {
            let carrier = inject(&context(TRACE_ID, SPAN_ID, flags, ts.clone()));
            assert_eq!(
                carrier.values("traceparent"),
                vec![format!("00-{TID}-{SID}-{written}")],
                "flags {flags:#04x}"
            );
            assert_eq!(
                carrier.values("tracestate"),
                vec!["congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"]
            );
        }
        let carrier = inject(&context(1, 1, 0x01, TraceState::default()));
        assert_eq!(
            carrier.values("traceparent"),
            vec![format!("00-{}1-{}1-01", "0".repeat(31), "0".repeat(15))]
        );
    }

    #[test]
    fn inject_skips_empty_tracestate() {
        let carrier = inject(&context(TRACE_ID, SPAN_ID, 0x01, TraceState::default()));
        assert_eq!(carrier.values("traceparent").len(), 1);
        assert!(carrier.values("tracestate").is_empty());
    }

    #[test]
    fn inject_skips_tracestate_the_grammar_forbids() {
        // opentelemetry accepts these; the W3C grammar does not.
        let invalid: [&[(&str, &str)]; 5] = [
            &[("foo", "")],
            &[("foo", "a\tb")],
            &[("foo", "trailing ")],
            &[("foo", "caf\u{e9}")],
            &[("foo", "1"), ("foo", "2")],
        ];
        for members in invalid {
            let ts = TraceState::from_key_value(members.iter().copied()).unwrap();
            let carrier = inject(&context(TRACE_ID, SPAN_ID, 0x01, ts));
            assert_eq!(carrier.values("traceparent").len(), 1, "{members:?}");
            assert!(carrier.values("tracestate").is_empty(), "{members:?}");
        }
    }

    #[test]
    fn inject_nothing_for_invalid_context() {
        assert!(inject(&Context::new()).headers.is_empty());
        assert!(inject(&context(0, SPAN_ID, 0x01, TraceState::default()))
            .headers
            .is_empty());
        assert!(inject(&context(TRACE_ID, 0, 0x01, TraceState::default()))
            .headers
            .is_empty());
    }

    #[test]
    fn round_trip_every_valid_row() {
        let mut checked = 0;
        for case in traceparent_cases()
            .into_iter()
            .chain(tracestate_cases())
            .chain(large_cases())
        {
            let Expect::Parent {
                trace_id,
                span_id,
                flags,
                tracestate,
            } = &case.expect
            else {
                continue;
            };
            let cx = extract(&Carrier::with(&case.traceparent, &case.tracestate));
            let injected = inject(&cx);
            assert_eq!(
                injected.values("traceparent"),
                vec![format!("00-{trace_id:032x}-{span_id:016x}-{flags:02x}")],
                "{}",
                case.name
            );
            let expected_ts: Vec<&str> = if tracestate.is_empty() {
                vec![]
            } else {
                vec![tracestate.as_str()]
            };
            assert_eq!(injected.values("tracestate"), expected_ts, "{}", case.name);
            assert_eq!(
                outcome(&extract(&injected)),
                case.expect,
                "{}: second hop",
                case.name
            );
            checked += 1;
        }
        assert!(checked > 60);
    }

    #[test]
    fn future_version_is_downgraded_to_00() {
        let cx = extract(&Carrier::new(&[(
            "traceparent",
            &format!("cc-{TID}-{SID}-03-future-fields"),
        )]));
        assert_eq!(
            inject(&cx).values("traceparent"),
            vec![format!("00-{TID}-{SID}-03")]
        );
    }

    #[test]
    fn fields_are_the_two_headers() {
        let propagator = TraceContextPropagator::new();
        assert_eq!(
            propagator.fields().collect::<Vec<_>>(),
            vec!["traceparent", "tracestate"]
        );
        assert!(format!("{:?}", propagator.clone()).contains("TraceContextPropagator"));
    }

    #[test]
    fn validators_agree_with_trace_state() {
        // Every key accepted here is accepted by opentelemetry's TraceState, except those with a
        // 14-character system-id, which `fits_trace_state` singles out.
        let keys = [
            "a",
            "0",
            "a0_-*/z",
            "t@v",
            "0t@v1",
            "t@vvvvvvvvvvvvv",
            "1foo",
        ];
        for key in keys {
            assert!(valid_key(key) && fits_trace_state(key), "{key}");
            assert!(TraceState::from_key_value([(key, "1")]).is_ok(), "{key}");
        }
        for key in [
            "t@vvvvvvvvvvvvvv".to_owned(),
            format!("{}@{}", "t".repeat(241), "v".repeat(14)),
        ] {
            assert!(valid_key(&key) && !fits_trace_state(&key), "{key}");
            assert!(TraceState::from_key_value([(key.as_str(), "1")]).is_err());
        }
        for key in [
            "",
            "A",
            "_a",
            "foo@",
            "@foo",
            "a@@b",
            "a@b@c",
            "a@-b",
            "a@1b",
            "t@vvvvvvvvvvvvvvv",
            "a b",
            "a=b",
        ] {
            assert!(!valid_key(key), "{key:?}");
        }
        let value: String = (0x20u8..=0x7e)
            .filter(|c| !matches!(c, b',' | b'='))
            .map(char::from)
            .collect();
        assert!(valid_value(&value) && TraceState::from_key_value([("k", value.as_str())]).is_ok());
    }

    /// `cx` with its span replaced by a local one of `trace_id` (a child started under it).
    fn local_child(cx: &Context, trace_id: u128, flags: u8) -> Context {
        let span = cx.span();
        let trace_state = span.span_context().trace_state().clone();
        cx.with_remote_span_context(SpanContext::new(
            TraceId::from(trace_id),
            SpanId::from(0x1234u64),
            TraceFlags::new(flags),
            false,
            trace_state,
        ))
    }

    fn injected_flags(cx: &Context) -> String {
        let carrier = inject(cx);
        let traceparent = carrier.values("traceparent");
        traceparent
            .first()
            .map_or_else(String::new, |value| value[53..].to_owned())
    }

    #[test]
    fn random_flag_survives_children_that_drop_it() {
        for (received, child_flags, written) in [
            ("02", 0x00, "02"), // unsampled, random: the SDK's dropped child has flags 00
            ("03", 0x01, "03"), // a child that kept only the sampled bit
            ("03", 0x03, "03"),
            ("00", 0x00, "00"), // continued without the flag: never given it
            ("01", 0x01, "01"),
        ] {
            let cx = extract(&Carrier::with(&[tp("00", TID, SID, received)], &[]));
            let child = local_child(&cx, TRACE_ID, child_flags);
            assert_eq!(injected_flags(&child), written, "received {received}");
        }
        // The note is about one trace: a span of another trace under the same context
        // does not inherit it.
        let cx = extract(&Carrier::with(&[tp("00", TID, SID, "03")], &[]));
        assert_eq!(injected_flags(&local_child(&cx, 77, 0x01)), "01");
    }

    #[test]
    fn new_traces_get_the_random_flag() {
        let root = local_child(&Context::new(), 5, 0x01);
        let marked = mark_new_trace(&Context::new(), root.clone());
        assert_eq!(injected_flags(&root), "01");
        assert_eq!(injected_flags(&marked), "03");
        assert_eq!(injected_flags(&local_child(&marked, 5, 0x00)), "02");

        // A span that continues a trace is not marked, whatever its parent said.
        let parent = extract(&Carrier::with(&[tp("00", TID, SID, "01")], &[]));
        let child = local_child(&parent, TRACE_ID, 0x01);
        assert_eq!(injected_flags(&mark_new_trace(&parent, child)), "01");
        // Nor is an invalid span.
        let invalid = mark_new_trace(&Context::new(), Context::new());
        assert!(invalid.get::<RandomTraceId>().is_none());
    }

    #[test]
    fn carried_tracestate_gives_way_to_a_changed_trace_state() {
        let long = format!("t@{}", "v".repeat(14));
        let cx = extract(&Carrier::with(&[TP.to_owned()], &[format!("a=1,{long}=2")]));
        let span = cx.span();
        assert_eq!(span.span_context().trace_state().header(), "a=1");
        assert_eq!(
            inject(&cx).values("tracestate"),
            vec![format!("a=1,{long}=2")]
        );
        // A sampler that inserts its own member: TraceState alone is written.
        let changed = span
            .span_context()
            .trace_state()
            .insert("ot", "th:8")
            .unwrap();
        let child = cx.with_remote_span_context(SpanContext::new(
            TraceId::from(TRACE_ID),
            SpanId::from(0x1234u64),
            TraceFlags::SAMPLED,
            false,
            changed,
        ));
        assert_eq!(inject(&child).values("tracestate"), vec!["ot=th:8,a=1"]);
        // Another trace under the same context does not get the carried header.
        let other = local_child(&cx, 77, 0x01);
        assert_eq!(inject(&other).values("tracestate"), vec!["a=1"]);
    }

    /// Tiny deterministic generator for the mutation test.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn mutated_headers_never_panic_and_round_trip() {
        const ALPHABET: &[&str] = &[
            "0",
            "1",
            "3",
            "9",
            "a",
            "f",
            "g",
            "A",
            "F",
            "-",
            "_",
            ",",
            "=",
            "@",
            " ",
            "\t",
            "\n",
            "\u{e9}",
            "\u{1f600}",
            "",
        ];
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        let seeds = [format!("cc-{TID}-{SID}-03-x"), TP.to_owned()];
        let state_seeds = ["a=1,b@c=2 , ,d= e", "foo=bar"];
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut traceparent: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
            let mut tracestate: Vec<char> =
                state_seeds[rng.below(state_seeds.len())].chars().collect();
            for _ in 0..rng.below(3) + 1 {
                let target = if rng.below(2) == 0 {
                    &mut traceparent
                } else {
                    &mut tracestate
                };
                let at = rng.below(target.len() + 1);
                let insert: Vec<char> = ALPHABET[rng.below(ALPHABET.len())].chars().collect();
                match rng.below(3) {
                    0 if at < target.len() => {
                        target.splice(at..at + 1, insert);
                    }
                    1 if at < target.len() => {
                        target.remove(at);
                    }
                    _ => {
                        target.splice(at..at, insert);
                    }
                }
            }
            let carrier = Carrier::with(
                &[traceparent.into_iter().collect()],
                &[tracestate.into_iter().collect()],
            );
            let cx = extract(&carrier);
            if let expect @ Expect::Parent { .. } = outcome(&cx) {
                accepted += 1;
                assert_eq!(outcome(&extract(&inject(&cx))), expect, "{carrier:?}");
            }
        }
        assert!(accepted > 1_000, "only {accepted} mutations were accepted");
    }

    #[test]
    fn large_headers_are_fast() {
        let mut many = String::new();
        let mut i = 0;
        while many.len() < KIB64 {
            many.push_str(&format!("key{i}=value{i},"));
            i += 1;
        }
        let carriers = [
            Carrier::with(&[TP.to_owned()], std::slice::from_ref(&many)),
            Carrier::with(
                &[TP.to_owned()],
                &[format!("a=1{}b=2", ", \t,".repeat(KIB64 / 4))],
            ),
            Carrier::with(
                &[TP.to_owned()],
                &[format!(
                    "{}{}",
                    members(1..=31).join(","),
                    ",".repeat(KIB64)
                )],
            ),
            Carrier::with(&[TP.to_owned()], &[format!("foo={}", "v".repeat(KIB64))]),
            Carrier::with(
                &[format!(
                    "{}-{}",
                    tp("cc", TID, SID, "01"),
                    "x".repeat(KIB64)
                )],
                &[],
            ),
            Carrier::with(
                &[format!("{}{TP}{}", " ".repeat(KIB64), "\t".repeat(KIB64))],
                &[],
            ),
        ];
        let propagator = TraceContextPropagator::new();
        for carrier in &carriers {
            let rounds = 20u32;
            let start = Instant::now();
            for _ in 0..rounds {
                std::hint::black_box(propagator.extract_with_context(&Context::new(), carrier));
            }
            let per_call = start.elapsed() / rounds;
            // Linear work on 64 KiB takes microseconds (tens in a debug build); quadratic work
            // would take seconds. The bound is loose so that a loaded CI machine passes.
            assert!(
                per_call < Duration::from_millis(20),
                "{per_call:?} per extract"
            );
        }
    }
}
