//! A batch span processor that counts every span it drops, and says why once, not per span.
//!
//! The SDK's `BatchSpanProcessor` keeps its drop count to itself; this one has the same
//! contract (a bounded queue, one worker thread that exports in batches of at most
//! `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` spans, at the latest `OTEL_BSP_SCHEDULE_DELAY` after the
//! previous export; `force_flush` and `shutdown_with_timeout` within a deadline) and adds:
//!
//! * [`ExportStats`]: exported, dropped because the queue was full, because the export failed,
//!   or at shutdown, and pending; readable at any time;
//! * one warning on stderr per failure cause (not per span or per batch), one notice when the
//!   exporter recovers after it, one when the queue first overflows, and one summary line at
//!   shutdown if anything was dropped;
//! * a deadline on each export (`OTEL_BSP_EXPORT_TIMEOUT`) for exporters whose future waits;
//! * a shutdown that gives up at its deadline even when the exporter hangs, counting what it
//!   could not send instead of blocking the process.
//!
//! `on_end` never blocks on the exporter: it takes a mutex held only for a push or a swap, and
//! drops (and counts) the span when the queue is full. The worker swaps the whole queue out at
//! once, so at most `OTEL_BSP_MAX_QUEUE_SIZE` spans wait in the queue, plus those of the export
//! under way (at most as many again).

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;

mod size;
mod stats;
#[cfg(test)]
mod tests;

pub use stats::{export_stats, ExportStats, StatsHandle};
pub(crate) use stats::{set_installed, sum, StatsSource};

use super::value_limit::ValueLengthLimit;
use crate::config::BatchSettings;
use crate::recover::{lock, panic_message};
use crate::warn::{self, WarnedCauses};

/// The queue's first allocation, whatever its bound (it grows as needed up to the bound).
const INITIAL_QUEUE_CAPACITY: usize = 1024;
/// How long `force_flush` and a `Drop` without shutdown wait beyond one export timeout.
const FLUSH_MARGIN: Duration = Duration::from_secs(2);

/// A span processor exporting in batches from a worker thread of its own, counting every span
/// it drops ([`ExportStats`]).
///
/// ```
/// use otel_runtime::config::BatchSettings;
/// use otel_runtime::{BatchProcessor, InMemoryExporter};
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let exporter = InMemoryExporter::default();
/// let processor = BatchProcessor::builder(exporter.clone())
///     .with_settings(BatchSettings::default())
///     .with_name("in-memory export")
///     .build()
///     .expect("the worker thread starts");
/// let stats = processor.stats_reader();
/// let provider = SdkTracerProvider::builder().with_span_processor(processor).build();
/// {
///     use opentelemetry::trace::{Tracer, TracerProvider};
///     provider.tracer("doc").in_span("work", |_| {});
/// }
/// provider.force_flush().expect("flushed");
/// assert_eq!(stats.stats().exported, 1);
/// assert_eq!(exporter.finished_spans().len(), 1);
/// provider.shutdown().expect("shut down");
/// ```
pub struct BatchProcessor {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
    flush_timeout: Duration,
}

impl fmt::Debug for BatchProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchProcessor")
            .field("name", &self.shared.name)
            .field("max_queue_size", &self.shared.max_queue_size)
            .field("max_export_batch_size", &self.shared.batch_size)
            .field("stats", &self.shared.current())
            .finish_non_exhaustive()
    }
}

/// Configures a [`BatchProcessor`]; see [`BatchProcessor::builder`].
#[derive(Debug)]
#[must_use = "call build() to start the processor"]
pub struct BatchProcessorBuilder<E> {
    exporter: E,
    settings: BatchSettings,
    name: String,
    value_limit: ValueLengthLimit,
    max_batch_bytes: Option<usize>,
}

impl<E: SpanExporter + 'static> BatchProcessorBuilder<E> {
    /// Queue size, batch size, schedule delay and export timeout (the `OTEL_BSP_*` settings;
    /// their defaults unless given).
    pub fn with_settings(mut self, settings: BatchSettings) -> Self {
        self.settings = settings;
        self
    }

    /// What the warnings on stderr call this export, e.g.
    /// `OTLP export (http/protobuf) to http://127.0.0.1:4318/v1/traces`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Cuts string attribute values (and an error status's description) to `characters`
    /// before export (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`), on the worker thread.
    pub fn with_value_length_limit(mut self, characters: Option<usize>) -> Self {
        self.value_limit = ValueLengthLimit(characters);
        self
    }

    /// Keeps each export under about this many bytes of span data (a collector refuses larger
    /// requests whole: gRPC's default limit is 4 MiB): a batch is split, and a span that alone
    /// is larger is dropped and counted as an export failure.
    pub fn with_max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = Some(bytes);
        self
    }

    /// Starts the worker thread.
    ///
    /// # Errors
    /// The error of spawning the thread.
    pub fn build(self) -> io::Result<BatchProcessor> {
        let settings = self.settings;
        let max_queue_size = settings.max_queue_size.max(1);
        let batch_size = settings.max_export_batch_size.clamp(1, max_queue_size);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: Vec::with_capacity(max_queue_size.min(INITIAL_QUEUE_CAPACITY)),
                in_flight: 0,
                flushes: Vec::new(),
                shutdown: None,
                resource: None,
                closed: false,
                abandoned: false,
            }),
            wake_worker: Condvar::new(),
            max_queue_size,
            batch_size,
            name: self.name,
            exported: AtomicU64::new(0),
            dropped_queue_full: AtomicU64::new(0),
            dropped_export_failed: AtomicU64::new(0),
            dropped_at_shutdown: AtomicU64::new(0),
            queue_full_warned: AtomicBool::new(false),
            oversize_warned: AtomicBool::new(false),
        });
        let worker = Worker {
            shared: shared.clone(),
            exporter: self.exporter,
            schedule_delay: settings.schedule_delay,
            export_timeout: settings.export_timeout,
            health: Health::default(),
            value_limit: self.value_limit,
            max_batch_bytes: self.max_batch_bytes,
        };
        let handle = thread::Builder::new()
            .name("otel-runtime-batch-export".to_owned())
            .spawn(move || worker.run())?;
        Ok(BatchProcessor {
            shared,
            worker: Mutex::new(Some(handle)),
            flush_timeout: settings.export_timeout + FLUSH_MARGIN,
        })
    }
}

impl BatchProcessor {
    /// A processor exporting to `exporter`, with the default [`BatchSettings`] until told
    /// otherwise.
    pub fn builder<E: SpanExporter + 'static>(exporter: E) -> BatchProcessorBuilder<E> {
        BatchProcessorBuilder {
            exporter,
            settings: BatchSettings::default(),
            name: "span export".to_owned(),
            value_limit: ValueLengthLimit::default(),
            max_batch_bytes: None,
        }
    }

    /// What became of the spans so far.
    pub fn stats(&self) -> ExportStats {
        self.shared.current()
    }

    /// A handle that reads [`stats`](Self::stats) after the processor has been handed to a
    /// tracer provider.
    pub fn stats_reader(&self) -> StatsHandle {
        StatsHandle::new(self.shared.clone())
    }

    fn join_worker(&self) {
        let handle = lock(&self.worker).take();
        if let Some(handle) = handle {
            // The worker replied before ending; a panic after that (in the exporter's own
            // shutdown) leaves nothing uncounted and nothing more to report.
            let _ = handle.join();
        }
    }

    /// Prints the one summary line, if anything was dropped.
    fn report_drops(&self) {
        let stats = self.shared.current();
        if stats.dropped() > 0 {
            warn::problem(format_args!(
                "{}: {} of {} spans dropped (queue full: {}, export failed: {}, at shutdown: {}); {} exported",
                self.shared.name,
                stats.dropped(),
                stats.total(),
                stats.dropped_queue_full,
                stats.dropped_export_failed,
                stats.dropped_at_shutdown,
                stats.exported,
            ));
        }
    }
}

/// What the processor's callers and its worker share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when the worker has something to do before its next scheduled export.
    wake_worker: Condvar,
    max_queue_size: usize,
    batch_size: usize,
    name: String,
    exported: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_export_failed: AtomicU64,
    dropped_at_shutdown: AtomicU64,
    queue_full_warned: AtomicBool,
    oversize_warned: AtomicBool,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

struct State {
    /// Spans waiting for the worker, at most `max_queue_size`.
    queue: Vec<SpanData>,
    /// Spans the worker took and has not accounted for yet.
    in_flight: usize,
    /// `force_flush` callers waiting for the spans queued before their call to be exported.
    flushes: Vec<SyncSender<OTelSdkResult>>,
    /// Shutdown requested: reply here, give up exporting at the deadline.
    shutdown: Option<(SyncSender<OTelSdkResult>, Instant)>,
    /// A resource for the exporter, set before the next export.
    resource: Option<Resource>,
    /// No more spans accepted (shutdown started).
    closed: bool,
    /// Shutdown stopped waiting for the worker and counted what it held: the worker's results
    /// no longer count.
    abandoned: bool,
}

/// How a batch taken by the worker ended.
#[derive(Clone, Copy)]
enum Outcome {
    Exported,
    ExportFailed,
    Shutdown,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it; if something did, the queue is still consistent.
        lock(&self.state)
    }

    fn counter(&self, outcome: Outcome) -> &AtomicU64 {
        match outcome {
            Outcome::Exported => &self.exported,
            Outcome::ExportFailed => &self.dropped_export_failed,
            Outcome::Shutdown => &self.dropped_at_shutdown,
        }
    }

    /// Accounts for `count` spans the worker held, unless shutdown already did.
    fn settle(&self, count: usize, outcome: Outcome) {
        if count == 0 {
            return;
        }
        let mut state = self.lock();
        if state.abandoned {
            return;
        }
        state.in_flight = state.in_flight.saturating_sub(count);
        self.counter(outcome)
            .fetch_add(count as u64, Ordering::Relaxed);
    }

    fn current(&self) -> ExportStats {
        let pending = {
            let state = self.lock();
            state.queue.len() + state.in_flight
        };
        ExportStats {
            exported: self.exported.load(Ordering::Relaxed),
            dropped_queue_full: self.dropped_queue_full.load(Ordering::Relaxed),
            dropped_export_failed: self.dropped_export_failed.load(Ordering::Relaxed),
            dropped_at_shutdown: self.dropped_at_shutdown.load(Ordering::Relaxed),
            pending: pending as u64,
        }
    }

    fn drop_queue_full(&self) {
        self.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
        if !self.queue_full_warned.swap(true, Ordering::Relaxed) {
            warn::problem(format_args!(
                "{}: the span queue is full ({} spans, OTEL_BSP_MAX_QUEUE_SIZE): spans are dropped \
                 and counted until the exporter catches up",
                self.name, self.max_queue_size
            ));
        }
    }
}

impl StatsSource for Shared {
    fn stats(&self) -> ExportStats {
        self.current()
    }
}

impl SpanProcessor for BatchProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let mut state = self.shared.lock();
        if state.closed {
            drop(state);
            self.shared
                .dropped_at_shutdown
                .fetch_add(1, Ordering::Relaxed);
            return;
        }
        if state.queue.len() >= self.shared.max_queue_size {
            drop(state);
            self.shared.drop_queue_full();
            return;
        }
        state.queue.push(span);
        let batch_ready = state.queue.len() == self.shared.batch_size;
        drop(state);
        if batch_ready {
            self.shared.wake_worker.notify_one();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        let (reply, answer) = sync_channel(1);
        {
            let mut state = self.shared.lock();
            if state.closed {
                return Err(OTelSdkError::AlreadyShutdown);
            }
            state.flushes.push(reply);
        }
        self.shared.wake_worker.notify_one();
        answer
            .recv_timeout(self.flush_timeout)
            .unwrap_or(Err(OTelSdkError::Timeout(self.flush_timeout)))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = Instant::now() + timeout;
        let (reply, answer) = sync_channel(1);
        {
            let mut state = self.shared.lock();
            if state.closed {
                return Err(OTelSdkError::AlreadyShutdown);
            }
            state.closed = true;
            state.shutdown = Some((reply, deadline));
        }
        self.shared.wake_worker.notify_one();
        let result = match answer.recv_timeout(timeout) {
            Ok(result) => {
                self.join_worker();
                result
            }
            Err(reason) => {
                // The worker is stuck in an export: count what it holds and what is still
                // queued, and leave it behind (it ends when its export returns).
                let mut state = self.shared.lock();
                state.abandoned = true;
                let left = state.queue.len() + state.in_flight;
                state.queue = Vec::new();
                state.in_flight = 0;
                drop(state);
                self.shared
                    .dropped_at_shutdown
                    .fetch_add(left as u64, Ordering::Relaxed);
                match reason {
                    RecvTimeoutError::Timeout => Err(OTelSdkError::Timeout(timeout)),
                    RecvTimeoutError::Disconnected => Err(OTelSdkError::InternalFailure(
                        "the export worker ended before shutting down".to_owned(),
                    )),
                }
            }
        };
        self.report_drops();
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.shared.lock().resource = Some(resource.clone());
        self.shared.wake_worker.notify_one();
    }
}

impl Drop for BatchProcessor {
    fn drop(&mut self) {
        // A tracer provider shuts its processors down first; this is for one never handed to
        // a provider, whose worker would otherwise wait forever.
        if !self.shared.lock().closed {
            let _ = self.shutdown_with_timeout(self.flush_timeout);
        }
    }
}

/// The worker thread: waits for a batch, a flush, a shutdown or the schedule, then exports.
struct Worker<E> {
    shared: Arc<Shared>,
    exporter: E,
    schedule_delay: Duration,
    export_timeout: Duration,
    health: Health,
    value_limit: ValueLengthLimit,
    max_batch_bytes: Option<usize>,
}

/// What the worker took from the shared state in one go.
struct Work {
    resource: Option<Resource>,
    export: bool,
    flushes: Vec<SyncSender<OTelSdkResult>>,
    shutdown: Option<(SyncSender<OTelSdkResult>, Instant)>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(mut self) {
        // The exporter's own HTTP or gRPC calls must not make spans of their own.
        let _suppressed = Context::enter_telemetry_suppressed_scope();
        let mut next_export = Instant::now() + self.schedule_delay;
        // Swapped with the queue: the two vectors keep their capacity and alternate.
        let mut taken: Vec<SpanData> = Vec::new();
        loop {
            let work = self.wait(next_export, &mut taken);
            if let Some(resource) = work.resource {
                self.exporter.set_resource(&resource);
            }
            if !work.export {
                continue;
            }
            let deadline = work.shutdown.as_ref().map(|(_, deadline)| *deadline);
            let mut result = self.export_all(&mut taken, deadline);
            if !work.flushes.is_empty() {
                // Exporters that hold spans back (the tree console) hand them over too.
                result = result.and(self.exporter.force_flush());
            }
            next_export = Instant::now() + self.schedule_delay;
            for flush in work.flushes {
                let _ = flush.send(copy_result(&result));
            }
            if let Some((reply, deadline)) = work.shutdown {
                let left = deadline.saturating_duration_since(Instant::now());
                let shutdown = self.exporter.shutdown_with_timeout(left);
                let _ = reply.send(result.and(shutdown));
                return;
            }
        }
    }

    /// Waits until there is something to do and takes it; `taken` receives the queued spans
    /// when an export is due.
    fn wait(&self, next_export: Instant, taken: &mut Vec<SpanData>) -> Work {
        let shared = &self.shared;
        let mut state = shared.lock();
        loop {
            let now = Instant::now();
            let export = state.shutdown.is_some()
                || !state.flushes.is_empty()
                || state.queue.len() >= shared.batch_size
                || now >= next_export;
            if export || state.resource.is_some() {
                if export {
                    std::mem::swap(&mut state.queue, taken);
                    state.in_flight += taken.len();
                }
                return Work {
                    resource: state.resource.take(),
                    export,
                    flushes: std::mem::take(&mut state.flushes),
                    shutdown: state.shutdown.take(),
                };
            }
            state = shared
                .wake_worker
                .wait_timeout(state, next_export - now)
                .map_or_else(|poisoned| poisoned.into_inner().0, |(state, _)| state);
        }
    }

    /// How many of `spans` (from the front) the next export takes: at most a batch, and, with
    /// a byte limit, only as many as fit in it.
    fn next_batch_len(&self, spans: &mut [SpanData]) -> usize {
        let most = spans.len().min(self.shared.batch_size);
        let Some(max_bytes) = self.max_batch_bytes else {
            for span in &mut spans[..most] {
                self.value_limit.apply(span);
            }
            return most;
        };
        let mut bytes = 0;
        for (index, span) in spans[..most].iter_mut().enumerate() {
            self.value_limit.apply(span);
            bytes += size::estimated_bytes(span);
            if bytes > max_bytes {
                return index;
            }
        }
        most
    }

    /// Counts a span too large for any export as failed, with one warning.
    fn drop_oversized(&mut self, span: SpanData) {
        self.shared.settle(1, Outcome::ExportFailed);
        if !self.shared.oversize_warned.swap(true, Ordering::Relaxed) {
            warn::problem(format_args!(
                "{}: a span of about {} bytes (\"{}\") is larger than one export may be; it is \
                 dropped (set OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT to cut long attribute values)",
                self.shared.name,
                size::estimated_bytes(&span),
                crate::warn::OneLine(&span.name),
            ));
        }
    }

    /// Exports `spans` in batches; during shutdown, stops at `deadline` or at the first failure
    /// and counts the rest as dropped at shutdown. Returns the first error.
    fn export_all(
        &mut self,
        spans: &mut Vec<SpanData>,
        shutdown_deadline: Option<Instant>,
    ) -> OTelSdkResult {
        let mut result = Ok(());
        while !spans.is_empty() {
            if let Some(deadline) = shutdown_deadline {
                if result.is_err() || Instant::now() >= deadline {
                    self.shared.settle(spans.len(), Outcome::Shutdown);
                    spans.clear();
                    break;
                }
            }
            let count = self.next_batch_len(spans);
            if count == 0 {
                // The first span alone is over the size limit: no collector would take it.
                self.drop_oversized(spans.remove(0));
                continue;
            }
            // A vector of its own for the exporter; `spans` keeps its capacity for the queue.
            let batch: Vec<SpanData> = spans.drain(..count).collect();
            let mut deadline = Instant::now() + self.export_timeout;
            if let Some(shutdown) = shutdown_deadline {
                deadline = deadline.min(shutdown);
            }
            // An exporter that panics fails this batch, not the worker.
            let exporter = &self.exporter;
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                block_on_until(exporter.export(batch), deadline)
            }))
            .unwrap_or_else(|payload| {
                Some(Err(OTelSdkError::InternalFailure(format!(
                    "the exporter panicked: {}",
                    panic_message(payload.as_ref())
                ))))
            })
            .unwrap_or(Err(OTelSdkError::Timeout(self.export_timeout)));
            self.health.record(&self.shared.name, &outcome, count);
            match outcome {
                Ok(()) => self.shared.settle(count, Outcome::Exported),
                Err(error) => {
                    self.shared.settle(count, Outcome::ExportFailed);
                    if result.is_ok() {
                        result = Err(error);
                    }
                }
            }
        }
        result
    }
}

/// Whether exports are failing, and which causes were already reported.
#[derive(Default)]
struct Health {
    failing: bool,
    /// A failure warning was printed since the last success: print a recovery notice.
    announced: bool,
    dropped_while_failing: u64,
    warned_causes: WarnedCauses,
}

impl Health {
    fn record(&mut self, name: &str, outcome: &OTelSdkResult, count: usize) {
        match outcome {
            Ok(()) => {
                if self.failing && self.announced {
                    warn::notice(format_args!(
                        "{name} recovered: spans are exported again ({} dropped while it failed)",
                        self.dropped_while_failing
                    ));
                }
                self.failing = false;
                self.announced = false;
                self.dropped_while_failing = 0;
            }
            Err(error) => {
                self.failing = true;
                self.dropped_while_failing += count as u64;
                let cause = error.to_string();
                if self.warned_causes.first_time(&cause) {
                    warn::problem(format_args!(
                        "{name} failed: {cause}; spans are counted as dropped until it recovers"
                    ));
                    self.announced = true;
                }
            }
        }
    }
}

/// `OTelSdkError` is not `Clone`; each waiting `force_flush` gets the same result.
fn copy_result(result: &OTelSdkResult) -> OTelSdkResult {
    match result {
        Ok(()) => Ok(()),
        Err(OTelSdkError::AlreadyShutdown) => Err(OTelSdkError::AlreadyShutdown),
        Err(OTelSdkError::Timeout(timeout)) => Err(OTelSdkError::Timeout(*timeout)),
        Err(OTelSdkError::InternalFailure(message)) => {
            Err(OTelSdkError::InternalFailure(message.clone()))
        }
    }
}

/// Unparks the thread that polls.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` on this thread until it completes (`Some`) or `deadline` passes (`None`, the
/// future dropped). A future that blocks inside `poll` (the blocking HTTP client) is bounded
/// only by its own timeout.
fn block_on_until<F: Future>(future: F, deadline: Instant) -> Option<F::Output> {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = std::task::Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return Some(output);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}
