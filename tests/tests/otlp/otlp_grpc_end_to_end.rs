//! The real demo binaries export the four-span trace over OTLP/gRPC to a tonic receiver on
//! loopback, which decodes it with the official protobuf definitions.

use crate::support::demos::{self, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::shared;
use crate::support::{ReceivedSpan, FOUR_SPAN_TRACE};
use otel_runtime::testing::assert_shape;

#[test]
fn demo_trace_arrives_over_otlp_grpc() {
    let _shared = shared();
    let receiver = Receiver::grpc();
    let endpoint = receiver.endpoint();
    // The signal variables this time (used as they are), and gRPC metadata from the headers.
    let common = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-test-run=otlp-grpc"),
    ];
    let mut server_env = common.to_vec();
    server_env.push(("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"));
    demos::run_demo_cleanly(&server_env, &common);

    let spans = receiver.wait_for_spans(4, HANG_LIMIT);
    let shapes: Vec<_> = spans.iter().map(ReceivedSpan::shape).collect();
    assert_shape(&shapes, FOUR_SPAN_TRACE);
    for span in &spans {
        let expected_service = if span.span.parent_span_id.is_empty() {
            "demo-client"
        } else {
            "demo-server"
        };
        assert_eq!(span.resource("service.name"), Some(expected_service));
        assert_eq!(span.resource("telemetry.sdk.language"), Some("rust"));
    }

    let requests = receiver.requests();
    assert!(requests
        .iter()
        .all(|request| request.header("x-test-run") == Some("otlp-grpc")));
    // The server's request is gzip-compressed, the client's is not.
    assert!(requests.iter().any(|request| request.gzip));
    assert!(requests.iter().any(|request| !request.gzip));
}
