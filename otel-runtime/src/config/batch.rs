//! `OTEL_BSP_*`: how the batch span processor of the OTLP exporter batches.

use std::time::Duration;

use super::env::Env;
use super::Warning;

/// The batch span processor's settings (used for OTLP export).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchSettings {
    /// `OTEL_BSP_SCHEDULE_DELAY`: the longest a span waits before its batch is exported (5000 ms).
    pub schedule_delay: Duration,
    /// `OTEL_BSP_EXPORT_TIMEOUT`: how long one export may take (30000 ms); the OTLP exporter
    /// gives up after the smaller of this and `OTEL_EXPORTER_OTLP_TIMEOUT`.
    pub export_timeout: Duration,
    /// `OTEL_BSP_MAX_QUEUE_SIZE`: spans kept waiting at most, besides those of the export under
    /// way; a span that ends while it is full is dropped and counted (2048).
    pub max_queue_size: usize,
    /// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`: spans per export at most (512, at most the queue size).
    pub max_export_batch_size: usize,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            schedule_delay: Duration::from_millis(5_000),
            export_timeout: Duration::from_millis(30_000),
            max_queue_size: 2_048,
            max_export_batch_size: 512,
        }
    }
}

/// Reads the `OTEL_BSP_*` variables.
pub(crate) fn batch(env: &mut Env<'_>) -> BatchSettings {
    const BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
    let default = BatchSettings::default();
    let mut settings = BatchSettings {
        schedule_delay: env.millis("OTEL_BSP_SCHEDULE_DELAY", default.schedule_delay),
        export_timeout: env.millis("OTEL_BSP_EXPORT_TIMEOUT", default.export_timeout),
        max_queue_size: env.positive_count("OTEL_BSP_MAX_QUEUE_SIZE", default.max_queue_size),
        max_export_batch_size: env.positive_count(BATCH_SIZE, default.max_export_batch_size),
    };
    if settings.max_export_batch_size > settings.max_queue_size {
        // The default batch size under a smaller queue is clamped silently: nobody set it.
        let Some(value) = env.get(BATCH_SIZE) else {
            settings.max_export_batch_size = settings.max_queue_size;
            return settings;
        };
        env.warn(Warning::new(
            BATCH_SIZE,
            &value,
            "is larger than OTEL_BSP_MAX_QUEUE_SIZE",
            "a positive integer no larger than the queue size",
            &settings.max_queue_size.to_string(),
        ));
        settings.max_export_batch_size = settings.max_queue_size;
    }
    settings
}
