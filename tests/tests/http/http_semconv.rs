//! The stable HTTP semantic conventions on real requests: every attribute, the span name and the
//! status of SERVER spans (a matched route, an unmatched path, a 500, a panic, an unknown
//! method, a name override) and CLIENT spans (2xx, 4xx, 5xx, a timeout, an unknown method).
//! Attribute names are spelled out as the specification writes them, so that a wrong constant
//! in the runtime shows up here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing::{self, describe};
use otel_runtime::{traced, TracedRequest};
use tokio::sync::Notify;

use crate::support::{attribute, attribute_keys, raw_request, HANG_LIMIT};

#[traced(kind = server)]
async fn item(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(format!("item {id}\n"))
}

#[traced(kind = server)]
async fn fail() -> HttpResponse {
    HttpResponse::InternalServerError().body("failed\n")
}

#[traced(kind = server)]
async fn refuse() -> HttpResponse {
    HttpResponse::Forbidden().body("no\n")
}

#[traced(kind = server)]
async fn explode() -> HttpResponse {
    panic!("handler exploded");
}

/// Answers once the test says so (bounded by [`HANG_LIMIT`]), after the client has given up.
#[traced(kind = server)]
async fn slow(release: web::Data<Arc<Notify>>) -> HttpResponse {
    let _ = tokio::time::timeout(HANG_LIMIT, release.notified()).await;
    HttpResponse::Ok().body("late\n")
}

#[traced(kind = server)]
async fn any_method() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[traced(kind = server, name = "custom name")]
async fn named() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[traced(kind = server)]
async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().body("nothing here\n")
}

struct TestServer {
    address: SocketAddr,
    handle: ServerHandle,
    release: Arc<Notify>,
}

impl TestServer {
    fn start() -> Self {
        let release = Arc::new(Notify::new());
        let data = web::Data::new(Arc::clone(&release));
        let (address, handle) = serve_on_loopback!(move || {
            App::new()
                .app_data(data.clone())
                .route("/items/{id}", web::get().to(item))
                .route("/fail", web::get().to(fail))
                .route("/refuse", web::get().to(refuse))
                .route("/panic", web::get().to(explode))
                .route("/slow", web::get().to(slow))
                .route("/any", web::route().to(any_method))
                .route("/named", web::get().to(named))
                .default_service(web::to(not_found))
        });
        Self {
            address,
            handle,
            release,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    async fn stop(&self) {
        self.release.notify_one();
        self.handle.stop(true).await;
    }
}

fn only(spans: &[SpanData], kind: SpanKind) -> SpanData {
    let matching: Vec<&SpanData> = spans.iter().filter(|span| span.span_kind == kind).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {kind:?} span; spans: {}",
        describe(spans)
    );
    matching[0].clone()
}

fn keys(names: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    keys.sort();
    keys
}

fn int(value: u16) -> Option<Value> {
    Some(i64::from(value).into())
}

fn text(value: &str) -> Option<Value> {
    Some(value.to_owned().into())
}

fn is_error(span: &SpanData) -> bool {
    matches!(span.status, Status::Error { .. })
}

/// The attributes every SERVER span of a request from [`raw_request`] carries.
fn check_connection_attributes(span: &SpanData, server: &TestServer) {
    assert_eq!(attribute(span, "url.scheme"), text("http"));
    assert_eq!(attribute(span, "server.address"), text("127.0.0.1"));
    assert_eq!(attribute(span, "server.port"), int(server.address.port()));
    assert_eq!(attribute(span, "network.peer.address"), text("127.0.0.1"));
    assert!(matches!(attribute(span, "network.peer.port"), Some(Value::I64(port)) if port > 0));
    assert_eq!(attribute(span, "network.protocol.version"), text("1.1"));
}

#[actix_rt::test]
async fn a_matched_route_records_every_server_attribute() {
    let capture = testing::capture_all();
    let server = TestServer::start();
    let response = raw_request(
        server.address,
        "GET",
        "/items/42?q=1&sig=secret",
        &[
            ("User-Agent", "probe/1.0"),
            ("X-Forwarded-For", "192.0.2.7"),
        ],
        b"",
    )
    .await;
    assert_eq!(response.status, Some(200));
    let spans = capture.spans();
    server.stop().await;

    let span = only(&spans, SpanKind::Server);
    assert_eq!(span.name, "GET /items/{id}");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(
        attribute_keys(&span),
        keys(&[
            "http.request.method",
            "url.path",
            "url.query",
            "url.scheme",
            "http.route",
            "server.address",
            "server.port",
            "client.address",
            "network.peer.address",
            "network.peer.port",
            "user_agent.original",
            "network.protocol.version",
            "http.response.status_code",
        ])
    );
    assert_eq!(attribute(&span, "http.request.method"), text("GET"));
    assert_eq!(attribute(&span, "url.path"), text("/items/42"));
    // Signed-URL values are redacted, keys kept.
    assert_eq!(attribute(&span, "url.query"), text("q=1&sig=REDACTED"));
    // The template, never the raw path with the id in it.
    assert_eq!(attribute(&span, "http.route"), text("/items/{id}"));
    // The client as forwarded; the peer is the connection's other end.
    assert_eq!(attribute(&span, "client.address"), text("192.0.2.7"));
    assert_eq!(attribute(&span, "user_agent.original"), text("probe/1.0"));
    assert_eq!(attribute(&span, "http.response.status_code"), int(200));
    check_connection_attributes(&span, &server);
}

#[actix_rt::test]
async fn server_spans_for_404_500_403_and_name_overrides() {
    let capture = testing::capture_all();
    let server = TestServer::start();

    // An unregistered path, served by a traced default service: no route, no error.
    let response = raw_request(server.address, "GET", "/no/such/path/7", &[], b"").await;
    assert_eq!(response.status, Some(404));
    let span = only(&capture.spans(), SpanKind::Server);
    assert_eq!(span.name, "GET");
    assert_eq!(attribute(&span, "http.route"), None);
    assert_eq!(attribute(&span, "url.path"), text("/no/such/path/7"));
    assert_eq!(attribute(&span, "http.response.status_code"), int(404));
    assert_eq!(attribute(&span, "error.type"), None);
    assert_eq!(
        span.status,
        Status::Unset,
        "a 4xx is not the server's error"
    );
    check_connection_attributes(&span, &server);

    // A 403 from a matched route: still not an error for the server.
    capture.reset();
    let response = raw_request(server.address, "GET", "/refuse", &[], b"").await;
    assert_eq!(response.status, Some(403));
    let span = only(&capture.spans(), SpanKind::Server);
    assert_eq!(span.name, "GET /refuse");
    assert_eq!(attribute(&span, "http.response.status_code"), int(403));
    assert_eq!(attribute(&span, "error.type"), None);
    assert_eq!(span.status, Status::Unset);

    // A 500: Error, with the status code as error.type.
    capture.reset();
    let response = raw_request(server.address, "GET", "/fail", &[], b"").await;
    assert_eq!(response.status, Some(500));
    let span = only(&capture.spans(), SpanKind::Server);
    assert_eq!(span.name, "GET /fail");
    assert_eq!(attribute(&span, "http.route"), text("/fail"));
    assert_eq!(attribute(&span, "http.response.status_code"), int(500));
    assert_eq!(attribute(&span, "error.type"), text("500"));
    assert!(is_error(&span), "{:?}", span.status);

    // `name = ...` replaces the span name; the route is still recorded.
    capture.reset();
    let response = raw_request(server.address, "GET", "/named", &[], b"").await;
    assert_eq!(response.status, Some(200));
    let span = only(&capture.spans(), SpanKind::Server);
    assert_eq!(span.name, "custom name");
    assert_eq!(attribute(&span, "http.route"), text("/named"));
    server.stop().await;
}

#[actix_rt::test]
async fn unknown_methods_are_other_with_the_original_kept() {
    let capture = testing::capture_all();
    let server = TestServer::start();
    for (method, recorded, original, name) in [
        ("PURGE", "_OTHER", Some("PURGE"), "HTTP /any"),
        ("get", "_OTHER", Some("get"), "HTTP /any"),
        ("QUERY", "QUERY", None, "QUERY /any"),
        ("DELETE", "DELETE", None, "DELETE /any"),
    ] {
        capture.reset();
        let response = raw_request(server.address, method, "/any", &[], b"").await;
        assert_eq!(response.status, Some(200), "{method}");
        let span = only(&capture.spans(), SpanKind::Server);
        assert_eq!(span.name, name, "{method}");
        assert_eq!(
            attribute(&span, "http.request.method"),
            text(recorded),
            "{method}"
        );
        assert_eq!(
            attribute(&span, "http.request.method_original"),
            original.and_then(text),
            "{method}"
        );
    }
    server.stop().await;
}

#[actix_rt::test]
async fn a_handler_panic_ends_the_server_span_with_an_error_and_an_exception() {
    let capture = testing::capture_all();
    let server = TestServer::start();
    let response = raw_request(server.address, "GET", "/panic", &[], b"").await;
    // actix-web does not catch the panic: the connection is dropped without an answer.
    assert_eq!(response.status, None, "{response:?}");
    // The span ends while the worker drops the handler's future, which may come just after
    // the connection closed: wait for it (bounded).
    let mut spans = capture.spans();
    let deadline = std::time::Instant::now() + HANG_LIMIT;
    while spans.is_empty() && std::time::Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(10)).await;
        spans = capture.spans();
    }
    // The server keeps serving.
    let after = raw_request(server.address, "GET", "/named", &[], b"").await;
    assert_eq!(after.status, Some(200));
    server.stop().await;

    let span = only(&spans, SpanKind::Server);
    assert_eq!(span.name, "GET /panic");
    assert_eq!(attribute(&span, "http.route"), text("/panic"));
    assert_eq!(attribute(&span, "http.request.method"), text("GET"));
    assert_eq!(attribute(&span, "http.response.status_code"), None);
    let Status::Error { description } = &span.status else {
        panic!("status {:?}", span.status);
    };
    assert!(description.contains("handler exploded"), "{description}");
    let events: Vec<_> = span.events.iter().collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].name, "exception");
    let event_attribute = |key: &str| {
        events[0]
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    };
    assert_eq!(
        event_attribute("exception.type").as_deref(),
        Some(otel_runtime::PANIC_EXCEPTION_TYPE)
    );
    assert!(event_attribute("exception.message")
        .is_some_and(|message| message.contains("handler exploded")));
}

/// A traced client call: the CLIENT span the glue fills in.
#[traced(kind = client)]
async fn call(
    client: &awc::Client,
    method: &str,
    url: &str,
) -> Result<u16, awc::error::SendRequestError> {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a valid method token");
    let response = client.request(method, url).send_traced().await?;
    Ok(response.status().as_u16())
}

fn check_client_target(span: &SpanData, server: &TestServer) {
    assert_eq!(attribute(span, "server.address"), text("127.0.0.1"));
    assert_eq!(attribute(span, "server.port"), int(server.address.port()));
}

#[actix_rt::test]
async fn client_spans_record_status_codes_and_failures() {
    let capture = testing::capture_all();
    let server = TestServer::start();
    let client = awc::Client::default();

    // 2xx: every attribute, no error.
    let url = server.url("/items/7?q=1&X-Amz-Signature=abc");
    assert_eq!(call(&client, "GET", &url).await.ok(), Some(200));
    let spans = capture.spans();
    let span = only(&spans, SpanKind::Client);
    assert_eq!(span.name, "GET");
    assert_eq!(
        attribute_keys(&span),
        keys(&[
            "http.request.method",
            "url.full",
            "server.address",
            "server.port",
            "http.response.status_code",
            "network.protocol.version",
        ])
    );
    assert_eq!(attribute(&span, "http.request.method"), text("GET"));
    assert_eq!(
        attribute(&span, "url.full"),
        text(&server.url("/items/7?q=1&X-Amz-Signature=REDACTED"))
    );
    check_client_target(&span, &server);
    assert_eq!(attribute(&span, "http.response.status_code"), int(200));
    assert_eq!(attribute(&span, "network.protocol.version"), text("1.1"));
    assert_eq!(span.status, Status::Unset);
    // The server span is the client span's child.
    let server_span = only(&spans, SpanKind::Server);
    assert_eq!(server_span.parent_span_id, span.span_context.span_id());

    // 4xx and 5xx: Error, with the status code as error.type.
    for (path, status) in [("/refuse", 403), ("/no/such/path", 404), ("/fail", 500)] {
        capture.reset();
        assert_eq!(
            call(&client, "GET", &server.url(path)).await.ok(),
            Some(status)
        );
        let span = only(&capture.spans(), SpanKind::Client);
        assert_eq!(attribute(&span, "http.response.status_code"), int(status));
        assert_eq!(attribute(&span, "error.type"), text(&status.to_string()));
        assert!(is_error(&span), "{path}: {:?}", span.status);
        check_client_target(&span, &server);
    }

    // An unknown method: `HTTP` as the span name, `_OTHER` and the original recorded.
    capture.reset();
    assert_eq!(
        call(&client, "PURGE", &server.url("/any")).await.ok(),
        Some(200)
    );
    let span = only(&capture.spans(), SpanKind::Client);
    assert_eq!(span.name, "HTTP");
    assert_eq!(attribute(&span, "http.request.method"), text("_OTHER"));
    assert_eq!(
        attribute(&span, "http.request.method_original"),
        text("PURGE")
    );
    server.stop().await;
}

#[actix_rt::test]
async fn a_client_timeout_is_an_error_with_error_type_timeout() {
    let capture = testing::capture_all();
    let server = TestServer::start();
    let client = awc::Client::builder()
        .timeout(Duration::from_millis(200))
        .finish();
    let error = call(&client, "GET", &server.url("/slow"))
        .await
        .expect_err("the handler answers only after the client gave up");
    assert!(
        matches!(error, awc::error::SendRequestError::Timeout),
        "{error:?}"
    );
    let spans = capture.spans();
    server.stop().await;

    let span = only(&spans, SpanKind::Client);
    assert_eq!(span.name, "GET");
    assert_eq!(attribute(&span, "error.type"), text("timeout"));
    assert_eq!(attribute(&span, "http.response.status_code"), None);
    assert_eq!(attribute(&span, "url.full"), text(&server.url("/slow")));
    check_client_target(&span, &server);
    assert!(is_error(&span), "{:?}", span.status);
}
