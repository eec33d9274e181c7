//! The HTTP metrics of the real demo binaries arrive over OTLP (http/protobuf and gRPC) at a
//! receiver on loopback, decoded with the official protobuf definitions: three requests to
//! demo-server make one `http.server.request.duration` point of count 3, the outbound calls and
//! demo-client's requests their `http.client.request.duration`, the active requests are back
//! to 0, and the span export counters are there.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Metric};

use crate::support::attributes_as_text;
use crate::support::demos::{command, run, Server, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::shared;

/// One data point as received: its service, its attributes as text, and its value.
#[derive(Debug)]
struct ReceivedPoint {
    service: String,
    unit: String,
    attributes: Vec<(String, String)>,
    value: PointValue,
}

#[derive(Debug, PartialEq)]
enum PointValue {
    /// A histogram's count, and whether it is cumulative.
    Histogram { count: u64, cumulative: bool },
    /// A sum's value.
    Sum(f64),
}

impl ReceivedPoint {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// Every point of the metric `name` in `requests`.
fn points(requests: &[ExportMetricsServiceRequest], name: &str) -> Vec<ReceivedPoint> {
    let mut points = Vec::new();
    for request in requests {
        for resource_metrics in &request.resource_metrics {
            let resource = resource_metrics
                .resource
                .as_ref()
                .map(|resource| attributes_as_text(&resource.attributes))
                .unwrap_or_default();
            let service = resource
                .iter()
                .find(|(key, _)| key == "service.name")
                .map(|(_, value)| value.clone())
                .unwrap_or_default();
            let metrics = resource_metrics
                .scope_metrics
                .iter()
                .flat_map(|scope| &scope.metrics)
                .filter(|metric| metric.name == name);
            for metric in metrics {
                points.extend(metric_points(metric, &service));
            }
        }
    }
    points
}

fn metric_points(metric: &Metric, service: &str) -> Vec<ReceivedPoint> {
    let point = |attributes, value| ReceivedPoint {
        service: service.to_owned(),
        unit: metric.unit.clone(),
        attributes: attributes_as_text(attributes),
        value,
    };
    match &metric.data {
        Some(Data::Histogram(histogram)) => {
            let cumulative =
                histogram.aggregation_temporality == AggregationTemporality::Cumulative as i32;
            histogram
                .data_points
                .iter()
                .map(|p| {
                    point(
                        &p.attributes,
                        PointValue::Histogram {
                            count: p.count,
                            cumulative,
                        },
                    )
                })
                .collect()
        }
        Some(Data::Sum(sum)) => sum
            .data_points
            .iter()
            .map(|p| {
                let value = match p.value {
                    Some(
                        opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsInt(
                            value,
                        ),
                    ) => value as f64,
                    Some(
                        opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsDouble(
                            value,
                        ),
                    ) => value,
                    None => f64::NAN,
                };
                point(&p.attributes, PointValue::Sum(value))
            })
            .collect(),
        other => panic!(
            "{} is neither a histogram nor a sum: {other:?}",
            metric.name
        ),
    }
}

/// Runs demo-server with `env`, sends it three requests with demo-client (same `env`),
/// interrupts it and returns what the receiver got once demo-server's last export arrived.
fn three_requests(receiver: &Receiver, env: &[(&str, &str)]) -> Vec<ExportMetricsServiceRequest> {
    let server = Server::start(env);
    for _ in 0..3 {
        let mut client = command("demo-client", env);
        client.args(["--url", &server.url]);
        let finished = run(client, HANG_LIMIT);
        assert!(
            finished.status.success(),
            "demo-client: {}",
            finished.stderr
        );
        assert!(
            !finished.stderr.contains("otel-runtime: warning"),
            "{}",
            finished.stderr
        );
    }
    let (status, stderr) = server.interrupt();
    assert!(status.success(), "demo-server exits cleanly: {status}");
    assert!(
        !stderr.iter().any(|line| line.contains("otel-runtime")),
        "{stderr:#?}"
    );
    receiver.wait_for_metrics(
        |requests| {
            points(requests, "http.server.request.duration")
                .iter()
                .any(|point| point.service == "demo-server")
        },
        HANG_LIMIT,
    )
}

fn assert_http_metrics(requests: &[ExportMetricsServiceRequest]) {
    // Served: one point for the three GET / answered 200, cumulative, in seconds.
    let served = points(requests, "http.server.request.duration");
    let root: Vec<&ReceivedPoint> = served
        .iter()
        .filter(|point| {
            point.service == "demo-server" && point.attribute("http.route") == Some("/")
        })
        .collect();
    let last = root
        .last()
        .unwrap_or_else(|| panic!("no point for / in {served:#?}"));
    assert_eq!(last.unit, "s");
    assert_eq!(
        last.value,
        PointValue::Histogram {
            count: 3,
            cumulative: true
        }
    );
    assert_eq!(last.attribute("http.request.method"), Some("GET"));
    assert_eq!(last.attribute("http.response.status_code"), Some("200"));
    assert_eq!(last.attribute("url.scheme"), Some("http"));
    assert_eq!(last.attribute("network.protocol.version"), Some("1.1"));
    assert_eq!(last.attribute("error.type"), None);
    assert!(
        served
            .iter()
            .all(|point| point.attribute("url.path").is_none()
                && point.attribute("url.query").is_none()),
        "never the raw path: {served:#?}"
    );

    // Sent: demo-server's outbound GET (three of them) and each demo-client's GET.
    let sent = points(requests, "http.client.request.duration");
    let outbound = sent
        .iter()
        .rfind(|point| point.service == "demo-server")
        .unwrap_or_else(|| panic!("no outbound call in {sent:#?}"));
    assert_eq!(outbound.unit, "s");
    assert_eq!(
        outbound.value,
        PointValue::Histogram {
            count: 3,
            cumulative: true
        }
    );
    assert_eq!(outbound.attribute("http.request.method"), Some("GET"));
    assert_eq!(outbound.attribute("http.response.status_code"), Some("200"));
    assert_eq!(outbound.attribute("server.address"), Some("127.0.0.1"));
    assert!(outbound.attribute("server.port").is_some());
    let from_clients: Vec<&ReceivedPoint> = sent
        .iter()
        .filter(|point| point.service == "demo-client")
        .collect();
    assert_eq!(from_clients.len(), 3, "one per demo-client run: {sent:#?}");
    for point in from_clients {
        assert_eq!(
            point.value,
            PointValue::Histogram {
                count: 1,
                cumulative: true
            }
        );
        assert_eq!(point.attribute("http.response.status_code"), Some("200"));
    }

    // Every request answered: none active any more.
    let active = points(requests, "http.server.active_requests");
    let active_root = active
        .iter()
        .rfind(|point| point.service == "demo-server")
        .unwrap_or_else(|| panic!("no active requests count in {active:#?}"));
    assert_eq!(active_root.unit, "{request}");
    assert_eq!(active_root.value, PointValue::Sum(0.0));
    assert_eq!(active_root.attribute("http.request.method"), Some("GET"));

    // The span export counts, dropped ones by cause.
    let processed = points(requests, "otel.sdk.processor.span.processed");
    let causes: Vec<Option<&str>> = processed
        .iter()
        .filter(|point| point.service == "demo-server")
        .map(|point| point.attribute("error.type"))
        .collect();
    for cause in [None, Some("queue_full"), Some("already_shutdown")] {
        assert!(causes.contains(&cause), "{cause:?} in {processed:#?}");
    }
    let exported = points(requests, "otel.sdk.exporter.span.exported");
    assert!(
        exported.iter().any(|point| point.service == "demo-server"
            && point.attribute("error.type") == Some("export_failed")
            && point.value == PointValue::Sum(0.0)),
        "{exported:#?}"
    );
    assert!(exported.iter().any(|point| point.service == "demo-server"
        && point.attribute("error.type").is_none()
        && matches!(point.value, PointValue::Sum(count) if count > 0.0)));
}

#[test]
fn http_metrics_arrive_over_otlp_http() {
    let _shared = shared();
    let receiver = Receiver::http();
    let endpoint = receiver.endpoint();
    let requests = three_requests(&receiver, &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    assert_http_metrics(&requests);
}

#[test]
fn http_metrics_arrive_over_otlp_grpc() {
    let _shared = shared();
    let receiver = Receiver::grpc();
    let endpoint = receiver.endpoint();
    let requests = three_requests(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ],
    );
    assert_http_metrics(&requests);
}
