//! The console summary of the HTTP metrics: one table for the requests served (route, method,
//! status) and one for the requests sent (server, method, status), each row with its count and
//! the 50th, 90th and 99th percentile of its duration, estimated from the histogram's buckets.
//!
//! ```text
//! HTTP server requests (http.server.request.duration)
//!   route  method  status  count      p50      p90      p99
//!   /      GET     200         3   3.8 ms   4.7 ms   4.9 ms
//! ```

use std::fmt::Write as _;

use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, SERVER_ADDRESS,
    SERVER_PORT,
};
use opentelemetry_semantic_conventions::metric::{
    HTTP_CLIENT_REQUEST_DURATION, HTTP_SERVER_REQUEST_DURATION,
};

use super::snapshot::{HistogramValue, MetricSnapshot, Point, PointValue};

/// The percentiles shown.
const PERCENTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// The tables for `metrics`, or `None` when no HTTP request was recorded.
pub(crate) fn summary(metrics: &[MetricSnapshot]) -> Option<String> {
    let mut text = String::new();
    for (name, title, first_column) in [
        (
            HTTP_SERVER_REQUEST_DURATION,
            "HTTP server requests",
            "route",
        ),
        (
            HTTP_CLIENT_REQUEST_DURATION,
            "HTTP client requests",
            "server",
        ),
    ] {
        let mut rows: Vec<[String; 7]> = metrics
            .iter()
            .filter(|metric| metric.name == name)
            .flat_map(|metric| &metric.points)
            .filter_map(|point| row(point, first_column))
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort();
        let header = [
            first_column,
            "method",
            "status",
            "count",
            "p50",
            "p90",
            "p99",
        ]
        .map(str::to_owned);
        let _ = writeln!(text, "{title} ({name})");
        table(&mut text, &header, &rows);
    }
    (!text.is_empty()).then_some(text)
}

/// A point's row: its target (route, or server address and port), method, status, count and
/// percentiles.
fn row(point: &Point, first_column: &str) -> Option<[String; 7]> {
    let PointValue::Histogram(histogram) = &point.value else {
        return None;
    };
    let text = |key: &str| {
        point
            .attribute(key)
            .map(|value| value.as_str().into_owned())
    };
    let target = if first_column == "route" {
        text(HTTP_ROUTE).unwrap_or_else(|| "(no route)".to_owned())
    } else {
        match (text(SERVER_ADDRESS), text(SERVER_PORT)) {
            (Some(address), Some(port)) => format!("{address}:{port}"),
            (Some(address), None) => address,
            _ => "(unknown)".to_owned(),
        }
    };
    let status = text(HTTP_RESPONSE_STATUS_CODE)
        .or_else(|| text(ERROR_TYPE))
        .unwrap_or_else(|| "-".to_owned());
    let [p50, p90, p99] = PERCENTILES
        .map(|quantile| percentile(histogram, quantile).map_or_else(|| "-".to_owned(), seconds));
    Some([
        target,
        text(HTTP_REQUEST_METHOD).unwrap_or_else(|| "-".to_owned()),
        status,
        histogram.count.to_string(),
        p50,
        p90,
        p99,
    ])
}

/// Writes `rows` under `header`, indented and separated by two spaces, text columns
/// left-aligned and numbers right-aligned.
fn table(text: &mut String, header: &[String; 7], rows: &[[String; 7]]) {
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(header).chain(rows) {
        let mut line = String::new();
        for (column, (cell, width)) in row.iter().zip(widths).enumerate() {
            if column < 3 {
                let _ = write!(line, "  {cell:<width$}");
            } else {
                let _ = write!(line, "  {cell:>width$}");
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
}

/// The `quantile` (0 to 1) of the values `histogram` counted, estimated by linear interpolation
/// inside the bucket it falls in (as Prometheus' `histogram_quantile`), kept within the
/// recorded minimum and maximum. `None` for an empty histogram.
pub(crate) fn percentile(histogram: &HistogramValue, quantile: f64) -> Option<f64> {
    if histogram.count == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^53
    let rank = quantile.clamp(0.0, 1.0) * histogram.count as f64;
    let mut below = 0u64;
    for (index, &count) in histogram.bucket_counts.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let (before, after) = (below as f64, (below + count) as f64);
        below += count;
        if count == 0 || after < rank {
            continue;
        }
        // The bucket's bounds, narrowed to the values recorded (the first bucket starts at 0,
        // the last has no upper bound).
        let lower = index
            .checked_sub(1)
            .and_then(|previous| histogram.bounds.get(previous))
            .copied()
            .unwrap_or(0.0);
        let upper = histogram
            .bounds
            .get(index)
            .copied()
            .unwrap_or(f64::INFINITY);
        let lower = histogram.min.map_or(lower, |min| lower.max(min));
        let upper = histogram.max.map_or(upper, |max| upper.min(max));
        if !upper.is_finite() {
            return Some(lower);
        }
        return Some(lower + (upper - lower) * ((rank - before) / (after - before)));
    }
    None
}

/// A duration in seconds, in the unit that reads best: `850 µs`, `4.2 ms`, `1.25 s`.
fn seconds(value: f64) -> String {
    if value < 0.001 {
        format!("{:.0} µs", value * 1e6)
    } else if value < 1.0 {
        format!("{:.1} ms", value * 1e3)
    } else {
        format!("{value:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;

    use super::*;
    use crate::export::metrics::snapshot::Point;

    /// The conventions' HTTP duration buckets.
    const DURATION_BUCKETS: [f64; 14] = [
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ];

    fn histogram(values: &[f64]) -> HistogramValue {
        let bounds = DURATION_BUCKETS.to_vec();
        let mut bucket_counts = vec![0; bounds.len() + 1];
        for value in values {
            let index = bounds
                .iter()
                .position(|bound| value <= bound)
                .unwrap_or(bounds.len());
            bucket_counts[index] += 1;
        }
        HistogramValue {
            count: values.len() as u64,
            sum: values.iter().sum(),
            min: values.iter().copied().reduce(f64::min),
            max: values.iter().copied().reduce(f64::max),
            bounds,
            bucket_counts,
        }
    }

    #[test]
    fn percentiles_interpolate_inside_the_bucket() {
        // 100 values: 0.001 s .. 0.100 s, uniform.
        let values: Vec<f64> = (1..=100).map(|i| f64::from(i) / 1000.0).collect();
        let histogram = histogram(&values);
        // The median falls in (0.05, 0.075]: 50th of 100, 50 counted up to 0.05 → its top.
        let p50 = percentile(&histogram, 0.5).expect("a value");
        assert!((p50 - 0.05).abs() < 1e-9, "{p50}");
        // 90th: in (0.075, 0.1], 75 below, 25 inside → 0.075 + 0.025 * 15/25.
        let p90 = percentile(&histogram, 0.9).expect("a value");
        assert!((p90 - 0.09).abs() < 1e-9, "{p90}");
        let p99 = percentile(&histogram, 0.99).expect("a value");
        assert!((p99 - 0.099).abs() < 1e-9, "{p99}");
    }

    #[test]
    fn percentiles_stay_within_the_recorded_values() {
        // Three values in one bucket: never estimated outside [min, max].
        let close = histogram(&[0.0031, 0.0032, 0.0048]);
        for quantile in [0.0, 0.5, 0.9, 0.99, 1.0] {
            let estimate = percentile(&close, quantile).expect("a value");
            assert!(
                (0.0031..=0.0048).contains(&estimate),
                "{quantile}: {estimate}"
            );
        }
        // Above the last bound: up to the maximum, not infinity.
        let slow = histogram(&[12.0, 30.0]);
        assert_eq!(percentile(&slow, 1.0), Some(30.0));
        assert_eq!(percentile(&HistogramValue::default(), 0.5), None);
    }

    #[test]
    fn the_summary_has_one_row_per_route_method_and_status() {
        let point = |route: Option<&'static str>, status: i64, values: &[f64]| {
            let mut attributes = vec![
                KeyValue::new(HTTP_REQUEST_METHOD, "GET"),
                KeyValue::new(HTTP_RESPONSE_STATUS_CODE, status),
            ];
            if let Some(route) = route {
                attributes.push(KeyValue::new(HTTP_ROUTE, route));
            }
            Point {
                attributes,
                value: PointValue::Histogram(histogram(values)),
            }
        };
        let server = MetricSnapshot {
            name: HTTP_SERVER_REQUEST_DURATION.to_owned(),
            unit: "s".to_owned(),
            points: vec![
                point(Some("/items/{id}"), 200, &[0.002, 0.004, 0.03]),
                point(Some("/"), 200, &[0.0004]),
                point(None, 404, &[0.0001, 0.0002]),
            ],
        };
        let client = MetricSnapshot {
            name: HTTP_CLIENT_REQUEST_DURATION.to_owned(),
            unit: "s".to_owned(),
            points: vec![Point {
                attributes: vec![
                    KeyValue::new(HTTP_REQUEST_METHOD, "GET"),
                    KeyValue::new(SERVER_ADDRESS, "127.0.0.1"),
                    KeyValue::new(SERVER_PORT, 8080_i64),
                    KeyValue::new(HTTP_RESPONSE_STATUS_CODE, 200_i64),
                ],
                value: PointValue::Histogram(histogram(&[1.5])),
            }],
        };
        let text = summary(&[server, client]).expect("a summary");
        assert_eq!(
            text,
            "\
HTTP server requests (http.server.request.duration)
  route        method  status  count     p50      p90      p99
  (no route)   GET     404         2  150 µs   190 µs   199 µs
  /            GET     200         1  400 µs   400 µs   400 µs
  /items/{id}  GET     200         3  4.2 ms  28.5 ms  29.8 ms
HTTP client requests (http.client.request.duration)
  server          method  status  count     p50     p90     p99
  127.0.0.1:8080  GET     200         1  1.50 s  1.50 s  1.50 s
"
        );
        assert_eq!(summary(&[]), None);
    }
}
