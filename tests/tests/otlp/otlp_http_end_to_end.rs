//! The real demo binaries export the four-span trace over OTLP http/protobuf to a receiver on
//! loopback, which decodes it with the official protobuf definitions.

use crate::support::demos::{self, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::shared;
use crate::support::{ReceivedSpan, FOUR_SPAN_TRACE};
use otel_runtime::testing::assert_shape;

#[test]
fn demo_trace_arrives_over_otlp_http() {
    let _shared = shared();
    let receiver = Receiver::http();
    let endpoint = receiver.endpoint();
    // The generic endpoint: the exporters append /v1/traces and /v1/metrics, the paths the
    // receiver serves.
    let common = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-test-run=otlp-http"),
    ];
    // The client compresses; the server does not.
    let mut client_env = common.to_vec();
    client_env.push(("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"));
    demos::run_demo_cleanly(&common, &client_env);

    let spans = receiver.wait_for_spans(4, HANG_LIMIT);
    assert_four_span_trace(&spans);

    let requests = receiver.requests();
    assert!(requests
        .iter()
        .all(|request| request.header("x-test-run") == Some("otlp-http")));
    assert!(requests
        .iter()
        .all(|request| request.header("content-type") == Some("application/x-protobuf")));
    let client_request = requests
        .iter()
        .find(|request| {
            request.body.resource_spans.iter().any(|spans| {
                spans.resource.as_ref().is_some_and(|resource| {
                    crate::support::attributes_as_text(&resource.attributes)
                        .contains(&("service.name".to_owned(), "demo-client".to_owned()))
                })
            })
        })
        .expect("a request from demo-client");
    assert!(client_request.gzip, "OTEL_EXPORTER_OTLP_COMPRESSION=gzip");
    assert!(requests.iter().any(|request| !request.gzip));
}

/// The four spans, one trace, each process's spans with its own resource.
pub fn assert_four_span_trace(spans: &[ReceivedSpan]) {
    let shapes: Vec<_> = spans.iter().map(ReceivedSpan::shape).collect();
    assert_shape(&shapes, FOUR_SPAN_TRACE);
    for span in spans {
        let expected_service = if span.span.parent_span_id.is_empty() {
            "demo-client"
        } else {
            "demo-server"
        };
        assert_eq!(
            span.resource("service.name"),
            Some(expected_service),
            "{}",
            span.span.name
        );
        assert_eq!(span.resource("telemetry.sdk.language"), Some("rust"));
        assert_eq!(span.resource("telemetry.sdk.name"), Some("opentelemetry"));
        assert!(span.resource("process.pid").is_some());
        assert!(span.resource("host.name").is_some());
    }
}
