//! `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT` and
//! `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: when metrics are exported, how long one
//! export may take, and whether sums and histograms are sent cumulative or delta.

use std::time::Duration;

use opentelemetry_sdk::metrics::Temporality;

use super::env::Env;

const INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
const TIMEOUT: &str = "OTEL_METRIC_EXPORT_TIMEOUT";
const TEMPORALITY: &str = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";

/// How the periodic metric reader exports, resolved from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricExportSettings {
    /// `OTEL_METRIC_EXPORT_INTERVAL`: the time between two exports (60 s by default).
    pub interval: Duration,
    /// Whether `OTEL_METRIC_EXPORT_INTERVAL` was set: the console summary is then printed
    /// every interval, not only at shutdown.
    pub interval_set: bool,
    /// `OTEL_METRIC_EXPORT_TIMEOUT`: how long one export may take (30 s by default; an OTLP
    /// export also stops at `OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT`).
    pub timeout: Duration,
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: `cumulative` (the default),
    /// `delta` or `lowmemory` (delta for counters and histograms, cumulative for up-down
    /// counters).
    pub temporality: Temporality,
}

impl MetricExportSettings {
    /// The specified default interval.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(60_000);
    /// The specified default export timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(30_000);
    /// The values the temporality variable accepts, for messages.
    pub const TEMPORALITY_ACCEPTED: &'static str = "cumulative, delta, lowmemory";
}

impl Default for MetricExportSettings {
    fn default() -> Self {
        Self {
            interval: Self::DEFAULT_INTERVAL,
            interval_set: false,
            timeout: Self::DEFAULT_TIMEOUT,
            temporality: Temporality::Cumulative,
        }
    }
}

/// Reads the three variables.
pub(crate) fn metric_export(env: &mut Env<'_>) -> MetricExportSettings {
    let interval = env.millis(INTERVAL, MetricExportSettings::DEFAULT_INTERVAL);
    let interval_set = env
        .get(INTERVAL)
        .is_some_and(|value| value.trim().parse::<u64>().is_ok_and(|millis| millis > 0));
    MetricExportSettings {
        interval,
        interval_set,
        timeout: env.millis(TIMEOUT, MetricExportSettings::DEFAULT_TIMEOUT),
        temporality: temporality(env),
    }
}

fn temporality(env: &mut Env<'_>) -> Temporality {
    let Some(value) = env.get(TEMPORALITY) else {
        return Temporality::Cumulative;
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "cumulative" => Temporality::Cumulative,
        "delta" => Temporality::Delta,
        "lowmemory" => Temporality::LowMemory,
        _ => {
            env.invalid(
                TEMPORALITY,
                &value,
                MetricExportSettings::TEMPORALITY_ACCEPTED,
                "cumulative",
            );
            Temporality::Cumulative
        }
    }
}
