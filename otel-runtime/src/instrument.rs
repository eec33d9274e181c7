//! The span machinery that `#[traced]` expands to: a per-call-site tracer cache, a guard that
//! ends a span exactly once, and a future wrapper that keeps the span current across `.await`.
//!
//! Everything here is public only so generated code can reach it; it is not a stable API.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context as TaskContext, Poll};

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Link, SpanKind, Status, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope, KeyValue};

/// Attribute set on a span whose future was dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "otel.cancelled";

/// Bumped whenever the runtime installs a tracer provider, so that call-site caches refill.
static PROVIDER_GENERATION: AtomicU64 = AtomicU64::new(0);

/// Tells every `#[traced]` call site to fetch its tracer again from the global provider.
///
/// [`crate::set_tracer_provider`] and [`crate::init`] call this for you. Call it yourself only if
/// you replace the global provider with `opentelemetry::global::set_tracer_provider` *after*
/// traced functions have already run.
pub fn tracer_provider_changed() {
    PROVIDER_GENERATION.fetch_add(1, Ordering::Release);
}

/// The tracer of one `#[traced]` call site, fetched from the global provider on first use.
#[doc(hidden)]
pub struct TracerCell {
    scope_name: &'static str,
    scope_version: &'static str,
    cached: RwLock<Option<(u64, Arc<BoxedTracer>)>>,
}

impl TracerCell {
    /// A cell for the crate `scope_name` at `scope_version` (the annotated crate's name).
    pub const fn new(scope_name: &'static str, scope_version: &'static str) -> Self {
        Self {
            scope_name,
            scope_version,
            cached: RwLock::new(None),
        }
    }

    /// The tracer for this call site, from the provider installed now.
    pub fn tracer(&self) -> Arc<BoxedTracer> {
        let generation = PROVIDER_GENERATION.load(Ordering::Acquire);
        if let Ok(guard) = self.cached.read() {
            if let Some((cached_generation, tracer)) = guard.as_ref() {
                if *cached_generation == generation {
                    return Arc::clone(tracer);
                }
            }
        }
        let scope = InstrumentationScope::builder(self.scope_name)
            .with_version(self.scope_version)
            .build();
        let tracer = Arc::new(global::tracer_provider().tracer_with_scope(scope));
        if let Ok(mut guard) = self.cached.write() {
            *guard = Some((generation, Arc::clone(&tracer)));
        }
        tracer
    }
}

/// Where a new span takes its parent from.
#[doc(hidden)]
pub enum Parent {
    /// The context current on this thread (the default).
    Current,
    /// An explicit context (extracted from a request, or given by the user).
    Context(Context),
}

/// Starts a span and returns the context that holds it.
#[doc(hidden)]
pub fn start_span(
    cell: &TracerCell,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    parent: Parent,
    attributes: Vec<KeyValue>,
) -> Context {
    start_linked_span(cell, name, kind, parent, attributes, Vec::new())
}

/// Starts a span with links to other spans and returns the context that holds it.
#[doc(hidden)]
pub fn start_linked_span(
    cell: &TracerCell,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    parent: Parent,
    attributes: Vec<KeyValue>,
    links: Vec<Link>,
) -> Context {
    crate::panic_capture::install_hook();
    let tracer = cell.tracer();
    let parent_cx = match parent {
        Parent::Current => Context::current(),
        Parent::Context(cx) => cx,
    };
    let mut builder = tracer
        .span_builder(name)
        .with_kind(kind)
        .with_attributes(attributes);
    if !links.is_empty() {
        builder = builder.with_links(links);
    }
    let span = builder.start_with_context(tracer.as_ref(), &parent_cx);
    parent_cx.with_span(span)
}

/// Ends the span held by a context exactly once: on [`SpanGuard::finish`] or, failing that, on
/// drop (as an unwinding panic, a cancelled future, or a plain return for sync functions).
#[doc(hidden)]
pub struct SpanGuard {
    cx: Context,
    ended: bool,
    drop_means_cancelled: bool,
}

impl SpanGuard {
    /// Guards the span of a synchronous function: dropping the guard is a normal return.
    pub fn sync(cx: Context) -> Self {
        Self {
            cx,
            ended: false,
            drop_means_cancelled: false,
        }
    }

    /// Guards the span of a future: dropping the guard before [`finish`](Self::finish) means the
    /// future was cancelled.
    pub fn future(cx: Context) -> Self {
        Self {
            cx,
            ended: false,
            drop_means_cancelled: true,
        }
    }

    /// The context holding the guarded span.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Ends the span now (a normal completion).
    pub fn finish(&mut self) {
        if !self.ended {
            self.ended = true;
            self.cx.span().end();
        }
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let span = self.cx.span();
        if std::thread::panicking() {
            crate::panic_capture::record_panic(&span);
        } else if self.drop_means_cancelled {
            span.set_attribute(KeyValue::new(CANCELLED_ATTRIBUTE, true));
            span.set_status(Status::error(
                "cancelled: the future was dropped before it completed",
            ));
        }
        self.finish();
    }
}

pin_project_lite::pin_project! {
    /// A future that runs with its span current on every poll and ends the span when it
    /// completes (or marks it cancelled if dropped first).
    #[doc(hidden)]
    pub struct Instrumented<F> {
        #[pin]
        inner: InScope<F>,
    }
}

impl<F> Instrumented<F> {
    /// Wraps `inner` so that the span in `cx` is current while it runs.
    pub fn new(cx: Context, inner: F) -> Self {
        Self {
            inner: InScope::new(cx, inner),
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(task).map(|(output, mut guard)| {
            guard.finish();
            output
        })
    }
}

pin_project_lite::pin_project! {
    /// A future that runs with its span current on every poll and hands the still-open span's
    /// guard back with the output, for work that must happen after the body (a response).
    #[doc(hidden)]
    pub struct InScope<F> {
        #[pin]
        inner: F,
        guard: Option<SpanGuard>,
    }
}

impl<F> InScope<F> {
    /// Wraps `inner` so that the span in `cx` is current while it runs.
    pub fn new(cx: Context, inner: F) -> Self {
        Self {
            inner,
            guard: Some(SpanGuard::future(cx)),
        }
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = (F::Output, SpanGuard);

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(guard) = this.guard.as_ref() else {
            // Polled again after completion: stay pending rather than panic.
            return Poll::Pending;
        };
        let attached = guard.context().clone().attach();
        let poll = this.inner.poll(task);
        drop(attached);
        match poll {
            Poll::Ready(output) => match this.guard.take() {
                Some(guard) => Poll::Ready((output, guard)),
                None => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Marks a context whose span is the CLIENT span of a `#[traced(kind = client)]` function, so
/// the HTTP client glue records the request on it instead of starting a span of its own.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "awc"), allow(dead_code))]
pub struct ClientSpan {
    /// The marked span (a child context inherits the marker but has another span).
    pub span_id: opentelemetry::trace::SpanId,
    /// Whether the attribute named the span (then the glue keeps the name).
    pub named: bool,
}

/// Marks `cx` (from [`start_span`] with `SpanKind::Client`) as a traced client function's span.
#[doc(hidden)]
pub fn mark_client_span(cx: Context, named: bool) -> Context {
    let span_id = cx.span().span_context().span_id();
    cx.with_value(ClientSpan { span_id, named })
}

/// Adds attributes and links to the span of `cx` after it started (for server spans, whose
/// start is the HTTP glue's).
#[doc(hidden)]
pub fn enrich_span(cx: &Context, attributes: Vec<KeyValue>, links: Vec<Link>) {
    let span = cx.span();
    span.set_attributes(attributes);
    for link in links {
        span.add_link(link.span_context, link.attributes);
    }
}
