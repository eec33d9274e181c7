//! The `traceparent` value: `version-traceid-parentid-flags`, read strictly and written in
//! version `00`.

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId};

use super::trim_ows;
use crate::propagation::hex::{self, Letters::Lowercase};

/// The version this module writes, and the only one whose exact layout it knows.
const SUPPORTED_VERSION: u8 = 0x00;
/// The version the specification forbids.
const FORBIDDEN_VERSION: u8 = 0xff;
/// Length of a version-00 `traceparent`: `vv-<32 hex>-<16 hex>-ff`.
const VERSION_00_LEN: usize = 55;
/// Flags this module understands: sampled (`0x01`) and random trace-id (`0x02`).
pub(super) const KNOWN_FLAGS: u8 = 0x03;
/// The Level 2 random trace-id flag.
pub(super) const RANDOM_FLAG: u8 = 0x02;

/// Parses one `traceparent` value into its trace-id, parent-id and (masked) flags.
pub(super) fn parse(value: &str) -> Option<(TraceId, SpanId, TraceFlags)> {
    let bytes = trim_ows(value).as_bytes();
    let head = bytes.get(..VERSION_00_LEN)?;
    let field = |range: std::ops::Range<usize>| head.get(range).unwrap_or_default();

    let version = hex::byte(field(0..2), Lowercase)?;
    if version == FORBIDDEN_VERSION {
        return None;
    }
    match bytes.get(VERSION_00_LEN) {
        None => {}
        // A higher version may append fields after a dash; version 00 may not.
        Some(b'-') if version != SUPPORTED_VERSION => {}
        Some(_) => return None,
    }
    if [2, 35, 52]
        .iter()
        .any(|&dash| head.get(dash) != Some(&b'-'))
    {
        return None;
    }
    let trace_id = hex::u128_of_32(field(3..35), Lowercase)?;
    let span_id = hex::u64_of_16(field(36..52), Lowercase)?;
    let flags = hex::byte(field(53..55), Lowercase)?;
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
pub(super) fn format(span_context: &SpanContext, flags: TraceFlags) -> String {
    format!(
        "{SUPPORTED_VERSION:02x}-{:032x}-{:016x}-{:02x}",
        span_context.trace_id(),
        span_context.span_id(),
        flags.to_u8() & KNOWN_FLAGS
    )
}
