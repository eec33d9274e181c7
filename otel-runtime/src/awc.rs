//! awc glue: send a request from a CLIENT span that carries that span's context in the
//! request's headers and records the stable HTTP client attributes and the outcome.

use std::future::Future;

use awc::error::SendRequestError;
use awc::{ClientRequest, SendClientRequest};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, SERVER_ADDRESS, SERVER_PORT, URL_FULL,
};

use crate::headers::HeaderInjector;
use crate::http_attributes::{default_port, method_attributes};
use crate::instrument::{start_span, ClientSpan, Parent, SpanGuard, TracerCell};

/// What sending a request yields: awc's response or its error.
pub type SendResult = <SendClientRequest as Future>::Output;

static STANDALONE_TRACER: TracerCell =
    TracerCell::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));

/// Sends awc requests traced.
///
/// Inside a `#[traced(kind = client)]` function the request is recorded on that function's
/// CLIENT span (renamed `{method}` unless the attribute gave a name); anywhere else a CLIENT span
/// is started for the request alone, child of the current context. Either way the request's
/// headers carry the CLIENT span's context (with the installed propagator), and the span records
/// `http.request.method`, `url.full`, `server.address`, `server.port`,
/// `http.response.status_code`, and Error status with `error.type` for a status >= 400 or a
/// transport failure.
///
/// ```no_run
/// use otel_runtime::{traced, TracedRequest};
///
/// #[traced(kind = client)]
/// async fn fetch(client: &awc::Client, url: &str) -> Result<u16, awc::error::SendRequestError> {
///     let response = client.get(url).send_traced().await?;
///     Ok(response.status().as_u16())
/// }
/// ```
pub trait TracedRequest {
    /// [`ClientRequest::send`], traced.
    fn send_traced(self) -> impl Future<Output = SendResult>;

    /// [`ClientRequest::send_body`], traced.
    fn send_body_traced<B>(self, body: B) -> impl Future<Output = SendResult>
    where
        B: awc::body::MessageBody + 'static;
}

impl TracedRequest for ClientRequest {
    fn send_traced(self) -> impl Future<Output = SendResult> {
        send_with(self, ClientRequest::send)
    }

    fn send_body_traced<B>(self, body: B) -> impl Future<Output = SendResult>
    where
        B: awc::body::MessageBody + 'static,
    {
        send_with(self, move |request| request.send_body(body))
    }
}

async fn send_with(
    mut request: ClientRequest,
    send: impl FnOnce(ClientRequest) -> SendClientRequest,
) -> SendResult {
    let current = Context::current();
    let in_client_span = current
        .get::<ClientSpan>()
        .filter(|marker| marker.span_id == current.span().span_context().span_id())
        .copied();
    let mut own_span = None;
    let cx = match in_client_span {
        Some(_) => current,
        None => {
            let cx = start_span(
                &STANDALONE_TRACER,
                request.get_method().as_str().to_owned(),
                SpanKind::Client,
                Parent::Current,
                Vec::new(),
            );
            own_span = Some(SpanGuard::future(cx.clone()));
            cx
        }
    };
    let span = cx.span();
    let mut attributes = Vec::with_capacity(5);
    let method = method_attributes(request.get_method().as_str(), &mut attributes);
    let uri = request.get_uri();
    attributes.push(KeyValue::new(URL_FULL, redacted_url(uri)));
    if let Some(host) = uri.host() {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        attributes.push(KeyValue::new(SERVER_ADDRESS, host.to_owned()));
    }
    if let Some(port) = uri
        .port_u16()
        .or_else(|| uri.scheme_str().and_then(default_port))
    {
        attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
    }
    span.set_attributes(attributes);
    if in_client_span.is_some_and(|marker| !marker.named) {
        span.update_name(method);
    }
    crate::propagation::inject(&cx, &mut HeaderInjector(request.headers_mut()));

    let result = send(request).await;
    match &result {
        Ok(response) => {
            let status = response.status();
            span.set_attribute(KeyValue::new(
                HTTP_RESPONSE_STATUS_CODE,
                i64::from(status.as_u16()),
            ));
            if status.is_client_error() || status.is_server_error() {
                span.set_attribute(KeyValue::new(ERROR_TYPE, status.as_str().to_owned()));
                span.set_status(Status::error(""));
            }
        }
        Err(error) => {
            span.set_attribute(KeyValue::new(ERROR_TYPE, error_type(error)));
            span.set_status(Status::error(error.to_string()));
        }
    }
    if let Some(mut guard) = own_span {
        guard.finish();
    }
    result
}

/// The URL with any `user:password@` replaced, as the conventions require for `url.full`.
fn redacted_url(uri: &awc::http::Uri) -> String {
    match uri.authority() {
        Some(authority) if authority.as_str().contains('@') => {
            let host = authority
                .as_str()
                .rsplit_once('@')
                .map_or("", |(_, host)| host);
            let scheme = uri.scheme_str().unwrap_or("http");
            let path = uri.path_and_query().map_or("", |path| path.as_str());
            format!("{scheme}://REDACTED:REDACTED@{host}{path}")
        }
        _ => uri.to_string(),
    }
}

/// A low-cardinality `error.type` for a transport failure.
fn error_type(error: &SendRequestError) -> &'static str {
    match error {
        SendRequestError::Url(_) => "invalid_url",
        SendRequestError::Connect(_) => "connect_error",
        SendRequestError::Send(_) => "send_error",
        SendRequestError::Response(_) => "response_parse_error",
        SendRequestError::Http(_) => "http_error",
        SendRequestError::H2(_) => "h2_error",
        SendRequestError::Timeout => "timeout",
        SendRequestError::TunnelNotSupported => "tunnel_not_supported",
        SendRequestError::Body(_) => "body_error",
        _ => "_OTHER",
    }
}
