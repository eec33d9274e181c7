//! Where ended spans go: the console (line, tree, JSON), memory (tests) and OTLP, behind the
//! batch processor that counts every span it drops, or the simple one that exports on end; and
//! the metric exporters of our own (the console summary, the span export counts).

pub(crate) mod batch;
pub(crate) mod console;
pub(crate) mod memory;
pub(crate) mod metrics;
pub(crate) mod on_end;
pub(crate) mod otlp;
pub(crate) mod value_limit;
