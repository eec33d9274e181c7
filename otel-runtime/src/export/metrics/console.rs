//! The console metric exporter (`OTEL_METRICS_EXPORTER=console`): the HTTP summary tables
//! ([`super::summary`]) on standard output (or the writer given to
//! [`Builder::console_writer`](crate::Builder::console_writer)) at shutdown, and after every
//! export when `OTEL_METRIC_EXPORT_INTERVAL` is set.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;

use super::snapshot::{snapshot, MetricSnapshot};
use super::summary::summary;
use crate::recover::lock;

/// Prints the HTTP summary; keeps the last export for the one printed at shutdown.
pub(crate) struct ConsoleMetricExporter {
    every_export: bool,
    last: Mutex<Vec<MetricSnapshot>>,
    writer: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for ConsoleMetricExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleMetricExporter")
            .field("every_export", &self.every_export)
            .finish_non_exhaustive()
    }
}

impl ConsoleMetricExporter {
    /// Prints to standard output: after every export if `every_export`, else at shutdown only.
    pub(crate) fn stdout(every_export: bool) -> Self {
        Self::to_writer(every_export, Box::new(std::io::stdout()))
    }

    /// Prints to `writer`.
    pub(crate) fn to_writer(every_export: bool, writer: Box<dyn Write + Send>) -> Self {
        Self {
            every_export,
            last: Mutex::new(Vec::new()),
            writer: Mutex::new(writer),
        }
    }

    fn print(&self, metrics: &[MetricSnapshot]) {
        if let Some(text) = summary(metrics) {
            let mut writer = lock(&self.writer);
            // Nobody reading standard output is no reason to fail the export.
            let _ = writer.write_all(text.as_bytes());
            let _ = writer.flush();
        }
    }
}

impl PushMetricExporter for ConsoleMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let metrics = snapshot(metrics);
        if self.every_export {
            self.print(&metrics);
        }
        *lock(&self.last) = metrics;
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        // The reader exported one last time just before: print it unless it was printed.
        if !self.every_export {
            let last = std::mem::take(&mut *lock(&self.last));
            self.print(&last);
        }
        Ok(())
    }

    /// Totals since the start: what a summary shows.
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}
