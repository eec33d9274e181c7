//! The demo's four-span trace, over real HTTP on loopback: client → server → parent → upstream.

use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing::{self, describe, is_child_of, is_root};

fn only<'a>(spans: &'a [SpanData], what: &str, pick: impl Fn(&SpanData) -> bool) -> &'a SpanData {
    let matching: Vec<&SpanData> = spans.iter().filter(|span| pick(span)).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {what}; spans: {}",
        describe(spans)
    );
    matching[0]
}

#[actix_rt::test]
async fn demo_produces_the_four_span_trace() {
    let capture = testing::capture();
    let (stub, stub_address, received) = demo_server::upstream::start().expect("stub starts");
    let stub_handle = stub.handle();
    actix_rt::spawn(stub);
    let upstream = format!("http://{stub_address}/wiki/Rabbit");
    let (server, address) = demo_server::start("127.0.0.1:0", upstream).expect("server starts");
    let server_handle = server.handle();
    actix_rt::spawn(server);

    let body = demo_client::fetch(&format!("http://{address}/"))
        .await
        .expect("the demo answers");
    server_handle.stop(true).await;
    stub_handle.stop(true).await;
    assert_eq!(body, "upstream answered 200\n");

    let spans = capture.spans();
    assert_eq!(spans.len(), 4, "spans: {}", describe(&spans));
    let client = only(&spans, "root CLIENT span", |span| {
        span.span_kind == SpanKind::Client && is_root(span)
    });
    let server = only(&spans, "SERVER span", |span| {
        span.span_kind == SpanKind::Server
    });
    let parent = only(&spans, "INTERNAL span", |span| {
        span.span_kind == SpanKind::Internal
    });
    let outbound = only(&spans, "outbound CLIENT span", |span| {
        span.span_kind == SpanKind::Client && !is_root(span)
    });

    assert_eq!(client.name, "GET");
    assert_eq!(server.name, "GET /");
    assert_eq!(parent.name, "parent");
    assert_eq!(outbound.name, "GET");

    let trace_id = client.span_context.trace_id();
    for span in &spans {
        assert_eq!(
            span.span_context.trace_id(),
            trace_id,
            "one trace id: {}",
            describe(&spans)
        );
    }
    assert!(is_child_of(server, client));
    assert!(
        server.parent_span_is_remote,
        "the server's parent came over HTTP"
    );
    assert!(is_child_of(parent, server));
    assert!(!parent.parent_span_is_remote);
    assert!(is_child_of(outbound, parent));
    assert!(!outbound.parent_span_is_remote);

    // Flags 03: sampled, and the trace-id is random (the client's root span started the trace).
    let expected = format!("00-{}-{}-03", trace_id, outbound.span_context.span_id());
    assert_eq!(
        received.list(),
        vec![Some(expected)],
        "the upstream saw span 4 as its parent"
    );
}
