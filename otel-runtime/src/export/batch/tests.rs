//! The processor's contract: batches, flush, every span accounted for under load, failure,
//! hang and shutdown, and `on_end` never waiting for the exporter.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter, SpanLinks, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::BatchProcessor;
use crate::config::BatchSettings;

/// Far above anything below takes; only detects a hang.
const HANG: Duration = Duration::from_secs(20);

fn span(index: u64, sampled: bool) -> SpanData {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(u128::from(index) + 1),
            SpanId::from(index + 1),
            flags,
            false,
            TraceState::default(),
        ),
        parent_span_id: SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: format!("span {index}").into(),
        start_time: SystemTime::now(),
        end_time: SystemTime::now(),
        attributes: Vec::new(),
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: Default::default(),
    }
}

fn settings(queue: usize, batch: usize, delay_ms: u64, timeout_ms: u64) -> BatchSettings {
    BatchSettings {
        schedule_delay: Duration::from_millis(delay_ms),
        export_timeout: Duration::from_millis(timeout_ms),
        max_queue_size: queue,
        max_export_batch_size: batch,
    }
}

/// Records batch sizes; fails while `failing`, blocks while `blocked`.
#[derive(Clone, Debug, Default)]
struct Recorder {
    batches: Arc<Mutex<Vec<usize>>>,
    failing: Arc<AtomicBool>,
    blocked: Arc<AtomicBool>,
    resource: Arc<Mutex<Option<Resource>>>,
    shut_down: Arc<AtomicBool>,
}

impl Recorder {
    fn exported(&self) -> usize {
        self.batches.lock().map(|b| b.iter().sum()).unwrap_or(0)
    }

    fn batch_sizes(&self) -> Vec<usize> {
        self.batches.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl SpanExporter for Recorder {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let started = Instant::now();
        while self.blocked.load(Ordering::SeqCst) && started.elapsed() < HANG {
            std::thread::sleep(Duration::from_millis(1));
        }
        if self.failing.load(Ordering::SeqCst) {
            return Err(OTelSdkError::InternalFailure("connection refused".into()));
        }
        if let Ok(mut batches) = self.batches.lock() {
            batches.push(batch.len());
        }
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Ok(mut slot) = self.resource.lock() {
            *slot = Some(resource.clone());
        }
    }
}

fn processor(exporter: Recorder, settings: BatchSettings) -> BatchProcessor {
    BatchProcessor::builder(exporter)
        .with_settings(settings)
        .with_name("test export")
        .build()
        .expect("the worker starts")
}

fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < HANG, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn exports_full_batches_at_once_and_the_rest_on_schedule() {
    let exporter = Recorder::default();
    let processor = processor(exporter.clone(), settings(100, 10, 50, 1_000));
    for index in 0..25 {
        processor.on_end(span(index, true));
    }
    wait_until("all 25 spans", || exporter.exported() == 25);
    let sizes = exporter.batch_sizes();
    assert!(sizes.iter().all(|&size| size <= 10), "{sizes:?}");
    let stats = processor.stats();
    assert_eq!((stats.exported, stats.dropped(), stats.pending), (25, 0, 0));
    processor.shutdown().expect("shuts down");
    assert!(exporter.shut_down.load(Ordering::SeqCst));
}

#[test]
fn unsampled_spans_are_not_exported() {
    let exporter = Recorder::default();
    let processor = processor(exporter.clone(), settings(100, 10, 10_000, 1_000));
    processor.on_end(span(1, false));
    processor.on_end(span(2, true));
    processor.force_flush().expect("flushed");
    assert_eq!(exporter.exported(), 1);
    assert_eq!(processor.stats().total(), 1);
    processor.shutdown().expect("shuts down");
}

#[test]
fn force_flush_exports_what_ended_before_it() {
    let exporter = Recorder::default();
    let processor = processor(exporter.clone(), settings(1_000, 100, 60_000, 1_000));
    for index in 0..7 {
        processor.on_end(span(index, true));
    }
    processor.force_flush().expect("flushed");
    assert_eq!(exporter.exported(), 7);
    processor.shutdown().expect("shuts down");
    assert_eq!(
        processor.force_flush().unwrap_err().to_string(),
        OTelSdkError::AlreadyShutdown.to_string()
    );
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking_the_caller() {
    let exporter = Recorder::default();
    exporter.blocked.store(true, Ordering::SeqCst);
    let processor = processor(exporter.clone(), settings(10, 5, 1, 1_000));
    // The worker takes the first batch and blocks in the export; the queue then fills.
    processor.on_end(span(0, true));
    wait_until("the worker to take the first span", || {
        processor.stats().pending == 1 && processor.shared.lock().queue.is_empty()
    });
    let started = Instant::now();
    for index in 1..=100 {
        processor.on_end(span(index, true));
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < HANG / 4,
        "on_end waited for the exporter: {elapsed:?}"
    );
    let stats = processor.stats();
    assert_eq!(stats.dropped_queue_full, 90, "{stats}");
    assert_eq!(stats.pending, 11, "{stats}");
    exporter.blocked.store(false, Ordering::SeqCst);
    processor.shutdown().expect("shuts down");
    let stats = processor.stats();
    assert_eq!(
        (stats.exported, stats.dropped_queue_full, stats.total()),
        (11, 90, 101),
        "{stats}"
    );
}

#[test]
fn failed_exports_are_counted_and_recovery_exports_again() {
    let exporter = Recorder::default();
    exporter.failing.store(true, Ordering::SeqCst);
    let processor = processor(exporter.clone(), settings(100, 10, 10_000, 1_000));
    for index in 0..30 {
        processor.on_end(span(index, true));
    }
    assert!(processor.force_flush().is_err());
    assert_eq!(processor.stats().dropped_export_failed, 30);
    exporter.failing.store(false, Ordering::SeqCst);
    for index in 30..45 {
        processor.on_end(span(index, true));
    }
    processor.force_flush().expect("recovered");
    assert_eq!(exporter.exported(), 15);
    let stats = processor.stats();
    assert_eq!(
        (stats.exported, stats.dropped(), stats.total()),
        (15, 30, 45)
    );
    processor.shutdown().expect("shuts down");
}

#[test]
fn every_span_from_many_threads_is_exported_or_counted() {
    let exporter = Recorder::default();
    let processor = Arc::new(processor(exporter.clone(), settings(64, 16, 5, 1_000)));
    let produced = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let processor = processor.clone();
            let produced = produced.clone();
            std::thread::spawn(move || {
                for index in 0..5_000 {
                    processor.on_end(span(thread * 10_000 + index, true));
                    produced.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("producer");
    }
    processor.shutdown().expect("shuts down");
    let stats = processor.stats();
    assert_eq!(stats.total(), 20_000, "{stats}");
    assert_eq!(stats.pending, 0, "{stats}");
    assert_eq!(stats.exported, exporter.exported() as u64, "{stats}");
    assert_eq!(stats.dropped(), stats.dropped_queue_full, "{stats}");
}

#[test]
fn shutdown_gives_up_on_a_hung_exporter_at_its_deadline() {
    let exporter = Recorder::default();
    exporter.blocked.store(true, Ordering::SeqCst);
    let processor = processor(exporter.clone(), settings(100, 10, 1, 60_000));
    for index in 0..25 {
        processor.on_end(span(index, true));
    }
    let started = Instant::now();
    let result = processor.shutdown_with_timeout(Duration::from_millis(300));
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(OTelSdkError::Timeout(_))),
        "{result:?}"
    );
    assert!(elapsed < HANG / 4, "shutdown waited {elapsed:?}");
    let stats = processor.stats();
    assert_eq!(stats.exported + stats.dropped(), 25, "{stats}");
    assert_eq!(stats.pending, 0, "{stats}");
    // The export that finally returns changes nothing: shutdown counted its spans.
    exporter.blocked.store(false, Ordering::SeqCst);
    wait_until("the worker to end", || {
        exporter.shut_down.load(Ordering::SeqCst)
    });
    assert_eq!(processor.stats(), stats);
}

/// An exporter whose export never completes and never blocks.
#[derive(Debug)]
struct Pending;

impl SpanExporter for Pending {
    fn export(&self, _batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::pending()
    }
}

#[test]
fn an_export_that_never_completes_times_out() {
    let processor = BatchProcessor::builder(Pending)
        .with_settings(settings(100, 10, 60_000, 100))
        .build()
        .expect("starts");
    for index in 0..3 {
        processor.on_end(span(index, true));
    }
    let result = processor.force_flush();
    assert!(
        matches!(result, Err(OTelSdkError::Timeout(_))),
        "{result:?}"
    );
    assert_eq!(processor.stats().dropped_export_failed, 3);
    processor.shutdown().expect("shuts down");
}

#[test]
fn spans_after_shutdown_are_counted() {
    let exporter = Recorder::default();
    let processor = processor(exporter, settings(100, 10, 60_000, 1_000));
    processor.shutdown().expect("shuts down");
    processor.on_end(span(1, true));
    assert_eq!(processor.stats().dropped_at_shutdown, 1);
    assert!(processor.shutdown().is_err(), "twice");
}

#[test]
fn the_resource_reaches_the_exporter_before_any_export() {
    let exporter = Recorder::default();
    let mut processor = processor(exporter.clone(), settings(100, 10, 60_000, 1_000));
    processor.set_resource(&Resource::builder_empty().with_service_name("svc").build());
    processor.on_end(span(1, true));
    processor.force_flush().expect("flushed");
    let resource = exporter.resource.lock().map(|r| r.clone()).ok().flatten();
    assert!(resource.is_some(), "the exporter got the resource");
    processor.shutdown().expect("shuts down");
}

#[test]
fn a_processor_never_handed_to_a_provider_stops_its_worker_when_dropped() {
    let exporter = Recorder::default();
    let processor = processor(exporter.clone(), settings(100, 10, 60_000, 1_000));
    processor.on_end(span(1, true));
    drop(processor);
    assert_eq!(exporter.exported(), 1);
    assert!(exporter.shut_down.load(Ordering::SeqCst));
}

/// An exporter whose export panics while `panicking`.
#[derive(Debug, Default)]
struct Panicky {
    panicking: Arc<AtomicBool>,
    exported: Arc<AtomicUsize>,
}

impl SpanExporter for Panicky {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        assert!(!self.panicking.load(Ordering::SeqCst), "exporter bug");
        self.exported.fetch_add(batch.len(), Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn a_panicking_exporter_fails_its_batch_not_the_worker() {
    let exporter = Panicky::default();
    let (panicking, exported) = (exporter.panicking.clone(), exporter.exported.clone());
    panicking.store(true, Ordering::SeqCst);
    let processor = BatchProcessor::builder(exporter)
        .with_settings(settings(100, 10, 60_000, 1_000))
        .build()
        .expect("starts");
    processor.on_end(span(1, true));
    let error = processor.force_flush().expect_err("the batch failed");
    assert!(
        error
            .to_string()
            .contains("the exporter panicked: exporter bug"),
        "{error}"
    );
    panicking.store(false, Ordering::SeqCst);
    processor.on_end(span(2, true));
    processor.force_flush().expect("the worker still exports");
    assert_eq!(exported.load(Ordering::SeqCst), 1);
    let stats = processor.stats();
    assert_eq!((stats.exported, stats.dropped_export_failed), (1, 1));
    processor.shutdown().expect("shuts down");
}

/// A span carrying one string attribute of `bytes` bytes.
fn large_span(index: u64, bytes: usize) -> SpanData {
    let mut span = span(index, true);
    span.attributes
        .push(opentelemetry::KeyValue::new("payload", "x".repeat(bytes)));
    span
}

#[test]
fn exports_are_split_to_stay_under_the_byte_limit() {
    const MIB: usize = 1024 * 1024;
    let exporter = Recorder::default();
    let processor = BatchProcessor::builder(exporter.clone())
        .with_settings(settings(64, 64, 60_000, 5_000))
        .with_name("test export")
        .with_max_batch_bytes(3 * MIB)
        .build()
        .expect("the worker starts");
    for index in 0..10 {
        processor.on_end(large_span(index, MIB));
    }
    // One span alone over the limit: dropped and counted, the others still exported.
    processor.on_end(large_span(10, 4 * MIB));
    processor.force_flush().expect("flushed");
    let sizes = exporter.batch_sizes();
    assert!(
        sizes.iter().all(|size| *size <= 2),
        "at most two 1 MiB spans per 3 MiB export: {sizes:?}"
    );
    assert_eq!(exporter.exported(), 10);
    let stats = processor.stats();
    assert_eq!(stats.exported, 10);
    assert_eq!(stats.dropped_export_failed, 1);
    assert_eq!(stats.pending, 0);
}

#[test]
fn value_length_limit_cuts_before_export() {
    #[derive(Clone, Debug, Default)]
    struct Longest(Arc<AtomicUsize>);
    impl SpanExporter for Longest {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            for span in &batch {
                for kv in &span.attributes {
                    self.0
                        .fetch_max(kv.value.as_str().chars().count(), Ordering::SeqCst);
                }
            }
            Ok(())
        }
    }
    let longest = Longest::default();
    let processor = BatchProcessor::builder(longest.clone())
        .with_settings(settings(8, 8, 60_000, 5_000))
        .with_value_length_limit(Some(64))
        .build()
        .expect("the worker starts");
    processor.on_end(large_span(0, 5_000));
    processor.force_flush().expect("flushed");
    assert_eq!(longest.0.load(Ordering::SeqCst), 64);
}
