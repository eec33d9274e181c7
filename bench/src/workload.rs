//! The functions under test, in pairs: `#[traced]` and the hand-written SDK code doing the same
//! (same provider, span name, kind and attributes), plus the plain function without a span.
//! Each `*_calls(n)` function makes `n` calls, for [`crate::measure::Case`]; each
//! `*_children(n)` makes the same calls under a parent span, so that every span is a child
//! (`bench/callgrind.sh` counts the instructions inside the `*_calls` functions only, so the
//! parent's own cost is left out).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context as TaskContext, Poll, Waker};

use opentelemetry::context::FutureExt as _;
use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::{TraceContextExt as _, Tracer, TracerProvider as _};
use opentelemetry::{global, Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use otel_runtime::traced;

/// The body every case runs inside its span.
#[inline]
pub fn work(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).wrapping_add(7)
}

/// Polls a future that completes on its first poll (every async case here does).
pub fn poll_ready<F: Future>(future: F) -> F::Output {
    let future = pin!(future);
    match future.poll(&mut TaskContext::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the benchmarked future should complete on its first poll"),
    }
}

/// The tracers of the hand-written cases, for the provider installed now (one leaked pair per
/// provider installed: the loops then borrow them without a lock or a clone).
static HAND_TRACERS: Mutex<Option<(&'static SdkTracer, &'static BoxedTracer)>> = Mutex::new(None);

/// Makes the hand-written cases use `provider`'s tracer (cached, as a careful person would),
/// and the `global_*` ones the global provider's (`global::tracer`, cached too).
pub fn use_provider(provider: &SdkTracerProvider) {
    let sdk: &'static SdkTracer = Box::leak(Box::new(provider.tracer("bench")));
    let global: &'static BoxedTracer = Box::leak(Box::new(global::tracer("bench")));
    *HAND_TRACERS.lock().unwrap() = Some((sdk, global));
}

fn hand_tracers() -> (&'static SdkTracer, &'static BoxedTracer) {
    HAND_TRACERS
        .lock()
        .unwrap()
        .expect("use_provider() before the hand-written cases")
}

fn hand_tracer() -> &'static SdkTracer {
    hand_tracers().0
}

fn global_hand_tracer() -> &'static BoxedTracer {
    hand_tracers().1
}

// ---- no span ---------------------------------------------------------------------------------

/// The body alone.
#[inline(never)]
pub fn plain_sync(x: u64) -> u64 {
    work(x)
}

/// The body alone, with three arguments.
#[inline(never)]
pub fn plain_attrs(id: i64, user: &str, retry: bool) -> u64 {
    work(id as u64 + user.len() as u64 + u64::from(retry))
}

/// The body alone, async.
pub async fn plain_async(x: u64) -> u64 {
    work(x)
}

// ---- #[traced] -------------------------------------------------------------------------------

/// A span, no attributes.
#[traced]
#[inline(never)]
pub fn traced_sync(x: u64) -> u64 {
    work(x)
}

/// A span with three attributes taken from the arguments.
#[traced(attributes(id, user, retry))]
#[inline(never)]
pub fn traced_attrs(id: i64, user: &str, retry: bool) -> u64 {
    work(id as u64 + user.len() as u64 + u64::from(retry))
}

/// A span, async.
#[traced]
pub async fn traced_async(x: u64) -> u64 {
    work(x)
}

/// A span with three attributes, async.
#[traced(attributes(id, user, retry))]
pub async fn traced_async_attrs(id: i64, user: &str, retry: bool) -> u64 {
    work(id as u64 + user.len() as u64 + u64::from(retry))
}

/// A span with a child span.
#[traced]
#[inline(never)]
pub fn traced_outer(x: u64) -> u64 {
    traced_inner(x)
}

/// The child of [`traced_outer`].
#[traced]
#[inline(never)]
pub fn traced_inner(x: u64) -> u64 {
    work(x)
}

// ---- the `tracing` bridge (otel-runtime's feature `tracing`) -------------------------------

/// A `tracing` span, no field, through `otel_runtime::tracing_layer()` (tracing-opentelemetry
/// with the runtime's tracer): the peer of [`traced_sync`].
#[tracing::instrument(skip_all)]
#[inline(never)]
pub fn bridged_span(x: u64) -> u64 {
    work(x)
}

/// [`traced_sync`] that also emits one `tracing` event with a field: the difference is the
/// event's cost through the bridge (with no log exporter installed, as in the bench phases:
/// the `RUST_LOG` filter and two atomic loads).
#[traced]
#[inline(never)]
pub fn traced_with_event(x: u64) -> u64 {
    tracing::info!(x, "handled");
    work(x)
}

/// A subscriber with the bridge's layer only, made once.
fn bridge_dispatch() -> &'static tracing::Dispatch {
    use tracing_subscriber::layer::SubscriberExt as _;
    static DISPATCH: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    DISPATCH.get_or_init(|| {
        tracing::Dispatch::new(tracing_subscriber::registry().with(otel_runtime::tracing_layer()))
    })
}

// ---- the SDK by hand -------------------------------------------------------------------------

/// A span, no attributes: `in_span` on a cached tracer.
#[inline(never)]
pub fn sdk_sync<T: Tracer>(tracer: &T, x: u64) -> u64
where
    T::Span: Send + Sync + 'static,
{
    tracer.in_span("sdk_sync", |_| work(x))
}

/// [`sdk_sync`] that also ends its span when the body returns, as `#[traced]` does: `in_span`
/// ends it when the last copy of its context is dropped, which a copy kept by the body (a task
/// spawned with it) delays.
#[inline(never)]
pub fn sdk_sync_end<T: Tracer>(tracer: &T, x: u64) -> u64
where
    T::Span: Send + Sync + 'static,
{
    tracer.in_span("sdk_sync_end", |cx| {
        let out = work(x);
        cx.span().end();
        out
    })
}

/// The same three attributes as [`traced_attrs`].
#[inline(never)]
pub fn sdk_attrs(tracer: &SdkTracer, id: i64, user: &str, retry: bool) -> u64 {
    let builder = tracer.span_builder("sdk_attrs").with_attributes([
        KeyValue::new("id", id),
        KeyValue::new("user", user.to_owned()),
        KeyValue::new("retry", retry),
    ]);
    tracer.in_span_with_builder(builder, |_| {
        work(id as u64 + user.len() as u64 + u64::from(retry))
    })
}

/// A span, async: the body runs with the span current (`with_context`).
pub async fn sdk_async<T: Tracer>(tracer: &T, x: u64) -> u64
where
    T::Span: Send + Sync + 'static,
{
    let cx = Context::current_with_span(tracer.start("sdk_async"));
    async move { work(x) }.with_context(cx).await
}

/// [`sdk_async`] that also ends its span when the body completes, as `#[traced]` does.
pub async fn sdk_async_end<T: Tracer>(tracer: &T, x: u64) -> u64
where
    T::Span: Send + Sync + 'static,
{
    let cx = Context::current_with_span(tracer.start("sdk_async_end"));
    let out = async move { work(x) }.with_context(cx.clone()).await;
    cx.span().end();
    out
}

/// The same three attributes, async.
pub async fn sdk_async_attrs(tracer: &SdkTracer, id: i64, user: &str, retry: bool) -> u64 {
    let span = tracer
        .span_builder("sdk_async_attrs")
        .with_attributes([
            KeyValue::new("id", id),
            KeyValue::new("user", user.to_owned()),
            KeyValue::new("retry", retry),
        ])
        .start(tracer);
    let cx = Context::current_with_span(span);
    async move { work(id as u64 + user.len() as u64 + u64::from(retry)) }
        .with_context(cx)
        .await
}

/// A span with a child span.
#[inline(never)]
pub fn sdk_outer(tracer: &SdkTracer, x: u64) -> u64 {
    tracer.in_span("sdk_outer", |_| sdk_inner(tracer, x))
}

/// The child of [`sdk_outer`].
#[inline(never)]
pub fn sdk_inner(tracer: &SdkTracer, x: u64) -> u64 {
    tracer.in_span("sdk_inner", |_| work(x))
}

/// A span from `global::tracer(..)` looked up on every call.
#[inline(never)]
pub fn sdk_global(x: u64) -> u64 {
    global::tracer("bench").in_span("sdk_global", |_| work(x))
}

// ---- n calls each ----------------------------------------------------------------------------

const USER: &str = "user-42";

macro_rules! calls {
    ($($(#[$doc:meta])* $name:ident($i:ident) => $call:expr;)*) => {$(
        $(#[$doc])*
        // Never inlined: callgrind.sh counts what runs inside this function by its name.
        #[inline(never)]
        pub fn $name(n: u64) {
            for $i in 0..n {
                black_box($call);
            }
        }
    )*};
}

calls! {
    /// [`plain_sync`].
    plain_sync_calls(i) => plain_sync(black_box(i));
    /// [`plain_attrs`].
    plain_attrs_calls(i) => plain_attrs(black_box(i as i64), black_box(USER), black_box(true));
    /// [`plain_async`].
    plain_async_calls(i) => poll_ready(plain_async(black_box(i)));
    /// [`traced_sync`].
    traced_sync_calls(i) => traced_sync(black_box(i));
    /// [`traced_attrs`].
    traced_attrs_calls(i) => traced_attrs(black_box(i as i64), black_box(USER), black_box(true));
    /// [`traced_async`].
    traced_async_calls(i) => poll_ready(traced_async(black_box(i)));
    /// [`traced_async_attrs`].
    traced_async_attrs_calls(i) =>
        poll_ready(traced_async_attrs(black_box(i as i64), black_box(USER), black_box(true)));
    /// [`traced_outer`].
    traced_nested_calls(i) => traced_outer(black_box(i));
    /// [`sdk_global`].
    sdk_global_calls(i) => sdk_global(black_box(i));
}

/// `n` calls of `call` with the bridge's subscriber current on this thread.
fn bridged(n: u64, call: fn(u64) -> u64) {
    tracing::dispatcher::with_default(bridge_dispatch(), || {
        for i in 0..n {
            black_box(call(black_box(i)));
        }
    });
}

/// [`bridged_span`], through the bridge.
#[inline(never)]
pub fn bridged_span_calls(n: u64) {
    bridged(n, bridged_span);
}

/// [`traced_with_event`], through the bridge.
#[inline(never)]
pub fn traced_event_calls(n: u64) {
    bridged(n, traced_with_event);
}

macro_rules! hand_calls {
    ($($(#[$doc:meta])* $name:ident($tracer:ident = $get:ident, $i:ident) => $call:expr;)*) => {$(
        $(#[$doc])*
        #[inline(never)]
        pub fn $name(n: u64) {
            let $tracer = $get();
            for $i in 0..n {
                black_box($call);
            }
        }
    )*};
}

hand_calls! {
    /// [`sdk_sync`].
    sdk_sync_calls(tracer = hand_tracer, i) => sdk_sync(tracer, black_box(i));
    /// [`sdk_attrs`].
    sdk_attrs_calls(tracer = hand_tracer, i) =>
        sdk_attrs(tracer, black_box(i as i64), black_box(USER), black_box(true));
    /// [`sdk_async`].
    sdk_async_calls(tracer = hand_tracer, i) => poll_ready(sdk_async(tracer, black_box(i)));
    /// [`sdk_async_attrs`].
    sdk_async_attrs_calls(tracer = hand_tracer, i) =>
        poll_ready(sdk_async_attrs(tracer, black_box(i as i64), black_box(USER), black_box(true)));
    /// [`sdk_outer`].
    sdk_nested_calls(tracer = hand_tracer, i) => sdk_outer(tracer, black_box(i));
    /// [`sdk_sync`] with a tracer from `global::tracer` (cached).
    global_sync_calls(tracer = global_hand_tracer, i) => sdk_sync(tracer, black_box(i));
    /// [`sdk_async`] with a tracer from `global::tracer` (cached).
    global_async_calls(tracer = global_hand_tracer, i) => poll_ready(sdk_async(tracer, black_box(i)));
    /// [`sdk_sync_end`] with a tracer from `global::tracer` (cached).
    global_sync_end_calls(tracer = global_hand_tracer, i) => sdk_sync_end(tracer, black_box(i));
    /// [`sdk_async_end`] with a tracer from `global::tracer` (cached).
    global_async_end_calls(tracer = global_hand_tracer, i) =>
        poll_ready(sdk_async_end(tracer, black_box(i)));
}

// ---- the same calls, as child spans ----------------------------------------------------------

/// Makes `calls(n)` with a span current, so that every span they start is its child. The
/// parent comes from the hand-written cases' tracer (the same provider) and is started and
/// ended outside `calls`, which is all callgrind.sh counts.
fn under_parent(n: u64, calls: fn(u64)) {
    let parent = hand_tracer().start("parent");
    let _attached = Context::current_with_span(parent).attach();
    calls(n);
}

macro_rules! children {
    ($($(#[$doc:meta])* $name:ident => $calls:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(n: u64) {
            under_parent(n, $calls);
        }
    )*};
}

children! {
    /// [`sdk_sync_calls`] under a parent span.
    sdk_sync_children => sdk_sync_calls;
    /// [`traced_sync_calls`] under a parent span.
    traced_sync_children => traced_sync_calls;
    /// [`sdk_async_calls`] under a parent span.
    sdk_async_children => sdk_async_calls;
    /// [`traced_async_calls`] under a parent span.
    traced_async_children => traced_async_calls;
    /// [`global_sync_calls`] under a parent span.
    global_sync_children => global_sync_calls;
    /// [`global_async_calls`] under a parent span.
    global_async_children => global_async_calls;
    /// [`global_sync_end_calls`] under a parent span.
    global_sync_end_children => global_sync_end_calls;
    /// [`global_async_end_calls`] under a parent span.
    global_async_end_children => global_async_end_calls;
}
