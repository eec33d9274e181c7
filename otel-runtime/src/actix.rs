//! actix-web glue for `#[traced(kind = server)]` handlers: the remote parent from the incoming
//! headers, the stable HTTP server attributes, and the response status.

use std::future::{ready, Ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, Responder};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, SERVER_ADDRESS, SERVER_PORT,
    URL_PATH, URL_QUERY, URL_SCHEME, USER_AGENT_ORIGINAL,
};

use crate::headers::HeaderExtractor;
use crate::http_attributes::{default_port, method_attributes, protocol_version, split_host_port};
use crate::instrument::{start_span, Parent, SpanGuard, TracerCell};

pub use actix_web::HttpResponse;

/// The request a traced handler runs for; `#[traced(kind = server)]` adds it as an extra
/// handler argument, so the handler need not take an `HttpRequest` itself.
#[doc(hidden)]
pub struct ServerRequest(pub HttpRequest);

impl FromRequest for ServerRequest {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(request.clone())))
    }
}

/// Starts the SERVER span of `request`, child of the context its headers carry.
///
/// Without `name`, the span is named `{method} {route}` (or `{method}` when no route matched).
#[doc(hidden)]
pub fn start_server_span(
    cell: &TracerCell,
    request: &ServerRequest,
    name: Option<&'static str>,
) -> Context {
    let request = &request.0;
    let parent = crate::propagation::extract(&HeaderExtractor(request.headers()));
    let mut attributes = Vec::with_capacity(11);
    let method = method_attributes(request.method().as_str(), &mut attributes);
    attributes.push(KeyValue::new(URL_PATH, request.path().to_owned()));
    if !request.query_string().is_empty() {
        attributes.push(KeyValue::new(URL_QUERY, request.query_string().to_owned()));
    }
    let route = request.match_pattern();
    {
        let info = request.connection_info();
        attributes.push(KeyValue::new(URL_SCHEME, info.scheme().to_owned()));
        let (address, port) = split_host_port(info.host());
        attributes.push(KeyValue::new(SERVER_ADDRESS, address.to_owned()));
        if let Some(port) = port.or_else(|| default_port(info.scheme())) {
            attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
        if let Some(client) = info.realip_remote_addr() {
            let (client, _) = split_host_port(client);
            attributes.push(KeyValue::new(CLIENT_ADDRESS, client.to_owned()));
        }
    }
    if let Some(agent) = request
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
    {
        attributes.push(KeyValue::new(USER_AGENT_ORIGINAL, agent.to_owned()));
    }
    attributes.extend(protocol_version(request.version()));
    let span_name: std::borrow::Cow<'static, str> = match (name, &route) {
        (Some(name), _) => name.into(),
        (None, Some(route)) => format!("{method} {route}").into(),
        (None, None) => method.into(),
    };
    if let Some(route) = route {
        attributes.push(KeyValue::new(HTTP_ROUTE, route));
    }
    start_span(
        cell,
        span_name,
        SpanKind::Server,
        Parent::Context(parent),
        attributes,
    )
}

/// A traced handler's response: the handler's own value plus its still-open SERVER span, which
/// records the response status and ends when actix turns the value into the response.
#[doc(hidden)]
pub struct Traced<R> {
    value: R,
    guard: SpanGuard,
}

impl<R> Traced<R> {
    /// Pairs the handler's return value with its span.
    pub fn new((value, guard): (R, SpanGuard)) -> Self {
        Self { value, guard }
    }
}

impl<R: Responder> Responder for Traced<R> {
    type Body = BoxBody;

    fn respond_to(self, request: &HttpRequest) -> HttpResponse {
        let Self { value, mut guard } = self;
        let response = value.respond_to(request).map_into_boxed_body();
        let status = response.status();
        let span = guard.context().span();
        span.set_attribute(KeyValue::new(
            HTTP_RESPONSE_STATUS_CODE,
            i64::from(status.as_u16()),
        ));
        // Servers mark only 5xx as errors: a 4xx is the client's mistake, not the server's.
        if status.is_server_error() {
            span.set_attribute(KeyValue::new(ERROR_TYPE, status.as_str().to_owned()));
            span.set_status(Status::error(""));
        }
        guard.finish();
        response
    }
}
