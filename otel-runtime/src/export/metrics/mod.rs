//! Metric exporters of our own and what they share: the console summary of the HTTP metrics,
//! an in-memory exporter for tests, and the span export counts as observable counters.

pub(crate) mod console;
pub(crate) mod memory;
pub(crate) mod snapshot;
pub(crate) mod span_stats;
pub(crate) mod summary;
