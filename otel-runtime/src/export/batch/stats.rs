//! What became of the spans handed to the batch exporters: exported, or dropped and why.
//!
//! No span is lost silently: every span that ends (and is sampled) while tracing exports over
//! OTLP is, at any time, either exported, counted as dropped under one cause, or pending (queued
//! or in the export under way). [`TracingGuard::export_stats`](crate::TracingGuard::export_stats)
//! and [`export_stats`] read the counts; shutdown prints them on one line on stderr when
//! anything was dropped.

use std::fmt;
use std::ops::Add;
use std::sync::{Arc, Mutex};

use crate::recover::lock;

/// Counts of what the batch span processors did with the spans they were handed.
///
/// ```
/// use otel_runtime::ExportStats;
///
/// let stats = ExportStats { exported: 90, dropped_queue_full: 7, dropped_export_failed: 3, ..ExportStats::default() };
/// assert_eq!(stats.dropped(), 10);
/// assert_eq!(stats.total(), 100);
/// assert_eq!(
///     stats.to_string(),
///     "100 spans: 90 exported, 10 dropped (queue full: 7, export failed: 3, at shutdown: 0), 0 pending"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Spans the exporter accepted.
    pub exported: u64,
    /// Spans dropped when they ended because the queue was full (`OTEL_BSP_MAX_QUEUE_SIZE`): the
    /// exporter was not keeping up, or the collector was failing or slow.
    pub dropped_queue_full: u64,
    /// Spans of a batch the exporter failed to deliver (after its own retries) or that took
    /// longer than the export timeout.
    pub dropped_export_failed: u64,
    /// Spans still waiting when shutdown gave up (its deadline passed, or the collector was
    /// failing), or handed over after shutdown.
    pub dropped_at_shutdown: u64,
    /// Spans waiting in the queue or in the export under way.
    pub pending: u64,
}

impl ExportStats {
    /// All spans dropped, whatever the cause.
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full + self.dropped_export_failed + self.dropped_at_shutdown
    }

    /// All spans handed over: exported, dropped or pending.
    pub fn total(&self) -> u64 {
        self.exported + self.dropped() + self.pending
    }
}

impl Add for ExportStats {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            exported: self.exported + other.exported,
            dropped_queue_full: self.dropped_queue_full + other.dropped_queue_full,
            dropped_export_failed: self.dropped_export_failed + other.dropped_export_failed,
            dropped_at_shutdown: self.dropped_at_shutdown + other.dropped_at_shutdown,
            pending: self.pending + other.pending,
        }
    }
}

impl fmt::Display for ExportStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} spans: {} exported, {} dropped (queue full: {}, export failed: {}, at shutdown: {}), {} pending",
            self.total(),
            self.exported,
            self.dropped(),
            self.dropped_queue_full,
            self.dropped_export_failed,
            self.dropped_at_shutdown,
            self.pending
        )
    }
}

/// Something whose [`ExportStats`] a [`StatsHandle`] reads: a batch processor's counters.
pub(crate) trait StatsSource: fmt::Debug + Send + Sync {
    /// What became of the spans so far.
    fn stats(&self) -> ExportStats;
}

/// Reads the [`ExportStats`] of a [`BatchProcessor`](crate::BatchProcessor) from anywhere.
#[derive(Clone, Debug)]
pub struct StatsHandle(Arc<dyn StatsSource>);

impl StatsHandle {
    /// A handle reading `source`.
    pub(crate) fn new(source: Arc<dyn StatsSource>) -> Self {
        Self(source)
    }

    /// What became of the processor's spans so far.
    pub fn stats(&self) -> ExportStats {
        self.0.stats()
    }
}

/// The batch processors of the tracing installed last.
static INSTALLED: Mutex<Vec<StatsHandle>> = Mutex::new(Vec::new());

/// The export counts of the tracing installed last by [`crate::init`] or
/// [`crate::Builder::install`] (all zero when it exports nothing in batches, e.g. console only).
/// They stay readable after its guard has shut it down.
///
/// ```
/// let guard = otel_runtime::builder()
///     .default_exporter(otel_runtime::ExporterKind::None)
///     .install()
///     .expect("installed");
/// assert_eq!(otel_runtime::export_stats().dropped(), 0);
/// drop(guard);
/// ```
pub fn export_stats() -> ExportStats {
    let installed = lock(&INSTALLED);
    sum(&installed)
}

/// Makes `handles` the ones [`export_stats`] reads.
pub(crate) fn set_installed(handles: Vec<StatsHandle>) {
    *lock(&INSTALLED) = handles;
}

/// The counts of `handles`, added up.
pub(crate) fn sum(handles: &[StatsHandle]) -> ExportStats {
    handles
        .iter()
        .map(StatsHandle::stats)
        .fold(ExportStats::default(), Add::add)
}
