//! What a `#[traced(kind = server)]` handler expands to: its extra request argument, its
//! extractors taken as [`Extracted`] results, the span start, and the response that records the
//! status (of the handler's value, or of an extractor's rejection).

use std::borrow::Cow;
use std::future::{ready, Ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, Responder};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE,
};

use super::middleware::MiddlewareSpan;
use super::request::{request_attributes, ReadHeaders};
use crate::http::attributes::{method_attributes, protocol_version};
use crate::http::carrier::ScannedHeaders;
use crate::http::metrics::{instruments, ServerRequestMetrics};
use crate::instrument::{is_middleware_owned, start_span, Parent, SpanGuard, TracerCell};

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

/// The request a traced handler runs for; `#[traced(kind = server)]` adds it as an extra
/// handler argument, so the handler need not take an `HttpRequest` itself.
#[doc(hidden)]
#[derive(Debug)]
pub struct ServerRequest(pub HttpRequest);

/// What the actix-web extractor `T` gave: the value, or the error that rejects the request.
///
/// `#[traced(kind = server)]` takes each handler argument of type `T` as `Extracted<T>` (actix
/// implements `FromRequest` for a `Result` of an extractor), so that a rejection reaches the
/// handler and is answered inside its span ([`Traced::rejected`]) instead of before it starts.
/// Naming `T::Error` also makes an argument that is no extractor an error at that argument.
#[doc(hidden)]
pub type Extracted<T> = Result<T, <T as FromRequest>::Error>;

impl FromRequest for ServerRequest {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(request.clone())))
    }
}

/// Starts the SERVER span of `request`, child of the context its headers carry; behind the
/// [`TraceRequests`](super::TraceRequests) middleware, adopts the middleware's span instead
/// (renamed to `name` if given). Without the middleware, it also starts the request's HTTP
/// metrics (which [`Traced`] records when it answers); behind it, the middleware records them.
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
    if let Some(adopted) = MiddlewareSpan::of(request) {
        if let Some(name) = name {
            adopted.cx.span().update_name(name);
            adopted.named.set(true);
        }
        return adopted.cx;
    }
    let (parent, mut attributes, method) = server_span_parts(request);
    let route = request.match_pattern();
    let named = route
        .as_deref()
        .map(|route| route_names::get(method, route));
    let span_name: Cow<'static, str> = match (name, &named) {
        (Some(name), _) => name.into(),
        (None, Some(named)) => named.name.clone(),
        (None, None) => method.into(),
    };
    let metrics = ServerRequestMetrics::from_span_attributes(
        &attributes,
        protocol_version(request.version()),
    );
    if let Some(mut metrics) = metrics {
        if let Some(named) = &named {
            metrics.set_route(named.route.clone());
        }
        request.extensions_mut().insert(HandlerMetrics(metrics));
    }
    if let Some(named) = named {
        attributes.push(KeyValue::new(HTTP_ROUTE, named.route));
    }
    start_span(
        cell,
        span_name,
        SpanKind::Server,
        Parent::Context(parent),
        attributes,
    )
}

/// The HTTP metrics of a request a traced handler answers without the middleware, kept in the
/// request's extensions until [`Traced`] answers (dropped with the request if it never does: a
/// cancelled request, counted out of the active requests).
#[derive(Debug)]
struct HandlerMetrics(ServerRequestMetrics);

/// What a SERVER span of `request` starts with: the remote parent its headers carry, the
/// request attributes, and the method as span names use it.
pub(super) fn server_span_parts(request: &HttpRequest) -> (Context, Vec<KeyValue>, &'static str) {
    let headers = ReadHeaders::of(request.headers());
    let parent = crate::propagation::extract(&ScannedHeaders {
        headers: request.headers(),
        present: headers.propagation,
    });
    // Room for what a request records, no more: the span's attributes travel through the
    // exporter's queue, and every cache line of them is written here and read there. Method,
    // path, scheme, server address and port, client, peer address and port, user agent,
    // protocol, route and the status; one more for a query (a method outside the known ones or
    // a server error's `error.type` grow it).
    let mut attributes = Vec::with_capacity(12 + usize::from(!request.query_string().is_empty()));
    let method = method_attributes(request.method().as_str(), &mut attributes);
    request_attributes(request, &headers, &mut attributes);
    (parent, attributes, method)
}

/// Records the response status on the SERVER span of `cx`; servers mark only 5xx as errors (a
/// 4xx is the client's mistake, not the server's).
pub(super) fn record_status(cx: &Context, status: StatusCode) {
    let span = cx.span();
    span.set_attribute(KeyValue::new(
        HTTP_RESPONSE_STATUS_CODE,
        i64::from(status.as_u16()),
    ));
    if status.is_server_error() {
        span.set_attribute(KeyValue::new(ERROR_TYPE, status.as_str().to_owned()));
        span.set_status(Status::error(""));
    }
}

/// A traced handler's response: the handler's own value (or the error an extractor rejected the
/// request with) plus its still-open SERVER span, which records the response status and ends
/// when actix turns the value into the response.
#[doc(hidden)]
pub struct Traced<R> {
    value: Result<R, actix_web::Error>,
    guard: SpanGuard,
}

impl<R> std::fmt::Debug for Traced<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traced")
            .field("rejected", &self.value.as_ref().err())
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

impl<R> Traced<R> {
    /// Pairs the handler's return value with its span.
    pub fn new((value, guard): (R, SpanGuard)) -> Self {
        Self {
            value: Ok(value),
            guard,
        }
    }

    /// The answer to a request that one of the handler's extractors rejected with `error`: the
    /// error response actix would have sent, its status recorded on the span of `cx` (the one
    /// [`start_server_span`] gave).
    pub fn rejected(cx: Context, error: impl Into<actix_web::Error>) -> Self {
        // An adopted middleware span is ended by the middleware.
        let owned_elsewhere = is_middleware_owned(&cx);
        Self {
            value: Err(error.into()),
            guard: SpanGuard::new(cx, owned_elsewhere, true),
        }
    }
}

impl<R: Responder> Responder for Traced<R> {
    type Body = BoxBody;

    fn respond_to(self, request: &HttpRequest) -> HttpResponse {
        let Self { value, mut guard } = self;
        let response = match value {
            Ok(value) => value.respond_to(request).map_into_boxed_body(),
            // What actix answers when an extractor fails outside a `Result` (and the error stays
            // on the response for logging middleware).
            Err(error) => HttpResponse::from_error(error),
        };
        // An adopted middleware span is recorded and ended by the middleware.
        if guard.is_active() {
            record_status(guard.context(), response.status());
            guard.finish();
        }
        if instruments().is_some() {
            let metrics = request.extensions_mut().remove::<HandlerMetrics>();
            if let Some(HandlerMetrics(metrics)) = metrics {
                metrics.finish(response.status().as_u16());
            }
        }
        response
    }
}

/// `{method} {route}` span names and `http.route` values, made once per route and method and
/// then shared: a route is the app's pattern (not the client's path), so an app has as many as
/// it has routes. Made per request, they were two allocations freed on the exporter's thread
/// (the slow path of the allocator on both sides) and a `format!`.
pub(super) mod route_names {
    use std::borrow::Cow;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use opentelemetry::Value;

    use crate::recover::lock;

    /// Routes kept in all: past this many, names and routes are made per request again (an app
    /// with more routes than this is not the common case; the memory stays bounded).
    const CAPACITY: usize = 4096;

    /// A route's span name (with its method) and `http.route` value.
    #[derive(Clone, Debug)]
    pub(in crate::http::server) struct Named {
        pub(in crate::http::server) name: Cow<'static, str>,
        pub(in crate::http::server) route: Value,
    }

    /// The routes and span names kept, by method (the known ones, `&'static`) and pattern.
    type Kept = HashMap<&'static str, HashMap<Box<str>, (&'static str, &'static str)>>;

    /// Every route kept, and how many.
    static KEPT: Mutex<Option<(Kept, usize)>> = Mutex::new(None);

    thread_local! {
        /// The last route this thread named: most requests repeat it, without the lock.
        static LAST: RefCell<Option<(&'static str, &'static str, &'static str)>> =
            const { RefCell::new(None) };
    }

    /// The span name and `http.route` value for `route` requested with `method`.
    pub(in crate::http::server) fn get(method: &'static str, route: &str) -> Named {
        let last = LAST.with(|last| {
            last.borrow()
                .filter(|(m, r, _)| std::ptr::eq(*m, method) && *r == route)
        });
        if let Some((_, route, name)) = last {
            return Named {
                name: Cow::Borrowed(name),
                route: Value::from(route),
            };
        }
        match keep(method, route) {
            Some((route, name)) => {
                LAST.with(|last| *last.borrow_mut() = Some((method, route, name)));
                Named {
                    name: Cow::Borrowed(name),
                    route: Value::from(route),
                }
            }
            None => Named {
                name: Cow::Owned(join(method, route)),
                route: Value::from(Arc::<str>::from(route)),
            },
        }
    }

    /// `route` and its span name for `method`, made `'static` once; `None` when [`CAPACITY`]
    /// routes are kept already.
    fn keep(method: &'static str, route: &str) -> Option<(&'static str, &'static str)> {
        let mut kept = lock(&KEPT);
        let (by_method, count) = kept.get_or_insert_with(Default::default);
        let routes = by_method.entry(method).or_default();
        if let Some(found) = routes.get(route) {
            return Some(*found);
        }
        if *count >= CAPACITY {
            return None;
        }
        let found: (&'static str, &'static str) = (
            Box::leak(route.into()),
            Box::leak(join(method, route).into_boxed_str()),
        );
        routes.insert(route.into(), found);
        *count += 1;
        Some(found)
    }

    /// `{method} {route}`, joined by hand (`format!` costs several times as much).
    fn join(method: &str, route: &str) -> String {
        let mut joined = String::with_capacity(method.len() + 1 + route.len());
        joined.push_str(method);
        joined.push(' ');
        joined.push_str(route);
        joined
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn names_are_made_once_per_route_and_method() {
            let first = get("GET", "/items/{id}");
            assert_eq!(first.name, "GET /items/{id}");
            assert_eq!(first.route, Value::from("/items/{id}"));
            let again = get("GET", "/items/{id}");
            assert!(matches!(
                (&first.name, &again.name),
                (Cow::Borrowed(a), Cow::Borrowed(b)) if std::ptr::eq(*a, *b)
            ));
            assert_eq!(get("POST", "/items/{id}").name, "POST /items/{id}");
            assert_eq!(get("GET", "/other").name, "GET /other");
            assert_eq!(get("GET", "/items/{id}").name, "GET /items/{id}");
        }
    }
}
