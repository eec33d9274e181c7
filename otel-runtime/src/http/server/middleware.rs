//! [`TraceRequests`]: an actix-web middleware giving every request a SERVER span, including the
//! ones no traced handler answers (404, 405, guards, payload errors, other middleware's
//! rejections, handlers without `#[traced]`).

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage as _, HttpRequest};
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::Context;
use opentelemetry_semantic_conventions::attribute::HTTP_ROUTE;

use super::handler::{record_status, route_names, server_span_parts};
use crate::http::attributes::protocol_version;
use crate::http::metrics::ServerRequestMetrics;
use crate::instrument::{mark_middleware_owned, start_span, Parent, SpanGuard, TracerCell};

/// The tracer of the middleware's spans.
static MIDDLEWARE_TRACER: TracerCell =
    TracerCell::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));

/// Traces every request an actix-web `App` (or scope) receives: a SERVER span, child of the
/// context the request headers carry, with the stable HTTP server attributes, the response
/// status, and `http.route` once routing has matched one; and, when a meter provider is
/// installed, the HTTP server metrics (`http.server.request.duration`,
/// `http.server.active_requests`).
///
/// A `#[traced(kind = server)]` handler behind it adopts the middleware's span instead of
/// starting a second one: it renames it if the attribute gave a `name`, and adds its
/// attributes, so each request has exactly one SERVER span.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use otel_runtime::actix::TraceRequests;
///
/// let app = App::new()
///     .wrap(TraceRequests::new())
///     .route("/", web::get().to(|| async { HttpResponse::Ok().finish() }));
/// # drop(app);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceRequests {
    _private: (),
}

impl TraceRequests {
    /// The middleware, to pass to `App::wrap`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S, B> Transform<S, ServiceRequest> for TraceRequests
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = TraceRequestsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(TraceRequestsService { service }))
    }
}

/// The service [`TraceRequests`] wraps around the application.
#[derive(Debug)]
pub struct TraceRequestsService<S> {
    service: S,
}

/// The middleware's span, left in the request's extensions for a traced handler to adopt.
#[derive(Clone, Debug)]
pub(crate) struct MiddlewareSpan {
    /// The context holding the SERVER span.
    pub(crate) cx: Context,
    /// Set when a traced handler named the span: the middleware then keeps that name.
    pub(crate) named: Rc<std::cell::Cell<bool>>,
}

impl MiddlewareSpan {
    /// The span a traced handler behind the middleware adopts, if any.
    pub(crate) fn of(request: &HttpRequest) -> Option<Self> {
        request.extensions().get::<Self>().cloned()
    }
}

impl<S, B> Service<ServiceRequest> for TraceRequestsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = TracedCall<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let (parent, attributes, method) = server_span_parts(request.request());
        let metrics = ServerRequestMetrics::from_span_attributes(
            &attributes,
            protocol_version(request.request().version()),
        );
        // Marked as ended by the middleware, so that a traced handler adopting it does not.
        let cx = mark_middleware_owned(start_span(
            &MIDDLEWARE_TRACER,
            method,
            SpanKind::Server,
            Parent::Context(parent),
            attributes,
        ));
        let named = Rc::new(std::cell::Cell::new(false));
        request.extensions_mut().insert(MiddlewareSpan {
            cx: cx.clone(),
            named: Rc::clone(&named),
        });
        // Whatever the inner services do when called (not only when polled) happens in the span.
        let inner = {
            let _attached = cx.clone().attach();
            self.service.call(request)
        };
        TracedCall {
            inner,
            guard: SpanGuard::future(cx),
            method,
            named,
            metrics,
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's call, with the request's span current while it runs; records the
    /// response (or the error) on the span and ends it.
    #[doc(hidden)]
    pub struct TracedCall<F> {
        #[pin]
        inner: F,
        guard: SpanGuard,
        method: &'static str,
        named: Rc<std::cell::Cell<bool>>,
        metrics: Option<ServerRequestMetrics>,
    }
}

impl<F, B> Future for TracedCall<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let poll = {
            let _attached = this.guard.context().clone().attach();
            this.inner.poll(task)
        };
        let Poll::Ready(result) = poll else {
            return Poll::Pending;
        };
        let cx = this.guard.context();
        let status = match &result {
            Ok(response) => {
                let route = name_after_route(cx, response.request(), this.method, this.named.get());
                if let (Some(metrics), Some(route)) = (this.metrics.as_mut(), route) {
                    metrics.set_route(route);
                }
                response.status()
            }
            Err(error) => error.as_response_error().status_code(),
        };
        record_status(cx, status);
        this.guard.finish();
        if let Some(metrics) = this.metrics.take() {
            metrics.finish(status.as_u16());
        }
        Poll::Ready(result)
    }
}

/// Once routing is done: `http.route`, and the name `{method} {route}` unless a traced handler
/// named the span. Returns the route, for the metrics.
fn name_after_route(
    cx: &Context,
    request: &HttpRequest,
    method: &'static str,
    named: bool,
) -> Option<opentelemetry::Value> {
    let route = request.match_pattern()?;
    let route = route_names::get(method, &route);
    let span = cx.span();
    if !named {
        span.update_name(route.name);
    }
    span.set_attribute(opentelemetry::KeyValue::new(
        HTTP_ROUTE,
        route.route.clone(),
    ));
    Some(route.route)
}
