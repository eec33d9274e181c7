//! Reading the metrics the runtime records (the HTTP metrics, the span export counts) in a test.

use std::fmt;

use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

use crate::export::metrics::memory::MemoryMetricExporter;
use crate::export::metrics::snapshot::{Point, PointValue};

/// A meter provider installed as the global one (what the HTTP glue records to), keeping what
/// it collects in memory. Made by [`capture_metrics`].
///
/// It is the process's meter provider while it lives: use it in a test binary whose other tests
/// do not install one (`init()`, `Builder::install`, `set_meter_provider`), and tell your own
/// requests apart by their attributes (a route of their own).
///
/// ```
/// use otel_runtime::testing::capture_metrics;
///
/// let metrics = capture_metrics();
/// // ... requests to a traced actix-web handler at `/items/{id}` ...
/// assert_eq!(
///     metrics.histogram_count("http.server.request.duration", &[("http.route", "/items/{id}")]),
///     0
/// );
/// ```
pub struct MetricsCapture {
    provider: SdkMeterProvider,
    exporter: MemoryMetricExporter,
}

impl fmt::Debug for MetricsCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsCapture").finish_non_exhaustive()
    }
}

/// Installs a [`MetricsCapture`] as the global meter provider.
pub fn capture_metrics() -> MetricsCapture {
    let exporter = MemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    crate::set_meter_provider(provider.clone());
    MetricsCapture { provider, exporter }
}

impl MetricsCapture {
    /// The points of the metric `name` whose attributes include every `(key, value)` of
    /// `attributes` (values compared as text), collected now.
    fn points(&self, name: &str, attributes: &[(&str, &str)]) -> Vec<Point> {
        // A collection the reader hands to the exporter; nothing to report if none was made.
        let _ = self.provider.force_flush();
        self.exporter
            .last()
            .into_iter()
            .filter(|metric| metric.name == name)
            .flat_map(|metric| metric.points)
            .filter(|point| {
                attributes.iter().all(|(key, value)| {
                    point
                        .attribute(key)
                        .is_some_and(|found| found.as_str() == *value)
                })
            })
            .collect()
    }

    /// How many measurements the histogram `name` counted under attributes that include
    /// `attributes` (0 if none).
    pub fn histogram_count(&self, name: &str, attributes: &[(&str, &str)]) -> u64 {
        self.points(name, attributes)
            .iter()
            .map(|point| match &point.value {
                PointValue::Histogram(histogram) => histogram.count,
                _ => 0,
            })
            .sum()
    }

    /// The sum of the counter or up-down counter `name` under attributes that include
    /// `attributes`, if it has such a point.
    pub fn sum(&self, name: &str, attributes: &[(&str, &str)]) -> Option<f64> {
        let points = self.points(name, attributes);
        let values: Vec<f64> = points
            .iter()
            .filter_map(|point| match point.value {
                PointValue::Sum(value) => Some(value),
                _ => None,
            })
            .collect();
        (!values.is_empty()).then(|| values.iter().sum())
    }

    /// The attributes of every point of the metric `name`, as `key=value` texts (sorted within
    /// each point), for assertions on what is recorded and what is not.
    pub fn attributes(&self, name: &str) -> Vec<Vec<String>> {
        self.points(name, &[])
            .iter()
            .map(|point| {
                let mut texts: Vec<String> = point
                    .attributes
                    .iter()
                    .map(|attribute| format!("{}={}", attribute.key, attribute.value.as_str()))
                    .collect();
                texts.sort();
                texts
            })
            .collect()
    }
}
