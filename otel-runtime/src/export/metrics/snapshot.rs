//! An owned copy of what a metric reader collected (the SDK lends its `ResourceMetrics` to the
//! exporter only for the export), reduced to what the console summary and tests read.

use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};

/// One instrument's points.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MetricSnapshot {
    /// The instrument name, e.g. `http.server.request.duration`.
    pub(crate) name: String,
    /// Its unit, e.g. `s`.
    pub(crate) unit: String,
    /// One point per attribute set.
    pub(crate) points: Vec<Point>,
}

/// One attribute set's value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Point {
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) value: PointValue,
}

impl Point {
    /// The value of attribute `key`, if the point has it.
    pub(crate) fn attribute(&self, key: &str) -> Option<&opentelemetry::Value> {
        self.attributes
            .iter()
            .find(|attribute| attribute.key.as_str() == key)
            .map(|attribute| &attribute.value)
    }
}

/// A point's value, as `f64` whatever the instrument's number type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PointValue {
    /// A counter's or up-down counter's sum.
    Sum(f64),
    /// A gauge's last value.
    Gauge(f64),
    /// An explicit-bucket histogram.
    Histogram(HistogramValue),
    /// An exponential histogram's count (its buckets are not kept).
    ExponentialHistogram(u64),
}

/// An explicit-bucket histogram point.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct HistogramValue {
    pub(crate) count: u64,
    pub(crate) sum: f64,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    /// The upper bounds of the buckets but the last (+∞).
    pub(crate) bounds: Vec<f64>,
    /// One count per bucket: `bounds.len() + 1` of them.
    pub(crate) bucket_counts: Vec<u64>,
}

/// Every instrument of every scope in `metrics`.
pub(crate) fn snapshot(metrics: &ResourceMetrics) -> Vec<MetricSnapshot> {
    metrics
        .scope_metrics()
        .flat_map(|scope| scope.metrics())
        .map(|metric| MetricSnapshot {
            name: metric.name().to_owned(),
            unit: metric.unit().to_owned(),
            points: match metric.data() {
                AggregatedMetrics::F64(data) => points(data, |value| value),
                // Counts far below 2^53: exact as f64.
                #[allow(clippy::cast_precision_loss)]
                AggregatedMetrics::U64(data) => points(data, |value| value as f64),
                #[allow(clippy::cast_precision_loss)]
                AggregatedMetrics::I64(data) => points(data, |value| value as f64),
            },
        })
        .collect()
}

fn points<T: Copy>(data: &MetricData<T>, float: impl Fn(T) -> f64) -> Vec<Point> {
    let attributes = |iter: &mut dyn Iterator<Item = &KeyValue>| iter.cloned().collect();
    match data {
        MetricData::Sum(sum) => sum
            .data_points()
            .map(|point| Point {
                attributes: attributes(&mut point.attributes()),
                value: PointValue::Sum(float(point.value())),
            })
            .collect(),
        MetricData::Gauge(gauge) => gauge
            .data_points()
            .map(|point| Point {
                attributes: attributes(&mut point.attributes()),
                value: PointValue::Gauge(float(point.value())),
            })
            .collect(),
        MetricData::Histogram(histogram) => histogram
            .data_points()
            .map(|point| Point {
                attributes: attributes(&mut point.attributes()),
                value: PointValue::Histogram(HistogramValue {
                    count: point.count(),
                    sum: float(point.sum()),
                    min: point.min().map(&float),
                    max: point.max().map(&float),
                    bounds: point.bounds().collect(),
                    bucket_counts: point.bucket_counts().collect(),
                }),
            })
            .collect(),
        MetricData::ExponentialHistogram(histogram) => histogram
            .data_points()
            .map(|point| Point {
                attributes: attributes(&mut point.attributes()),
                value: PointValue::ExponentialHistogram(point.count() as u64),
            })
            .collect(),
    }
}
