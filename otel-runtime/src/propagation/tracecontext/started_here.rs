//! The traces this process started, for the W3C random trace-id flag on inject: a fixed table
//! indexed by trace-id, written with one relaxed store per trace started and read by inject
//! (see [The random trace-id flag](super#the-random-trace-id-flag)).
//!
//! Why a table and not a note in the span's [`Context`](opentelemetry::Context): a note is a
//! `Context::with_value` per root (a map and two allocations, ~460 instructions), which cost
//! `#[traced]` roots a third more than the span itself; a store costs a few instructions.

use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::trace::TraceId;

/// Slots in the table: 512 KiB, the last trace started in each. A trace's record survives
/// about this many newer traces started here.
const SLOTS: usize = 1 << 16;

/// The low 64 bits of the last trace-id started in each slot (0: none yet); a slot is chosen
/// by the trace-id's high bits. Relaxed: a reader that misses a store only omits the flag.
static STARTED: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

/// The slot of `trace_id` and the value recorded there for it.
#[inline(always)]
fn slot_and_tag(trace_id: TraceId) -> (usize, u64) {
    let id = u128::from_be_bytes(trace_id.to_bytes());
    // The high half picks the slot, the low half is compared: with random ids a trace-id not
    // started here matches with a chance of 2^-64.
    ((id >> 64) as usize % SLOTS, id as u64)
}

/// Records that this process started the trace `trace_id`, with an id drawn at random.
#[inline(always)]
pub(crate) fn note_trace_started(trace_id: TraceId) {
    let (slot, tag) = slot_and_tag(trace_id);
    STARTED[slot].store(tag, Ordering::Relaxed);
}

/// Whether `trace_id` is one this process started (and its slot has not been taken since).
pub(super) fn started_here(trace_id: TraceId) -> bool {
    let (slot, tag) = slot_and_tag(trace_id);
    // An empty slot holds 0; a trace-id whose low half is 0 is then never reported.
    tag != 0 && STARTED[slot].load(Ordering::Relaxed) == tag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_trace_is_found_until_its_slot_is_taken() {
        let first = TraceId::from(0x0123_4567_89ab_cdef_1111_2222_3333_4444_u128);
        let same_slot = TraceId::from(0x0123_4567_89ab_cdef_5555_6666_7777_8888_u128);
        let other = TraceId::from(0x0123_4567_89ab_ce00_1111_2222_3333_4444_u128);
        assert!(!started_here(first));
        note_trace_started(first);
        assert!(started_here(first));
        // Same low half, another slot: not the same trace.
        assert!(!started_here(other));
        note_trace_started(same_slot);
        assert!(started_here(same_slot));
        assert!(!started_here(first), "the later trace took the slot");
        // A low half of 0 would match an empty slot: never reported.
        let zero_low = TraceId::from(0x4242_u128 << 64);
        note_trace_started(zero_low);
        assert!(!started_here(zero_low));
    }
}
