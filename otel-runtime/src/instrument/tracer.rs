//! The tracer of each `#[traced]` call site: fetched once per installed provider and cached
//! without a lock (see the module map's *Cost* section).

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Mutex;

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span as _, SpanBuilder, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::propagation::tracecontext::note_trace_started;
use crate::recover::lock;

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

/// The generation of the provider installed now: it changes whenever one is installed.
pub(crate) fn provider_generation() -> u64 {
    PROVIDER_GENERATION.load(Ordering::Acquire)
}

/// Records that `provider` has just been installed as the global provider, so call sites use
/// its tracers without going through the global (boxed) provider.
pub(crate) fn sdk_provider_installed(provider: SdkTracerProvider) -> u64 {
    let mut slot = lock(&SDK_PROVIDER);
    let generation = PROVIDER_GENERATION.fetch_add(1, Ordering::AcqRel) + 1;
    *slot = Some((generation, provider));
    generation
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

/// Compiles only for `T: Send + Sync`.
const fn assert_send_sync<T: Send + Sync>() {}

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

impl std::fmt::Debug for TracerCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracerCell")
            .field("scope_name", &self.scope_name)
            .field("scope_version", &self.scope_version)
            .finish_non_exhaustive()
    }
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
        // SAFETY: the pointer is null or comes from `Box::leak` in `refill` and is never freed;
        // the entry is immutable and shared across threads, which `Cached: Send + Sync` (checked
        // below at compile time) makes sound.
        const _: () = assert_send_sync::<Cached>();
        match unsafe { self.cached.load(Ordering::Acquire).as_ref() } {
            Some(cached) if cached.generation == generation => cached,
            _ => self.refill(generation),
        }
    }

    #[cold]
    #[inline(never)]
    fn refill(&self, generation: u64) -> &'static Cached {
        super::panic_capture::install_hook();
        let scope = InstrumentationScope::builder(self.scope_name)
            .with_version(self.scope_version)
            .build();
        let sdk = lock(&SDK_PROVIDER)
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

    /// Starts the span of `builder` under `parent` and returns the context holding it and
    /// whether it records; a span that
    /// starts a trace records the trace as started here ([`note_trace_started`], for the W3C
    /// random trace-id flag on inject).
    #[inline]
    pub(crate) fn start(&self, builder: SpanBuilder, parent: &Context) -> (Context, bool) {
        let cached = self.cached();
        match &cached.tracer {
            CachedTracer::Sdk(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                note_if_root(parent, &span);
                let recording = span.is_recording();
                (parent.with_span(span), recording)
            }
            CachedTracer::Global(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                let recording = span.is_recording();
                // A no-op tracer hands back its parent's context and records nothing; the SDK
                // always makes a new span id (or, once shut down or when telemetry is
                // suppressed, an empty context): only the former is a no-op to skip.
                if !recording
                    && !parent.is_telemetry_suppressed()
                    && span.span_context() == parent.span().span_context()
                {
                    self.noop_in.store(cached.generation, Ordering::Relaxed);
                }
                note_if_root(parent, &span);
                (parent.with_span(span), recording)
            }
        }
    }
}

/// A span built by a [`TracerCell`] for the `tracing` bridge: the SDK's own span, or the global
/// provider's boxed one.
#[cfg(feature = "tracing")]
#[derive(Debug)]
// Boxing the SDK's span would cost an allocation per span; it is moved into its context's
// `Arc` right away.
#[allow(clippy::large_enum_variant)]
pub(crate) enum CellSpan {
    /// From the SDK provider installed with [`crate::set_tracer_provider`].
    Sdk(opentelemetry_sdk::trace::Span),
    /// From whatever else is installed globally.
    Global(global::BoxedSpan),
}

#[cfg(feature = "tracing")]
impl TracerCell {
    /// Builds the span of `builder` under `parent` with the tracer of the provider installed
    /// now (for the `tracing` bridge, whose spans start and end through
    /// tracing-opentelemetry).
    pub(crate) fn build(&self, builder: SpanBuilder, parent: &Context) -> CellSpan {
        match &self.cached().tracer {
            CachedTracer::Sdk(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                note_if_root(parent, &span);
                CellSpan::Sdk(span)
            }
            CachedTracer::Global(tracer) => {
                let span = tracer.build_with_context(builder, parent);
                note_if_root(parent, &span);
                CellSpan::Global(span)
            }
        }
    }
}

/// Records the trace of `span` as started here when it is a new trace: its parent
/// context had no valid span (a no-op or shut-down provider makes no valid span: nothing).
#[inline(always)]
fn note_if_root(parent: &Context, span: &impl opentelemetry::trace::Span) {
    // The parent first: for a child it settles the question without asking the span (a
    // dynamic call for a boxed one).
    if !parent.span().span_context().is_valid() {
        let span_context = span.span_context();
        if span_context.is_valid() {
            note_trace_started(span_context.trace_id());
        }
    }
}
