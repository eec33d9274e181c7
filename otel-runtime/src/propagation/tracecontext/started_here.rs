//! The traces this process started, for the W3C random trace-id flag on inject: a fixed table
//! indexed by trace-id, written with one relaxed store per trace started and read by inject
//! (see [The random trace-id flag](super#the-random-trace-id-flag)).
//!
//! Why a table and not a note in the span's [`Context`](opentelemetry::Context): a note is a
//! `Context::with_value` per root (a map and two allocations, ~1,000 instructions with its
//! drop), which cost `#[traced]` roots 40% more than the span itself; and a wrapper span that
//! shows the flag in the context's span context costs a copy of the span, ~130 instructions.
//! A store costs a few.
//!
//! The table is sized to stay in the cache: 64 KiB, in buckets of one cache line. A table of
//! 512 KiB cost a cache and TLB miss per root (~40 ns, an eighth of a span); one slot per
//! trace-id made any later trace landing on the same slot take it. In a bucket the eight last
//! traces stay, in the order they started: a trace loses its record only after eight newer
//! ones landed in its bucket (for a trace followed by 1,000 others, a chance of about one in a
//! thousand; by 4,000, about one in twenty). A trace whose record is gone is sent without the
//! flag, which is optional: its trace-id is as random as before, only the claim is left out.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use opentelemetry::trace::TraceId;

/// Traces kept per bucket: eight `u64` tags, one cache line.
const WAYS: usize = 8;
/// Buckets in the table.
const BUCKETS: usize = 1024;

/// The low 64 bits of the last trace-ids started in a bucket (0: none yet).
#[repr(align(64))]
struct Bucket([AtomicU64; WAYS]);

/// The table; a bucket is chosen by the trace-id's high bits. Relaxed: a reader that misses a
/// store only omits the flag.
static STARTED: [Bucket; BUCKETS] =
    [const { Bucket([const { AtomicU64::new(0) }; WAYS]) }; BUCKETS];

/// The way each bucket fills next: its traces are replaced oldest first.
static NEXT: [AtomicU8; BUCKETS] = [const { AtomicU8::new(0) }; BUCKETS];

/// The bucket of `trace_id` and the value recorded there for it.
#[inline(always)]
fn bucket_and_tag(trace_id: TraceId) -> (usize, u64) {
    let id = u128::from_be_bytes(trace_id.to_bytes());
    // The high half picks the bucket, the low half is compared: with random ids a trace-id not
    // started here matches one that was with a chance of 2^-64.
    ((id >> 64) as usize % BUCKETS, id as u64)
}

/// Records that this process started the trace `trace_id`, with an id drawn at random.
#[inline(always)]
pub(crate) fn note_trace_started(trace_id: TraceId) {
    let (bucket, tag) = bucket_and_tag(trace_id);
    // Two roots landing in a bucket at once may take the same way: one record is lost, which
    // only omits a flag.
    let way = usize::from(NEXT[bucket].fetch_add(1, Ordering::Relaxed)) % WAYS;
    STARTED[bucket].0[way].store(tag, Ordering::Relaxed);
}

/// Whether `trace_id` is one this process started (and its record has not been replaced).
pub(super) fn started_here(trace_id: TraceId) -> bool {
    let (bucket, tag) = bucket_and_tag(trace_id);
    // An empty way holds 0; a trace-id whose low half is 0 is then never reported.
    tag != 0
        && STARTED[bucket]
            .0
            .iter()
            .any(|way| way.load(Ordering::Relaxed) == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trace-id in bucket `bucket` (of this test's own range of high halves) with low half
    /// `low`.
    fn id(bucket: u64, low: u64) -> TraceId {
        TraceId::from(((0x5eed_0000_u128 << 32 | u128::from(bucket)) << 64) | u128::from(low))
    }

    #[test]
    fn a_trace_is_found_until_eight_newer_ones_fill_its_bucket() {
        let bucket = 7;
        let first = id(bucket, 0x1111);
        assert!(!started_here(first));
        note_trace_started(first);
        assert!(started_here(first));
        // Same low half, another bucket: not the same trace.
        assert!(!started_here(id(bucket + 1, 0x1111)));
        for newer in 1..WAYS as u64 {
            note_trace_started(id(bucket, 0x2000 + newer));
            assert!(
                started_here(first),
                "after {newer} newer traces in its bucket"
            );
        }
        note_trace_started(id(bucket, 0x3000));
        assert!(!started_here(first), "the eighth newer trace took its way");
        assert!(started_here(id(bucket, 0x3000)));
        // A low half of 0 would match an empty way: never reported.
        let zero_low = id(bucket + 2, 0);
        note_trace_started(zero_low);
        assert!(!started_here(zero_low));
    }
}
