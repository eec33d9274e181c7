//! The span machinery that `#[traced]` expands to: a per-call-site tracer cache, a guard that
//! ends a span exactly once, and a future wrapper that keeps the span current across `.await`.
//!
//! Everything here is public only so generated code can reach it; it is not a stable API.
//!
//! # Cost
//!
//! The hot path is what a careful person would write by hand with the SDK: one span built by the
//! SDK's own tracer, one context holding it, attached while the body runs. Around that it adds
//! a few relaxed loads per call and nothing else:
//!
//! - A call site's tracer is cached in a leaked, immutable entry behind an atomic pointer, tagged
//!   with the provider generation it was fetched in: no lock, no reference count per call.
//! - A provider installed with [`crate::set_tracer_provider`] is used through its concrete SDK
//!   tracer, not the global `BoxedTracer` (which boxes every span once more and dispatches
//!   dynamically). Anything else installed globally goes through the global provider.
//! - When the installed provider makes no-op spans (none installed, `OTEL_SDK_DISABLED=true`),
//!   a call site notices it on its first span (the span repeats its parent's context and
//!   records nothing) and the generated code skips the span altogether from then on, for spans
//!   whose parent is the current context: no context, no allocation, the attribute expressions
//!   are not evaluated. Installing a provider (which bumps the generation) ends that.
//! - A span that does not record (unsampled) is made current for its children, but neither
//!   ended explicitly nor recorded on: the SDK drops it silently.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Mutex;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{
    Link, Span as _, SpanBuilder, SpanKind, Status, TraceContextExt, Tracer, TracerProvider as _,
};
use opentelemetry::{Context, ContextGuard, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

/// Attribute set on a span whose future was dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "otel.cancelled";

/// Bumped whenever a tracer provider is installed, so that call-site caches refill.
static PROVIDER_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The SDK provider installed through [`crate::set_tracer_provider`], with the generation it was
/// installed in: call sites use its tracers directly while that generation lasts.
static SDK_PROVIDER: Mutex<Option<(u64, SdkTracerProvider)>> = Mutex::new(None);

/// Tells every `#[traced]` call site to fetch its tracer again from the global provider.
///
/// [`crate::set_tracer_provider`] and [`crate::init`] call this for you. Call it yourself only if
/// you replace the global provider with `opentelemetry::global::set_tracer_provider` *after*
/// traced functions have already run.
pub fn tracer_provider_changed() {
    PROVIDER_GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Records that `provider` has just been installed as the global provider, so call sites use
/// its tracers without going through the global (boxed) provider.
pub(crate) fn sdk_provider_installed(provider: SdkTracerProvider) {
    let mut slot = SDK_PROVIDER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let generation = PROVIDER_GENERATION.fetch_add(1, Ordering::AcqRel) + 1;
    *slot = Some((generation, provider));
}

/// The tracer a call site uses.
enum CachedTracer {
    /// The SDK provider installed with [`crate::set_tracer_provider`]: spans are built by the
    /// SDK directly.
    Sdk(SdkTracer),
    /// Whatever else is installed globally (the no-op provider if none is).
    Global(BoxedTracer),
}

/// A call site's tracer for one provider generation. Never freed: a reader may still hold it
/// after a newer generation replaced it (one small entry per call site per provider installed).
struct Cached {
    generation: u64,
    tracer: CachedTracer,
}

/// The tracer of one `#[traced]` call site, fetched from the installed provider on first use.
#[doc(hidden)]
pub struct TracerCell {
    scope_name: &'static str,
    scope_version: &'static str,
    cached: AtomicPtr<Cached>,
    /// The provider generation in which this call site's spans turned out to be no-ops, or
    /// `u64::MAX`.
    noop_in: AtomicU64,
}

impl TracerCell {
    /// A cell for the crate `scope_name` at `scope_version` (the annotated crate's name).
    pub const fn new(scope_name: &'static str, scope_version: &'static str) -> Self {
        Self {
            scope_name,
            scope_version,
            cached: AtomicPtr::new(std::ptr::null_mut()),
            noop_in: AtomicU64::new(u64::MAX),
        }
    }

    /// Whether a span started here with the current context as parent is known to be a no-op
    /// (the installed provider records nothing and the span would only repeat its parent's
    /// context): the generated code then skips the span altogether. Two relaxed loads.
    #[inline]
    pub fn is_noop(&self) -> bool {
        self.noop_in.load(Ordering::Relaxed) == PROVIDER_GENERATION.load(Ordering::Relaxed)
    }

    /// The tracer for this call site, from the provider installed now.
    #[inline]
    fn cached(&self) -> &'static Cached {
        let generation = PROVIDER_GENERATION.load(Ordering::Acquire);
        // SAFETY: the pointer is null or comes from `Box::leak` in `refill` and is never freed.
        match unsafe { self.cached.load(Ordering::Acquire).as_ref() } {
            Some(cached) if cached.generation == generation => cached,
            _ => self.refill(generation),
        }
    }

    #[cold]
    #[inline(never)]
    fn refill(&self, generation: u64) -> &'static Cached {
        crate::panic_capture::install_hook();
        let scope = InstrumentationScope::builder(self.scope_name)
            .with_version(self.scope_version)
            .build();
        let sdk = SDK_PROVIDER
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .filter(|(installed_in, _)| *installed_in == generation)
            .map(|(_, provider)| provider.clone());
        let tracer = match sdk {
            Some(provider) => CachedTracer::Sdk(provider.tracer_with_scope(scope)),
            None => CachedTracer::Global(global::tracer_provider().tracer_with_scope(scope)),
        };
        let cached: &'static Cached = Box::leak(Box::new(Cached { generation, tracer }));
        self.cached
            .store(std::ptr::from_ref(cached).cast_mut(), Ordering::Release);
        cached
    }

    /// Starts the span of `builder` under `parent`.
    fn start(&self, builder: SpanBuilder, parent: &Context) -> Started {
        let cached = self.cached();
        match &cached.tracer {
            CachedTracer::Sdk(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                Started {
                    recording: span.is_recording(),
                    cx: parent.with_span(span),
                }
            }
            CachedTracer::Global(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                // A no-op tracer hands back its parent's context and records nothing; the SDK
                // always makes a new span id (or, once shut down or when telemetry is
                // suppressed, an empty context): only the former is a no-op to skip.
                if !span.is_recording()
                    && !parent.is_telemetry_suppressed()
                    && span.span_context() == parent.span().span_context()
                {
                    self.noop_in.store(cached.generation, Ordering::Relaxed);
                }
                Started {
                    recording: span.is_recording(),
                    cx: parent.with_span(span),
                }
            }
        }
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

/// A span just started for a `#[traced]` function: the context holding it, and whether it
/// records. One that does not (unsampled) is still made current, so that its children inherit
/// its context, but there is nothing to end or to record on it.
#[doc(hidden)]
pub struct Started {
    cx: Context,
    recording: bool,
}

impl Started {
    /// The context holding the span.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Marks the span as a traced client function's CLIENT span ([`mark_client_span`]).
    pub fn client(self, named: bool) -> Self {
        Self {
            cx: mark_client_span(self.cx, named),
            recording: self.recording,
        }
    }

    fn guard(self, drop_means_cancelled: bool) -> SpanGuard {
        SpanGuard {
            cx: self.cx,
            ended: !self.recording,
            current: true,
            drop_means_cancelled,
        }
    }
}

/// Starts the span of a `#[traced]` function.
#[doc(hidden)]
pub fn start_traced(
    cell: &TracerCell,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    parent: Parent,
    attributes: Vec<KeyValue>,
    links: Vec<Link>,
) -> Started {
    let mut builder = SpanBuilder::from_name(name).with_kind(kind);
    if !attributes.is_empty() {
        builder.attributes = Some(attributes);
    }
    if !links.is_empty() {
        builder.links = Some(links);
    }
    let parent = match parent {
        Parent::Current => Context::current(),
        Parent::Context(parent) => parent,
    };
    let mut started = cell.start(builder, &parent);
    // A span that starts a trace notes that its trace-id is random (W3C Level 2 flag 0x02).
    started.cx = crate::tracecontext::mark_new_trace(&parent, started.cx);
    started
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
    start_traced(cell, name, kind, parent, attributes, Vec::new()).cx
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
    start_traced(cell, name, kind, parent, attributes, links).cx
}

/// Ends the span held by a context exactly once: on [`SpanGuard::finish`] or, failing that, on
/// drop (as an unwinding panic, a cancelled future, or a plain return for sync functions).
#[doc(hidden)]
pub struct SpanGuard {
    cx: Context,
    /// Ended already, or nothing to end (a span that does not record, or none).
    ended: bool,
    /// Whether `cx` is made current while the guarded future runs (not for a skipped span).
    current: bool,
    drop_means_cancelled: bool,
}

impl SpanGuard {
    /// Guards the span of a synchronous function: dropping the guard is a normal return.
    pub fn sync(cx: Context) -> Self {
        Self {
            cx,
            ended: false,
            current: true,
            drop_means_cancelled: false,
        }
    }

    /// Guards the span of a future: dropping the guard before [`finish`](Self::finish) means the
    /// future was cancelled.
    pub fn future(cx: Context) -> Self {
        Self {
            cx,
            ended: false,
            current: true,
            drop_means_cancelled: true,
        }
    }

    /// A guard with no span, for a call whose span was skipped ([`TracerCell::is_noop`]).
    pub fn none() -> Self {
        Self {
            cx: Context::new(),
            ended: true,
            current: false,
            drop_means_cancelled: false,
        }
    }

    /// Whether the guard still has a recording span to end (recording on it is worth doing).
    #[inline]
    pub fn is_active(&self) -> bool {
        !self.ended
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

    /// Makes the guarded context current until the returned guard is dropped (nothing for a
    /// skipped span).
    #[inline]
    fn attach(&self) -> Option<ContextGuard> {
        self.current.then(|| self.cx.clone().attach())
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

/// The span of a synchronous function: current on this thread while the value lives, ended
/// (as a return, or as a panic while unwinding) when it is dropped.
#[doc(hidden)]
pub struct SyncSpan(Option<Entered>);

struct Entered {
    // Fields drop in order: the context is detached before the span ends.
    _attached: ContextGuard,
    guard: SpanGuard,
}

impl SyncSpan {
    /// Makes the span just started current.
    pub fn enter(started: Started) -> Self {
        Self(Some(Entered {
            _attached: started.cx.clone().attach(),
            guard: started.guard(false),
        }))
    }

    /// A call whose span is skipped ([`TracerCell::is_noop`]): nothing to do.
    #[inline]
    pub fn skipped() -> Self {
        Self(None)
    }

    /// The guard of the span, to record the outcome on; `None` for a skipped span.
    #[inline]
    pub fn guard(&self) -> Option<&SpanGuard> {
        self.0.as_ref().map(|entered| &entered.guard)
    }
}

pin_project_lite::pin_project! {
    /// A future that runs with its span current on every poll and ends the span when it
    /// completes (or marks it cancelled if dropped first): an [`InScope`] that finishes the span
    /// itself.
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

    /// Like [`new`](Self::new) for a span just started; `None` (a skipped span) only runs
    /// `inner`.
    #[inline]
    pub fn optional(started: Option<Started>, inner: F) -> Self {
        Self {
            inner: InScope::optional(started, inner),
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    #[inline]
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

    /// Like [`new`](Self::new) for a span just started; `None` (a skipped span) only runs
    /// `inner` and hands back an inactive guard.
    #[inline]
    pub fn optional(started: Option<Started>, inner: F) -> Self {
        Self {
            inner,
            guard: Some(started.map_or_else(SpanGuard::none, |started| started.guard(true))),
        }
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = (F::Output, SpanGuard);

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(guard) = this.guard.as_ref() else {
            // Polled again after completion: stay pending rather than panic.
            return Poll::Pending;
        };
        let attached = guard.attach();
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
