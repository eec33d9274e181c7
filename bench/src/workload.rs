//! The functions under test, in pairs: `#[traced]` and the hand-written SDK code doing the same
//! (same provider, span name, kind and attributes), plus the plain function without a span.
//! Each `*_calls(n)` function makes `n` calls, for [`crate::measure::Case`].

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context as TaskContext, Poll, Waker};

use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
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

static HAND_TRACER: Mutex<Option<SdkTracer>> = Mutex::new(None);

/// Makes the hand-written cases use `provider`'s tracer (cached, as a careful person would).
pub fn use_provider(provider: &SdkTracerProvider) {
    *HAND_TRACER.lock().unwrap() = Some(provider.tracer("bench"));
}

fn hand_tracer() -> SdkTracer {
    HAND_TRACER
        .lock()
        .unwrap()
        .clone()
        .expect("use_provider() before the hand-written cases")
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

// ---- the SDK by hand -------------------------------------------------------------------------

/// A span, no attributes: `in_span` on a cached tracer.
#[inline(never)]
pub fn sdk_sync(tracer: &SdkTracer, x: u64) -> u64 {
    tracer.in_span("sdk_sync", |_| work(x))
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
pub async fn sdk_async(tracer: &SdkTracer, x: u64) -> u64 {
    let cx = Context::current_with_span(tracer.start("sdk_async"));
    async move { work(x) }.with_context(cx).await
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

macro_rules! hand_calls {
    ($($(#[$doc:meta])* $name:ident($tracer:ident, $i:ident) => $call:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(n: u64) {
            let $tracer = &hand_tracer();
            for $i in 0..n {
                black_box($call);
            }
        }
    )*};
}

hand_calls! {
    /// [`sdk_sync`].
    sdk_sync_calls(tracer, i) => sdk_sync(tracer, black_box(i));
    /// [`sdk_attrs`].
    sdk_attrs_calls(tracer, i) =>
        sdk_attrs(tracer, black_box(i as i64), black_box(USER), black_box(true));
    /// [`sdk_async`].
    sdk_async_calls(tracer, i) => poll_ready(sdk_async(tracer, black_box(i)));
    /// [`sdk_async_attrs`].
    sdk_async_attrs_calls(tracer, i) =>
        poll_ready(sdk_async_attrs(tracer, black_box(i as i64), black_box(USER), black_box(true)));
    /// [`sdk_outer`].
    sdk_nested_calls(tracer, i) => sdk_outer(tracer, black_box(i));
}
