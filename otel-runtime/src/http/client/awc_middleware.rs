//! [`TraceRequests`] for awc: every request a `Client` sends, `.send()` included, is recorded on
//! a CLIENT span and carries its context.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use actix_http::RequestHeadType;
use actix_service::Service;
use awc::error::SendRequestError;
use awc::http::header::HeaderMap;
use awc::middleware::Transform;
use awc::{ConnectRequest, ConnectResponse};

use super::awc::{error_type, redacted_url};
use super::call::{ClientCall, Request};
use crate::http::attributes::protocol_version;
use crate::http::carrier::HeaderInjector;

/// An awc middleware tracing every request of the client it is added to.
///
/// Each request gets what [`TracedRequest::send_traced`](crate::TracedRequest::send_traced)
/// gives it (recorded on the current `#[traced(kind = client)]` function's span or on a CLIENT
/// span of its own, with this span's context injected), whether it is sent with `send`,
/// `send_body`, `send_json`, ... A request that already carries a `traceparent` (sent with
/// `send_traced`) is passed on untouched.
///
/// ```
/// let client = awc::Client::builder()
///     .wrap(otel_runtime::awc::TraceRequests::new())
///     .finish();
/// # drop(client);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceRequests {
    _private: (),
}

impl TraceRequests {
    /// The middleware, to pass to `awc::ClientBuilder::wrap`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Transform<S, ConnectRequest> for TraceRequests
where
    S: Service<ConnectRequest, Response = ConnectResponse, Error = SendRequestError>,
{
    type Transform = TraceRequestsService<S>;

    fn new_transform(self, service: S) -> Self::Transform {
        TraceRequestsService { service }
    }
}

/// The connection service [`TraceRequests`] wraps.
#[derive(Debug)]
pub struct TraceRequestsService<S> {
    service: S,
}

impl<S> Service<ConnectRequest> for TraceRequestsService<S>
where
    S: Service<ConnectRequest, Response = ConnectResponse, Error = SendRequestError>,
{
    type Response = ConnectResponse;
    type Error = SendRequestError;
    type Future = TracedConnect<S::Future>;

    actix_service::forward_ready!(service);

    fn call(&self, request: ConnectRequest) -> Self::Future {
        let ConnectRequest::Client(mut head, body, address) = request else {
            // WebSocket tunnels are left alone.
            return TracedConnect {
                inner: self.service.call(request),
                call: None,
            };
        };
        if head.as_ref().headers.contains_key("traceparent")
            || head
                .extra_headers()
                .is_some_and(|extra| extra.contains_key("traceparent"))
        {
            return TracedConnect {
                inner: self
                    .service
                    .call(ConnectRequest::Client(head, body, address)),
                call: None,
            };
        }
        let call = {
            let request = head.as_ref();
            let uri = &request.uri;
            ClientCall::start(&Request {
                method: request.method.as_str(),
                url_full: redacted_url(uri),
                host: uri
                    .host()
                    .map(|host| host.trim_start_matches('[').trim_end_matches(']')),
                port: uri.port_u16(),
                scheme: uri.scheme_str(),
            })
        };
        inject(&call, &mut head);
        TracedConnect {
            inner: self
                .service
                .call(ConnectRequest::Client(head, body, address)),
            call: Some(call),
        }
    }
}

/// Writes the call's context into the request head (the shared head of a frozen request gets
/// it through its extra headers).
fn inject(call: &ClientCall, head: &mut RequestHeadType) {
    match head {
        RequestHeadType::Owned(head) => {
            crate::propagation::inject(call.context(), &mut HeaderInjector(&mut head.headers));
        }
        RequestHeadType::Rc(_, extra) => {
            let extra = extra.get_or_insert_with(HeaderMap::new);
            crate::propagation::inject(call.context(), &mut HeaderInjector(extra));
        }
    }
}

pin_project_lite::pin_project! {
    /// The connection service's future, recording the response on the request's span.
    #[doc(hidden)]
    pub struct TracedConnect<F> {
        #[pin]
        inner: F,
        call: Option<ClientCall>,
    }
}

impl<F> Future for TracedConnect<F>
where
    F: Future<Output = Result<ConnectResponse, SendRequestError>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Poll::Ready(result) = this.inner.poll(task) else {
            return Poll::Pending;
        };
        if let Some(mut call) = this.call.take() {
            match &result {
                Ok(ConnectResponse::Client(response)) => call.response(
                    response.status().as_u16(),
                    protocol_version(response.version()),
                ),
                Ok(ConnectResponse::Tunnel(head, _)) => {
                    call.response(head.status.as_u16(), protocol_version(head.version));
                }
                Err(error) => call.failed(error_type(error), error.to_string()),
            }
            call.finish();
        }
        Poll::Ready(result)
    }
}
