//! `otel_runtime::actix::TraceRequests`: a SERVER span for every request, including those no
//! traced handler answers (404, 405, payload errors), and exactly one SERVER span when a traced
//! handler runs behind it.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::{guard, web, App, HttpResponse};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::actix::TraceRequests;
use otel_runtime::traced;

use crate::support::{attribute, raw_request};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

fn traceparent() -> String {
    format!("00-{TRACE_ID}-{PARENT_ID}-01")
}

#[traced(kind = server, name = "traced items", attributes(id = i64::from(*path)))]
async fn traced_item(path: web::Path<u32>) -> HttpResponse {
    let id = path.into_inner();
    HttpResponse::Ok().body(format!("item {id}"))
}

async fn plain() -> HttpResponse {
    HttpResponse::Ok().body("plain")
}

async fn failing() -> HttpResponse {
    HttpResponse::ServiceUnavailable().finish()
}

async fn echo(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().body(body)
}

/// A server whose app is wrapped in the middleware, on an ephemeral loopback port.
fn start() -> (SocketAddr, ServerHandle) {
    serve_on_loopback!(|| {
        App::new()
            .wrap(TraceRequests::new())
            .app_data(web::PayloadConfig::new(16))
            .route("/items/{id}", web::get().to(traced_item))
            .route("/plain", web::get().to(plain))
            .route("/failing", web::get().to(failing))
            .route("/echo", web::post().to(echo))
            .service(
                web::resource("/guarded")
                    .guard(guard::Header("x-allowed", "yes"))
                    .to(plain),
            )
    })
}

fn server_spans(spans: &[SpanData]) -> Vec<&SpanData> {
    spans
        .iter()
        .filter(|span| span.span_kind == SpanKind::Server)
        .collect()
}

/// The only SERVER span, checked to continue the incoming trace.
fn only_server_span(spans: &[SpanData]) -> SpanData {
    let servers = server_spans(spans);
    assert_eq!(servers.len(), 1, "one SERVER span expected: {spans:#?}");
    let span = servers[0].clone();
    assert_eq!(span.span_context.trace_id().to_string(), TRACE_ID);
    assert_eq!(span.parent_span_id.to_string(), PARENT_ID);
    assert!(span.parent_span_is_remote);
    span
}

async fn request(address: SocketAddr, method: &str, target: &str, body: &[u8]) -> u16 {
    let traceparent = traceparent();
    raw_request(
        address,
        method,
        target,
        &[("traceparent", &traceparent)],
        body,
    )
    .await
    .status
    .expect("a response")
}

/// (method, target, body, expected status, expected name, expected route)
type Case = (
    &'static str,
    &'static str,
    &'static [u8],
    u16,
    &'static str,
    Option<&'static str>,
);

#[actix_rt::test]
async fn every_request_gets_one_server_span_with_its_status() {
    let capture = otel_runtime::testing::capture_all();
    let (address, handle) = start();
    let cases: [Case; 6] = [
        ("GET", "/plain", b"", 200, "GET /plain", Some("/plain")),
        ("GET", "/nowhere", b"", 404, "GET", None),
        // The resource matched, its method did not: actix's default answer, with the route.
        ("PUT", "/plain", b"", 404, "PUT /plain", Some("/plain")),
        (
            "GET",
            "/guarded",
            b"",
            404,
            "GET /guarded",
            Some("/guarded"),
        ),
        (
            "GET",
            "/failing",
            b"",
            503,
            "GET /failing",
            Some("/failing"),
        ),
        (
            "POST",
            "/echo",
            b"more than sixteen bytes of body",
            413,
            "POST /echo",
            Some("/echo"),
        ),
    ];
    for (method, target, body, status, name, route) in cases {
        capture.reset();
        assert_eq!(
            request(address, method, target, body).await,
            status,
            "{method} {target}"
        );
        let span = only_server_span(&capture.spans());
        assert_eq!(span.name, name, "{method} {target}");
        assert_eq!(
            attribute(&span, "http.response.status_code"),
            Some(Value::I64(i64::from(status))),
            "{method} {target}"
        );
        assert_eq!(
            attribute(&span, "http.request.method"),
            Some(Value::from(method.to_owned()))
        );
        assert_eq!(
            attribute(&span, "url.path"),
            Some(Value::from(target.to_owned()))
        );
        assert_eq!(
            attribute(&span, "http.route"),
            route.map(|r| Value::from(r.to_owned()))
        );
        if status >= 500 {
            assert_eq!(
                attribute(&span, "error.type"),
                Some(Value::from(status.to_string()))
            );
            assert!(matches!(span.status, Status::Error { .. }));
        } else {
            assert_eq!(attribute(&span, "error.type"), None, "{method} {target}");
            assert_eq!(span.status, Status::Unset, "{method} {target}");
        }
    }
    handle.stop(true).await;
}

#[actix_rt::test]
async fn a_traced_handler_adopts_the_middleware_span() {
    let capture = otel_runtime::testing::capture_all();
    let (address, handle) = start();
    assert_eq!(request(address, "GET", "/items/7", b"").await, 200);
    let spans = capture.spans();
    let span = only_server_span(&spans);
    assert_eq!(
        span.name, "traced items",
        "the handler's name wins: {spans:#?}"
    );
    assert_eq!(attribute(&span, "id"), Some(Value::I64(7)));
    assert_eq!(
        attribute(&span, "http.route"),
        Some(Value::from("/items/{id}"))
    );
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(spans.len(), 1, "nothing nested: {spans:#?}");
    handle.stop(true).await;
}
