//! `POST /verify-tracecontext`, the test service of the public W3C trace-context test suite;
//! served only when demo-server runs with `--conformance`, since it sends requests wherever
//! its callers say.
//!
//! The body is a JSON array of `{"url": ..., "arguments": ...}` objects. For each one, in order
//! and before answering, the handler POSTs the JSON of `arguments` to `url` from a CLIENT span of
//! its own, child of the SERVER span, which continues the context of the incoming request. The
//! test harness then checks the `traceparent` and `tracestate` those calls carried.
//!
//! The handler answers 200 with one result per call: `{"url", "status"}`, or `{"url", "error"}`
//! with a generic word (the transport error would tell the caller about hosts it cannot see
//! otherwise; the CLIENT span records it). A callback that fails does not fail the request,
//! since the harness judges the headers it received, not our answer.
//!
//! What keeps the endpoint from being a tool against its own network, each refused with a
//! one-line message before any call:
//! - 403 for a request with an `Origin` header (a web page) or the [`CALLBACK_HEADER`] (a call
//!   made by such an endpoint: calls do not nest), and for a `url` that is not a loopback
//!   address or a `--conformance-allow` target, or is this server;
//! - 415 unless the content type is `application/json`;
//! - 413 for a body over [`MAX_BODY_BYTES`], 408 for one that takes over [`BODY_TIMEOUT`];
//! - 400 for anything that is not such an array of at most [`MAX_CALLS`] elements, each `url`
//!   an absolute `http(s)` URL (a missing or `null` `arguments` is sent as `[]`, as the harness
//!   itself does);
//! - 405 for a method other than POST.
//!
//! The calls share one deadline ([`REQUEST_DEADLINE`]) and go through a client of their own
//! with at most [`CALLBACK_CONNECTIONS`] connections per worker, which follows no redirect:
//! callbacks that hang wait for each other, not for the connections `GET /` uses.

mod request;
mod targets;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpRequest, HttpResponse};
use otel_runtime::{traced, TracedSendBody};
use serde_json::json;

use crate::http_url::check_http_url;
pub use request::{parse, Call, Refusal, BODY_TIMEOUT, CALLBACK_HEADER, MAX_BODY_BYTES, MAX_CALLS};
pub use targets::AllowedTarget;

/// The endpoint's path.
pub const PATH: &str = "/verify-tracecontext";
/// How long one callback may take, connection included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long all the callbacks of one request may take together, from its arrival; a call not
/// made by then is reported as such.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// The connections the callbacks of one worker may hold at once; more calls wait for one.
pub const CALLBACK_CONNECTIONS: usize = 4;

/// The conformance endpoint's settings (`--conformance`, `--conformance-allow`); give them to
/// [`crate::start_with`] to serve it.
#[derive(Clone, Debug, Default)]
pub struct Conformance {
    allowed: Vec<AllowedTarget>,
}

impl Conformance {
    /// Callbacks may go to loopback addresses and to `allowed`.
    pub fn new(allowed: Vec<AllowedTarget>) -> Self {
        Self { allowed }
    }

    /// The targets added to the loopback addresses.
    pub fn allowed(&self) -> &[AllowedTarget] {
        &self.allowed
    }

    /// Where callbacks may go, for the startup line: `loopback`, or `loopback and HOST:PORT, ...`.
    pub fn targets(&self) -> String {
        let mut targets = "loopback".to_owned();
        for (index, target) in self.allowed.iter().enumerate() {
            targets.push_str(if index == 0 { " and " } else { ", " });
            targets.push_str(&target.to_string());
        }
        targets
    }

    /// The warning to print when the server listens on `address`, if that is not loopback:
    /// then anyone who can reach the server can use the endpoint.
    ///
    /// ```
    /// use demo_server::conformance::Conformance;
    ///
    /// let conformance = Conformance::default();
    /// assert_eq!(conformance.exposure_warning("127.0.0.1:8082".parse().unwrap()), None);
    /// assert!(conformance.exposure_warning("0.0.0.0:8082".parse().unwrap()).is_some());
    /// ```
    pub fn exposure_warning(&self, address: SocketAddr) -> Option<String> {
        (!address.ip().is_loopback()).then(|| {
            format!(
                "warning: --conformance on {address}, which is not a loopback address: whoever \
                 reaches it can make this server send requests to {}",
                self.targets()
            )
        })
    }

    /// Adds the endpoint to an app (once per worker, from `App::configure`).
    pub fn configure(&self, config: &mut web::ServiceConfig) {
        config.service(
            web::resource(PATH)
                .app_data(web::Data::new(self.clone()))
                .app_data(web::Data::new(CallbackClient::new()))
                .route(web::post().to(verify_tracecontext))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

/// The client the callbacks use: its own, so that their connections are not `GET /`'s.
struct CallbackClient(awc::Client);

impl CallbackClient {
    fn new() -> Self {
        let connector = awc::Connector::new().limit(CALLBACK_CONNECTIONS);
        let client = awc::Client::builder()
            .connector(connector)
            // A redirect would take the call to a target nobody checked.
            .disable_redirects()
            .timeout(CALL_TIMEOUT)
            .finish();
        Self(client)
    }
}

/// `POST /verify-tracecontext`: makes the calls the body lists, in order, then answers.
#[traced(kind = server)]
async fn verify_tracecontext(
    request: HttpRequest,
    payload: web::Payload,
    conformance: web::Data<Conformance>,
    client: web::Data<CallbackClient>,
) -> HttpResponse {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let calls = match accept(&request, payload, &conformance).await {
        Ok(calls) => calls,
        Err(refusal) => return refusal.response(),
    };
    let mut results = Vec::with_capacity(calls.len());
    for call in &calls {
        let left = deadline.saturating_duration_since(Instant::now());
        let result = if left.is_zero() {
            json!({ "url": call.url, "error": "not made: the request's deadline passed" })
        } else {
            match post_arguments(&client.0, call, left.min(CALL_TIMEOUT)).await {
                Ok(status) => json!({ "url": call.url, "status": status }),
                Err(_) => json!({ "url": call.url, "error": "no answer" }),
            }
        };
        results.push(result);
    }
    HttpResponse::Ok().json(results)
}

/// The calls of an acceptable request; the refusal of any other.
async fn accept(
    request: &HttpRequest,
    payload: web::Payload,
    conformance: &Conformance,
) -> Result<Vec<Call>, Refusal> {
    request::check_headers(request)?;
    let body = request::read_body(request, payload).await?;
    let calls = parse(&body)?;
    let local = request.app_config().local_addr();
    for (index, call) in calls.iter().enumerate() {
        check_http_url(&call.url)
            .and_then(|uri| targets::check(&uri, &conformance.allowed, local))
            .map_err(|problem| {
                Refusal::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    format!(r#"element {index}: "url" {:?}: {problem}"#, call.url),
                )
            })?;
    }
    Ok(calls)
}

/// The CLIENT span of one callback: `POST url` with the JSON of `arguments`.
#[traced(kind = client)]
async fn post_arguments(
    client: &awc::Client,
    call: &Call,
    timeout: Duration,
) -> Result<u16, awc::error::SendRequestError> {
    let response = client
        .post(&call.url)
        .timeout(timeout)
        .insert_header(ContentType::json())
        .insert_header((CALLBACK_HEADER, "1"))
        .send_body_traced(call.arguments.to_string())
        .await?;
    Ok(response.status().as_u16())
}

/// `/verify-tracecontext` with anything but POST: 405, naming the method accepted.
async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .content_type(ContentType::plaintext())
        .body("verify-tracecontext: use POST with a JSON array body\n")
}
