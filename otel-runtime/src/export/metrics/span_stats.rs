//! [`ExportStats`](crate::ExportStats) as metrics, so that spans lost to a collector outage show
//! on a dashboard: observable counters read from the batch processors at each collection, named
//! as the conventions name the SDK's own metrics.
//!
//! | metric | attributes | value |
//! |---|---|---|
//! | `otel.sdk.exporter.span.exported` (counter) | | spans the exporter accepted |
//! | | `error.type=export_failed` | spans of failed (or timed-out) exports |
//! | `otel.sdk.processor.span.processed` (counter) | | spans handed to the exporter |
//! | | `error.type=queue_full` | spans dropped because the queue was full |
//! | | `error.type=already_shutdown` | spans dropped at (or after) shutdown |
//! | `otel.sdk.processor.span.queue.size` (up-down counter) | | spans queued or being exported |

use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_semantic_conventions::attribute::ERROR_TYPE;
use opentelemetry_semantic_conventions::metric::{
    OTEL_SDK_EXPORTER_SPAN_EXPORTED, OTEL_SDK_PROCESSOR_SPAN_PROCESSED,
    OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE,
};

use crate::export::batch::{sum, StatsHandle};
use crate::instrument::runtime_meter;

/// `error.type` of spans lost in a failed export.
pub(crate) const EXPORT_FAILED: &str = "export_failed";
/// `error.type` of spans dropped because the queue was full (the conventions' value).
pub(crate) const QUEUE_FULL: &str = "queue_full";
/// `error.type` of spans dropped at shutdown (the conventions' value).
pub(crate) const ALREADY_SHUTDOWN: &str = "already_shutdown";

/// Registers the counters of `stats` (the batch processors' handles) with `provider`; nothing
/// when there is no batch processor.
pub(crate) fn register(provider: &SdkMeterProvider, stats: &[StatsHandle]) {
    if stats.is_empty() {
        return;
    }
    let meter = runtime_meter(provider);
    let handles = stats.to_vec();
    meter
        .u64_observable_counter(OTEL_SDK_EXPORTER_SPAN_EXPORTED)
        .with_unit("{span}")
        .with_description("Spans the exporter accepted, or lost in a failed export (error.type).")
        .with_callback(move |observer| {
            let stats = sum(&handles);
            observer.observe(stats.exported, &[]);
            observer.observe(
                stats.dropped_export_failed,
                &[KeyValue::new(ERROR_TYPE, EXPORT_FAILED)],
            );
        })
        .build();
    let handles = stats.to_vec();
    meter
        .u64_observable_counter(OTEL_SDK_PROCESSOR_SPAN_PROCESSED)
        .with_unit("{span}")
        .with_description(
            "Spans the batch processors handed to the exporter, or dropped (error.type).",
        )
        .with_callback(move |observer| {
            let stats = sum(&handles);
            observer.observe(stats.exported + stats.dropped_export_failed, &[]);
            observer.observe(
                stats.dropped_queue_full,
                &[KeyValue::new(ERROR_TYPE, QUEUE_FULL)],
            );
            observer.observe(
                stats.dropped_at_shutdown,
                &[KeyValue::new(ERROR_TYPE, ALREADY_SHUTDOWN)],
            );
        })
        .build();
    let handles = stats.to_vec();
    meter
        .i64_observable_up_down_counter(OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE)
        .with_unit("{span}")
        .with_description("Spans queued or being exported.")
        .with_callback(move |observer| {
            let pending = i64::try_from(sum(&handles).pending).unwrap_or(i64::MAX);
            observer.observe(pending, &[]);
        })
        .build();
}
