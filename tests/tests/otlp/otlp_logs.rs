//! OTLP logs from the real demo binaries: `OTEL_LOGS_EXPORTER=otlp` sends demo-server's
//! "calling upstream" record (`tracing::info!` in `parent`) to the receiver, which decodes it
//! with the official protobuf definitions: the `parent` span's trace and span ids, INFO
//! severity, its field, and the resource of the spans. Over http/protobuf and gRPC.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::logs::v1::{LogRecord, SeverityNumber};

use crate::support::demos::{self, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::shared;

/// demo-server exports with `protocol` to `receiver` (traces and logs, `RUST_LOG` as given);
/// one request through it.
fn run_demo(receiver: &Receiver, protocol: &str, rust_log: &str) {
    let endpoint = receiver.endpoint();
    demos::run_demo_cleanly(
        &[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_LOGS_EXPORTER", "otlp"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BLRP_SCHEDULE_DELAY", "100"),
            ("RUST_LOG", rust_log),
        ],
        &[("OTEL_TRACES_EXPORTER", "none")],
    );
}

fn assert_calling_upstream_carries_the_parent_span(receiver: &Receiver) {
    let spans = receiver.wait_for_spans(3, HANG_LIMIT);
    let parent = spans
        .iter()
        .find(|span| span.span.name == "parent")
        .unwrap_or_else(|| panic!("the parent span: {spans:#?}"));
    let records = receiver.wait_for_log_records(
        |records| {
            records
                .iter()
                .any(|(record, _)| is_calling_upstream(record))
        },
        HANG_LIMIT,
    );
    let matching: Vec<_> = records
        .iter()
        .filter(|(record, _)| is_calling_upstream(record))
        .collect();
    assert_eq!(matching.len(), 1, "one record per request: {records:#?}");
    let (record, resource) = matching[0];
    assert_eq!(record.trace_id, parent.span.trace_id, "{record:#?}");
    assert_eq!(record.span_id, parent.span.span_id, "{record:#?}");
    assert_eq!(record.severity_number, SeverityNumber::Info as i32);
    assert_eq!(record.severity_text, "INFO");
    let url = record
        .attributes
        .iter()
        .find(|attribute| attribute.key == "url")
        .and_then(|attribute| attribute.value.as_ref())
        .and_then(|value| value.value.as_ref());
    assert!(
        matches!(url, Some(Value::StringValue(url)) if url.starts_with("http://127.0.0.1:")),
        "{record:#?}"
    );
    // The resource of the spans.
    let service = |resource: &[(String, String)]| {
        resource
            .iter()
            .find(|(key, _)| key == "service.name")
            .map(|(_, value)| value.clone())
    };
    assert_eq!(service(resource).as_deref(), Some("demo-server"));
    assert_eq!(service(&parent.resource), service(resource));
    assert!(resource.iter().any(|(key, _)| key == "process.pid"));
}

fn is_calling_upstream(record: &LogRecord) -> bool {
    matches!(
        record.body.as_ref().and_then(|body| body.value.as_ref()),
        Some(Value::StringValue(body)) if body == "calling upstream"
    )
}

#[test]
fn log_records_arrive_over_otlp_http_with_the_parent_span_ids() {
    let _shared = shared();
    let receiver = Receiver::http();
    run_demo(&receiver, "http/protobuf", "info");
    assert_calling_upstream_carries_the_parent_span(&receiver);
}

#[test]
fn log_records_arrive_over_otlp_grpc_with_the_parent_span_ids() {
    let _shared = shared();
    let receiver = Receiver::grpc();
    run_demo(&receiver, "grpc", "info");
    assert_calling_upstream_carries_the_parent_span(&receiver);
}

/// With every level on, the exporters' own clients (hyper, h2, tonic, tower on the exporters'
/// threads) log and open `tracing` spans while they export: none of it is exported in turn.
#[test]
fn what_the_exporters_do_is_never_exported() {
    let _shared = shared();
    let receiver = Receiver::grpc();
    run_demo(&receiver, "grpc", "trace");
    assert_calling_upstream_carries_the_parent_span(&receiver);
    let exporter_crates = ["hyper", "h2", "tonic", "tower", "opentelemetry"];
    let from_exporters = |name: &str| {
        exporter_crates
            .iter()
            .any(|krate| name == *krate || name.starts_with(&format!("{krate}::")))
    };
    let scopes = receiver.log_scopes();
    assert!(!scopes.is_empty());
    assert!(
        !scopes.iter().any(|scope| from_exporters(scope)),
        "log records of the exporters' clients: {scopes:?}"
    );
    let spans = receiver.spans();
    let names: Vec<&str> = spans.iter().map(|span| span.span.name.as_str()).collect();
    assert_eq!(
        names.len(),
        3,
        "the three spans of demo-server only: {names:?}"
    );
}
