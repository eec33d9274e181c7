//! `#[traced(kind = server)]` and extractor rejections: a request that one of the handler's
//! extractors rejects (bad JSON, a path or query that does not parse, a payload over the limit,
//! missing `web::Data`, a custom extractor's error) still gets that handler's SERVER span, with
//! the remote parent, `http.route` and the status of actix's usual error response, which the
//! client receives unchanged. Behind the `TraceRequests` middleware it is still one span.

use std::collections::HashMap;
use std::fmt;
use std::future::{ready, Ready};
use std::net::SocketAddr;

use actix_web::dev::{Payload, ServerHandle};
use actix_web::http::StatusCode;
use actix_web::{get, web, App, FromRequest, HttpRequest, HttpResponse, ResponseError};
use opentelemetry::trace::{SpanContext, SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::actix::TraceRequests;
use otel_runtime::traced;

use crate::support::{attribute, raw_request, RawResponse};

/// The largest body the payload extractors accept here.
const PAYLOAD_LIMIT: usize = 64;

#[traced(kind = server)]
async fn create(web::Json(item): web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Created().json(item)
}

#[traced(kind = server, attributes(id = *id))]
async fn item(id: web::Path<u32>, request: HttpRequest) -> String {
    format!("{} {id}", request.method())
}

#[traced(kind = server)]
async fn search(web::Query(query): web::Query<HashMap<String, u32>>) -> String {
    format!("{}", query.values().sum::<u32>())
}

#[traced(kind = server)]
async fn form(web::Form(fields): web::Form<HashMap<String, String>>) -> String {
    format!("{}", fields.len())
}

#[traced(kind = server)]
async fn upload(body: web::Bytes) -> String {
    format!("{}", body.len())
}

/// Application data no app registers.
struct NeverRegistered;

#[traced(kind = server)]
async fn needs_data(_data: web::Data<NeverRegistered>) -> &'static str {
    "never answered"
}

#[get("/routed/{id}")]
#[traced(kind = server)]
async fn routed(id: web::Path<u32>) -> String {
    id.to_string()
}

/// A custom extractor: the caller named by `x-caller`, rejected with 401 without one.
struct Caller(String);

#[derive(Debug)]
struct NoCaller;

impl fmt::Display for NoCaller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no x-caller header")
    }
}

impl ResponseError for NoCaller {
    fn status_code(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }
}

impl FromRequest for Caller {
    type Error = NoCaller;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = request
            .headers()
            .get("x-caller")
            .and_then(|value| value.to_str().ok());
        ready(
            caller
                .map(|caller| Caller(caller.to_owned()))
                .ok_or(NoCaller),
        )
    }
}

#[traced(kind = server)]
async fn whoami(Caller(caller): Caller) -> String {
    caller
}

/// The same extractors without `#[traced]`: what actix answers on its own.
mod untraced {
    use super::*;

    pub async fn create(web::Json(item): web::Json<serde_json::Value>) -> HttpResponse {
        HttpResponse::Created().json(item)
    }

    pub async fn item(id: web::Path<u32>) -> String {
        id.to_string()
    }

    pub async fn upload(body: web::Bytes) -> String {
        format!("{}", body.len())
    }

    pub async fn needs_data(_data: web::Data<NeverRegistered>) -> &'static str {
        "never answered"
    }

    pub async fn whoami(Caller(caller): Caller) -> String {
        caller
    }
}

/// A server with every handler (and, under `/untraced`, their untraced twins) on an ephemeral
/// loopback port, wrapped in the `TraceRequests` middleware if `with_middleware`.
fn start(with_middleware: bool) -> (SocketAddr, ServerHandle) {
    serve_on_loopback!(move || {
        let app = App::new()
            .app_data(web::PayloadConfig::new(PAYLOAD_LIMIT))
            .app_data(web::JsonConfig::default().limit(PAYLOAD_LIMIT))
            .route("/items", web::post().to(create))
            .route("/items/{id}", web::get().to(item))
            .route("/search", web::get().to(search))
            .route("/form", web::post().to(form))
            .route("/upload", web::post().to(upload))
            .route("/data", web::get().to(needs_data))
            .route("/whoami", web::get().to(whoami))
            .service(routed)
            .service(
                web::scope("/untraced")
                    .route("/items", web::post().to(untraced::create))
                    .route("/items/{id}", web::get().to(untraced::item))
                    .route("/upload", web::post().to(untraced::upload))
                    .route("/data", web::get().to(untraced::needs_data))
                    .route("/whoami", web::get().to(untraced::whoami)),
            );
        // The same app type either way: `Condition` wraps or passes through.
        app.wrap(actix_web::middleware::Condition::new(
            with_middleware,
            TraceRequests::new(),
        ))
    })
}

/// A span started under the test's capture, to send as the remote parent: the server spans of
/// its trace belong to the capture, whichever thread they start on.
#[traced(name = "test client")]
fn remote_parent() -> SpanContext {
    otel_runtime::current_span().span_context()
}

/// One request to check: what is sent and what the handler's span must say.
struct Case {
    method: &'static str,
    target: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    status: u16,
    route: &'static str,
}

impl Case {
    const fn new(
        method: &'static str,
        target: &'static str,
        status: u16,
        route: &'static str,
    ) -> Self {
        Self {
            method,
            target,
            headers: &[],
            body: b"",
            status,
            route,
        }
    }

    const fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    const fn body(mut self, body: &'static [u8]) -> Self {
        self.body = body;
        self
    }

    fn label(&self) -> String {
        format!("{} {}", self.method, self.target)
    }

    /// Sends the request with `traceparent` pointing at `parent`.
    async fn send(&self, address: SocketAddr, parent: &SpanContext) -> RawResponse {
        self.send_to(address, self.target, parent).await
    }

    async fn send_to(
        &self,
        address: SocketAddr,
        target: &str,
        parent: &SpanContext,
    ) -> RawResponse {
        let traceparent = format!("00-{}-{}-01", parent.trace_id(), parent.span_id());
        let mut headers = vec![("traceparent", traceparent.as_str())];
        headers.extend_from_slice(self.headers);
        raw_request(address, self.method, target, &headers, self.body).await
    }

    /// Checks the one SERVER span of `parent`'s trace among `spans`.
    fn check_span(&self, spans: &[SpanData], parent: &SpanContext) {
        let label = self.label();
        let servers: Vec<&SpanData> = spans
            .iter()
            .filter(|span| {
                span.span_kind == SpanKind::Server
                    && span.span_context.trace_id() == parent.trace_id()
            })
            .collect();
        assert_eq!(
            servers.len(),
            1,
            "{label}: one SERVER span expected: {spans:#?}"
        );
        let span = servers[0];
        assert_eq!(
            span.parent_span_id,
            parent.span_id(),
            "{label}: remote parent"
        );
        assert!(span.parent_span_is_remote, "{label}");
        assert_eq!(
            span.name,
            format!("{} {}", self.method, self.route),
            "{label}"
        );
        assert_eq!(
            attribute(span, "http.route"),
            Some(Value::from(self.route.to_owned())),
            "{label}"
        );
        assert_eq!(
            attribute(span, "http.response.status_code"),
            Some(Value::I64(i64::from(self.status))),
            "{label}"
        );
        if self.status >= 500 {
            assert_eq!(
                attribute(span, "error.type"),
                Some(Value::from(self.status.to_string())),
                "{label}"
            );
            assert!(
                matches!(span.status, Status::Error { .. }),
                "{label}: {:?}",
                span.status
            );
        } else {
            assert_eq!(attribute(span, "error.type"), None, "{label}");
            assert_eq!(span.status, Status::Unset, "{label}");
        }
    }
}

/// Every rejection the handlers' extractors make, and an accepted request of each handler.
fn cases() -> Vec<Case> {
    vec![
        // Rejections.
        Case::new("POST", "/items", 400, "/items")
            .headers(&[("content-type", "application/json")])
            .body(b"{not json"),
        Case::new("POST", "/items", 400, "/items").body(b"{}"),
        Case::new("GET", "/items/seven", 404, "/items/{id}"),
        Case::new("GET", "/search?n=many", 400, "/search"),
        Case::new("POST", "/form", 415, "/form")
            .headers(&[("content-type", "application/json")])
            .body(b"{}"),
        Case::new("POST", "/upload", 413, "/upload").body(&[b'x'; PAYLOAD_LIMIT + 1]),
        Case::new("GET", "/data", 500, "/data"),
        Case::new("GET", "/whoami", 401, "/whoami"),
        Case::new("GET", "/routed/seven", 404, "/routed/{id}"),
        // Accepted.
        Case::new("POST", "/items", 201, "/items")
            .headers(&[("content-type", "application/json")])
            .body(b"{\"a\":1}"),
        Case::new("GET", "/items/7", 200, "/items/{id}"),
        Case::new("GET", "/search?n=1&m=2", 200, "/search"),
        Case::new("POST", "/form", 200, "/form")
            .headers(&[("content-type", "application/x-www-form-urlencoded")])
            .body(b"a=1&b=2"),
        Case::new("POST", "/upload", 200, "/upload").body(b"small"),
        Case::new("GET", "/whoami", 200, "/whoami").headers(&[("x-caller", "ann")]),
        Case::new("GET", "/routed/7", 200, "/routed/{id}"),
    ]
}

async fn every_case_gets_the_handler_span(with_middleware: bool) {
    let capture = otel_runtime::testing::capture();
    let (address, handle) = start(with_middleware);
    for case in cases() {
        let parent = remote_parent();
        let response = case.send(address, &parent).await;
        assert_eq!(
            response.status,
            Some(case.status),
            "{}: {response:?}",
            case.label()
        );
        case.check_span(&capture.spans(), &parent);
    }
    handle.stop(true).await;
}

#[actix_rt::test]
async fn rejections_get_the_handler_span() {
    every_case_gets_the_handler_span(false).await;
}

#[actix_rt::test]
async fn behind_the_middleware_a_rejection_is_still_one_server_span() {
    every_case_gets_the_handler_span(true).await;
}

#[actix_rt::test]
async fn the_client_gets_actix_usual_error_response() {
    let capture = otel_runtime::testing::capture();
    let (address, handle) = start(false);
    let rejected = [
        Case::new("POST", "/items", 400, "/items")
            .headers(&[("content-type", "application/json")])
            .body(b"{not json"),
        Case::new("GET", "/items/seven", 404, "/items/{id}"),
        Case::new("POST", "/upload", 413, "/upload").body(&[b'x'; PAYLOAD_LIMIT + 1]),
        Case::new("GET", "/data", 500, "/data"),
        Case::new("GET", "/whoami", 401, "/whoami"),
    ];
    for case in rejected {
        let parent = remote_parent();
        let traced = case.send(address, &parent).await;
        let untraced = case
            .send_to(address, &format!("/untraced{}", case.target), &parent)
            .await;
        let label = case.label();
        assert_eq!(traced.status, Some(case.status), "{label}: {traced:?}");
        assert_eq!(traced.status, untraced.status, "{label}");
        assert_eq!(
            String::from_utf8_lossy(&traced.body),
            String::from_utf8_lossy(&untraced.body),
            "{label}: the same error body"
        );
        assert_eq!(content_type(&traced), content_type(&untraced), "{label}");
        assert!(
            !traced.body.is_empty() || case.status == 413,
            "{label}: an error body"
        );
    }
    drop(capture);
    handle.stop(true).await;
}

/// The `content-type` of a raw response, if any.
fn content_type(response: &RawResponse) -> Option<String> {
    response.head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-type")
            .then(|| value.trim().to_owned())
    })
}

#[actix_rt::test]
async fn attributes_naming_arguments_wait_for_extraction() {
    let capture = otel_runtime::testing::capture();
    let (address, handle) = start(false);
    let accepted = Case::new("GET", "/items/7", 200, "/items/{id}");
    let parent = remote_parent();
    assert_eq!(accepted.send(address, &parent).await.status, Some(200));
    let spans = capture.spans();
    let span = spans
        .iter()
        .find(|span| {
            span.span_context.trace_id() == parent.trace_id() && span.span_kind == SpanKind::Server
        })
        .expect("the accepted request's span");
    assert_eq!(attribute(span, "id"), Some(Value::I64(7)));

    let rejected = Case::new("GET", "/items/seven", 404, "/items/{id}");
    let parent = remote_parent();
    assert_eq!(rejected.send(address, &parent).await.status, Some(404));
    let spans = capture.spans();
    let span = spans
        .iter()
        .find(|span| {
            span.span_context.trace_id() == parent.trace_id() && span.span_kind == SpanKind::Server
        })
        .expect("the rejected request's span");
    assert_eq!(attribute(span, "id"), None, "no argument, no attribute");
    handle.stop(true).await;
}
