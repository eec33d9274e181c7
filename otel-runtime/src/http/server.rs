//! actix-web glue for `#[traced(kind = server)]` handlers: the remote parent from the incoming
//! headers, the stable HTTP server attributes, and the response status.

use std::future::{ready, Ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, Responder};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, NETWORK_PEER_ADDRESS,
    NETWORK_PEER_PORT, SERVER_ADDRESS, SERVER_PORT, URL_PATH, URL_QUERY, URL_SCHEME,
    USER_AGENT_ORIGINAL,
};

use super::attributes::{
    default_port, method_attributes, protocol_version, redacted_query, split_host_port,
};
use super::carrier::HeaderExtractor;
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
/// Without `name`, the span is named `{method} {route}` (or `{method}` when no route matched;
/// `HTTP` stands for a method outside the known ones). `http.route` is actix's match pattern,
/// never the raw path, and is absent when no resource matched (a `default_service`). A span
/// that starts a new trace (no valid incoming `traceparent`) is noted as having a random
/// trace-id, so the requests it makes carry the W3C Level 2 random flag.
#[doc(hidden)]
pub fn start_server_span(
    cell: &TracerCell,
    request: &ServerRequest,
    name: Option<&'static str>,
) -> Context {
    let request = &request.0;
    let parent = crate::propagation::extract(&HeaderExtractor(request.headers()));
    let mut attributes = Vec::with_capacity(14);
    let method = method_attributes(request.method().as_str(), &mut attributes);
    attributes.push(KeyValue::new(URL_PATH, request.path().to_owned()));
    if !request.query_string().is_empty() {
        attributes.push(KeyValue::new(
            URL_QUERY,
            redacted_query(request.query_string()).into_owned(),
        ));
    }
    let route = request.match_pattern();
    let peer_ip = request.peer_addr().map(|peer| ip_string(peer.ip()));
    let headers = request.headers();
    let forwarded = {
        use actix_web::http::header::{
            FORWARDED, X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO,
        };
        headers.contains_key(&FORWARDED)
            || headers.contains_key(&X_FORWARDED_FOR)
            || headers.contains_key(&X_FORWARDED_HOST)
            || headers.contains_key(&X_FORWARDED_PROTO)
    };
    if forwarded {
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
    } else {
        // What ConnectionInfo would say without proxy headers, without its allocations.
        let config = request.app_config();
        let scheme: &'static str = match request.uri().scheme_str() {
            Some("https") => "https",
            Some(_) => "http",
            None if config.secure() => "https",
            None => "http",
        };
        attributes.push(KeyValue::new(URL_SCHEME, scheme));
        let host = headers
            .get(actix_web::http::header::HOST)
            .and_then(|value| value.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
            .unwrap_or_else(|| config.host());
        let (address, port) = split_host_port(host);
        attributes.push(KeyValue::new(SERVER_ADDRESS, address.to_owned()));
        if let Some(port) = port.or_else(|| default_port(scheme)) {
            attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
        if let Some(ip) = &peer_ip {
            attributes.push(KeyValue::new(CLIENT_ADDRESS, ip.clone()));
        }
    }
    if let (Some(peer), Some(ip)) = (request.peer_addr(), peer_ip) {
        attributes.push(KeyValue::new(NETWORK_PEER_ADDRESS, ip));
        attributes.push(KeyValue::new(NETWORK_PEER_PORT, i64::from(peer.port())));
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

/// An IP address as text, without `fmt` for IPv4 (the common case, ~20x cheaper).
fn ip_string(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let mut text = String::with_capacity(15);
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.push('.');
                }
                if octet >= 100 {
                    text.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    text.push(char::from(b'0' + octet / 10 % 10));
                }
                text.push(char::from(b'0' + octet % 10));
            }
            text
        }
        std::net::IpAddr::V6(v6) => v6.to_string(),
    }
}
