//! The CLIENT span of one outgoing request, whatever the HTTP library: recorded on the current
//! `#[traced(kind = client)]` function's span, or on a span of its own; the context to inject;
//! the response or the transport error.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use opentelemetry::trace::{SpanKind, SpanRef, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, SERVER_ADDRESS, SERVER_PORT, URL_FULL,
};

use crate::http::attributes::{default_port, method_attributes};
use crate::http::metrics::{ClientOutcome, ClientRequestMetrics};
use crate::instrument::{start_span, ClientSpan, Parent, SpanGuard, TracerCell};

/// The tracer of requests sent outside a traced client function.
static STANDALONE_TRACER: TracerCell =
    TracerCell::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));

/// What the client span records before the request is sent (and what a sampler sees for a span
/// of its own).
#[derive(Debug)]
pub(crate) struct Request<'a> {
    /// The request method as sent.
    pub(crate) method: &'a str,
    /// `url.full`, already redacted.
    pub(crate) url_full: String,
    /// The host, without brackets for IPv6.
    pub(crate) host: Option<&'a str>,
    /// The explicit port, if any.
    pub(crate) port: Option<u16>,
    /// The URL scheme, for the default port.
    pub(crate) scheme: Option<&'a str>,
}

/// One outgoing request's span, open until [`finish`](Self::finish) (or drop, as cancelled),
/// and its `http.client.request.duration`, recorded with the response or the failure.
pub(crate) struct ClientCall {
    cx: Context,
    /// The span started for this request alone (none inside a traced client function, whose
    /// span outlives the request).
    own_span: Option<SpanGuard>,
    /// The request's metrics, if a meter provider is installed.
    metrics: Option<ClientRequestMetrics>,
}

impl ClientCall {
    /// Starts recording `request` under the current context.
    pub(crate) fn start(request: &Request<'_>) -> Self {
        let current = Context::current();
        let marker = current
            .get::<ClientSpan>()
            .filter(|marker| marker.span_id == current.span().span_context().span_id())
            .cloned();
        let mut attributes = Vec::with_capacity(6);
        let method = method_attributes(request.method, &mut attributes);
        attributes.push(KeyValue::new(URL_FULL, request.url_full.clone()));
        // Shared by the span and the metric: one allocation.
        let address = request
            .host
            .map(|host| opentelemetry::Value::from(Arc::<str>::from(host)));
        if let Some(address) = &address {
            attributes.push(KeyValue::new(SERVER_ADDRESS, address.clone()));
        }
        let port = request
            .port
            .or_else(|| request.scheme.and_then(default_port));
        if let Some(port) = port {
            attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
        let metrics = attributes.first().and_then(|method| {
            ClientRequestMetrics::start(&method.value, address.as_ref(), port, request.scheme)
        });
        match marker {
            Some(marker) => {
                marker.sent.store(true, Ordering::Relaxed);
                let span = current.span();
                span.set_attributes(attributes);
                if !marker.named {
                    span.update_name(method);
                }
                Self {
                    cx: current,
                    own_span: None,
                    metrics,
                }
            }
            None => {
                let parent = Parent::Context(current);
                let cx = start_span(
                    &STANDALONE_TRACER,
                    method,
                    SpanKind::Client,
                    parent,
                    attributes,
                );
                Self {
                    own_span: Some(SpanGuard::future(cx.clone())),
                    cx,
                    metrics,
                }
            }
        }
    }

    /// The context holding the client span: the one to inject into the request's headers.
    pub(crate) fn context(&self) -> &Context {
        &self.cx
    }

    fn span(&self) -> SpanRef<'_> {
        self.cx.span()
    }

    /// Records a response: its status (Error from 400 on) and protocol version.
    pub(crate) fn response(&mut self, status: u16, version: Option<KeyValue>) {
        if let Some(metrics) = self.metrics.take() {
            metrics.finish(ClientOutcome::Response(status, version.clone()));
        }
        let span = self.span();
        span.set_attribute(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
        if let Some(version) = version {
            span.set_attribute(version);
        }
        if status >= 400 {
            span.set_attribute(KeyValue::new(ERROR_TYPE, status.to_string()));
            span.set_status(Status::error(""));
        }
    }

    /// Records a transport failure: a low-cardinality `error_type` and the error's message.
    pub(crate) fn failed(&mut self, error_type: &'static str, message: String) {
        if let Some(metrics) = self.metrics.take() {
            metrics.finish(ClientOutcome::Failed(error_type));
        }
        let span = self.span();
        span.set_attribute(KeyValue::new(ERROR_TYPE, error_type));
        span.set_status(Status::error(message));
    }

    /// Ends the request's own span, if it has one.
    pub(crate) fn finish(self) {
        if let Some(mut guard) = self.own_span {
            guard.finish();
        }
    }
}
