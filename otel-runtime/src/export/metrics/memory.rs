//! A metric exporter that keeps what it is handed, for tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;

use super::snapshot::{snapshot, MetricSnapshot};
use crate::recover::lock;

/// Keeps the last export; clones share it.
#[derive(Clone, Debug, Default)]
pub(crate) struct MemoryMetricExporter {
    last: Arc<Mutex<Vec<MetricSnapshot>>>,
}

impl MemoryMetricExporter {
    /// What the last export carried.
    pub(crate) fn last(&self) -> Vec<MetricSnapshot> {
        lock(&self.last).clone()
    }
}

impl PushMetricExporter for MemoryMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        *lock(&self.last) = snapshot(metrics);
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}
