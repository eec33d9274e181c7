//! The HTTP attributes the demo's SERVER and CLIENT spans record on a real request.

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing;

use crate::support::attribute;

#[actix_rt::test]
async fn server_and_client_spans_carry_the_stable_http_attributes() {
    let capture = testing::capture();
    let (stub, stub_address, _) = demo_server::upstream::start().expect("stub starts");
    let stub_handle = stub.handle();
    actix_rt::spawn(stub);
    let upstream = format!("http://{stub_address}/wiki/Rabbit");
    let (server, address) =
        demo_server::start("127.0.0.1:0", upstream.clone()).expect("server starts");
    let server_handle = server.handle();
    actix_rt::spawn(server);
    demo_client::fetch(&format!("http://{address}/?q=1"))
        .await
        .expect("the demo answers");
    server_handle.stop(true).await;
    stub_handle.stop(true).await;

    let spans = capture.spans();
    let server = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Server)
        .expect("server span");
    let port = i64::from(address.port());
    assert_eq!(attribute(server, "http.request.method"), Some("GET".into()));
    assert_eq!(attribute(server, "url.path"), Some("/".into()));
    assert_eq!(attribute(server, "url.query"), Some("q=1".into()));
    assert_eq!(attribute(server, "url.scheme"), Some("http".into()));
    assert_eq!(attribute(server, "http.route"), Some("/".into()));
    assert_eq!(
        attribute(server, "server.address"),
        Some("127.0.0.1".into())
    );
    assert_eq!(attribute(server, "server.port"), Some(port.into()));
    assert_eq!(
        attribute(server, "client.address"),
        Some("127.0.0.1".into())
    );
    assert_eq!(
        attribute(server, "user_agent.original"),
        Some(demo_client::USER_AGENT.into())
    );
    assert_eq!(
        attribute(server, "network.protocol.version"),
        Some("1.1".into())
    );
    assert_eq!(
        attribute(server, "http.response.status_code"),
        Some(200_i64.into())
    );
    assert_eq!(server.status, Status::Unset);

    let outbound = spans
        .iter()
        .find(|span| {
            span.span_kind == SpanKind::Client
                && span.parent_span_id != opentelemetry::trace::SpanId::INVALID
        })
        .expect("outbound span");
    assert_eq!(
        attribute(outbound, "http.request.method"),
        Some("GET".into())
    );
    assert_eq!(attribute(outbound, "url.full"), Some(upstream.into()));
    assert_eq!(
        attribute(outbound, "server.address"),
        Some("127.0.0.1".into())
    );
    assert_eq!(
        attribute(outbound, "server.port"),
        Some(i64::from(stub_address.port()).into())
    );
    assert_eq!(
        attribute(outbound, "http.response.status_code"),
        Some(200_i64.into())
    );
    assert_eq!(outbound.status, Status::Unset);
}

#[actix_rt::test]
async fn a_refused_connection_is_an_error_on_the_client_span() {
    let capture = testing::capture();
    // Bind then drop a listener: its port is closed, so the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let error = demo_client::fetch(&url)
        .await
        .expect_err("nothing listens there");
    assert!(matches!(error, demo_client::FetchError::Send(_)));
    let span = capture.span("GET");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(attribute(&span, "error.type"), Some("connect_error".into()));
    assert!(matches!(span.status, Status::Error { .. }));
}

#[actix_rt::test]
async fn a_404_is_an_error_for_the_client_but_not_for_the_server() {
    let capture = testing::capture();
    let (server, address) =
        demo_server::start("127.0.0.1:0", "http://127.0.0.1:9/".into()).expect("server starts");
    let handle = server.handle();
    actix_rt::spawn(server);
    let error = demo_client::fetch(&format!("http://{address}/missing"))
        .await
        .expect_err("404");
    handle.stop(true).await;
    assert!(matches!(error, demo_client::FetchError::Status(404)));
    let spans = capture.spans();
    let of_kind = |kind: SpanKind| {
        let matching: Vec<&SpanData> = spans.iter().filter(|span| span.span_kind == kind).collect();
        assert_eq!(matching.len(), 1, "{kind:?}: {}", testing::describe(&spans));
        matching[0].clone()
    };
    let client = of_kind(SpanKind::Client);
    assert_eq!(client.name, "GET");
    assert_eq!(
        attribute(&client, "http.response.status_code"),
        Some(404_i64.into())
    );
    assert_eq!(attribute(&client, "error.type"), Some("404".into()));
    assert!(matches!(client.status, Status::Error { .. }));

    // The demo server's traced default service: no route, so the name is the method alone,
    // and a 404 is not the server's error.
    let server = of_kind(SpanKind::Server);
    assert_eq!(server.name, "GET");
    assert_eq!(server.parent_span_id, client.span_context.span_id());
    assert_eq!(attribute(&server, "http.route"), None);
    assert_eq!(attribute(&server, "url.path"), Some("/missing".into()));
    assert_eq!(
        attribute(&server, "http.response.status_code"),
        Some(404_i64.into())
    );
    assert_eq!(attribute(&server, "error.type"), None);
    assert_eq!(server.status, Status::Unset);
}
