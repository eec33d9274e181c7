//! Starting the span of a `#[traced]` function: its parent, its start, and the markers and
//! attributes the HTTP glue adds to it.

use std::borrow::Cow;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use opentelemetry::trace::{Link, SpanBuilder, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};

use super::guard::SpanGuard;
use super::tracer::TracerCell;

/// Where a new span takes its parent from.
#[doc(hidden)]
#[derive(Debug)]
pub enum Parent {
    /// The context current on this thread (the default).
    Current,
    /// An explicit context (extracted from a request, or given by the user).
    Context(Context),
}

/// A span just started for a `#[traced]` function: the context holding it, and whether it
/// records. One that does not (unsampled) is still made current, so that its children inherit
/// its context, but there is nothing to end or to record on it.
///
/// It is the guard that will end the span, not yet told whether a drop means a cancelled
/// future: turning it into that guard then costs nothing.
#[doc(hidden)]
#[derive(Debug)]
pub struct Started {
    guard: SpanGuard,
}

impl Started {
    /// The context holding the span.
    pub fn context(&self) -> &Context {
        self.guard.context()
    }

    /// Marks the span as a traced client function's CLIENT span ([`mark_client_span`]).
    pub fn client(mut self, named: bool) -> Self {
        let sent = Arc::new(AtomicBool::new(false));
        self.guard
            .map_context(|cx| mark_client_span(cx, named, Arc::clone(&sent)));
        self.guard.expect_request(sent);
        self
    }

    /// A span just started in `cx`; `recording` says whether it records.
    #[inline(always)]
    pub(crate) fn new(cx: Context, recording: bool) -> Self {
        Self {
            guard: SpanGuard::new(cx, !recording, false),
        }
    }

    /// The guard that ends the span (dropping it unfinished means a cancelled future when
    /// `drop_means_cancelled`).
    #[inline(always)]
    pub(crate) fn guard(self, drop_means_cancelled: bool) -> SpanGuard {
        let mut guard = self.guard;
        guard.drop_means_cancelled(drop_means_cancelled);
        guard
    }

    /// The context holding the span, for glue that ends the span itself.
    #[cfg_attr(
        not(any(feature = "actix-web", feature = "awc", feature = "reqwest")),
        allow(dead_code)
    )]
    pub(crate) fn into_context(self) -> Context {
        self.guard.into_context()
    }
}

/// Starts the span of a `#[traced]` function.
// Inlined into the traced function, so that the empty attribute and link vectors most spans
// have fold away; the rest is one non-generic function.
#[doc(hidden)]
#[inline(always)]
pub fn start_traced(
    cell: &TracerCell,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    parent: Parent,
    attributes: Vec<KeyValue>,
    links: Vec<Link>,
) -> Started {
    let builder = SpanBuilder {
        name: name.into(),
        span_kind: Some(kind),
        attributes: non_empty(attributes),
        links: non_empty(links),
        ..SpanBuilder::default()
    };
    start_built(cell, builder, parent)
}

/// `items` unless it is empty.
#[inline(always)]
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    if !items.is_empty() {
        Some(items)
    } else if items.capacity() == 0 {
        // Nothing to free: forgetting it spares the call to drop the elements of an empty
        // vector, which the compiler does not remove for `Vec::new()`.
        std::mem::forget(items);
        None
    } else {
        None
    }
}

/// A span just started, from what [`TracerCell::start`] returns.
#[inline(always)]
fn started((cx, recording): (Context, bool)) -> Started {
    Started::new(cx, recording)
}

/// Starts the span of `builder` under `parent`.
#[inline(always)]
fn start_built(cell: &TracerCell, builder: SpanBuilder, parent: Parent) -> Started {
    match parent {
        // Borrowed, not cloned: the new context takes what it needs from it.
        Parent::Current => Context::map_current(|parent| started(cell.start(builder, parent))),
        Parent::Context(parent) => started(cell.start(builder, &parent)),
    }
}

/// Starts a span and returns the context that holds it (for the HTTP glue).
#[cfg_attr(
    not(any(feature = "actix-web", feature = "awc", feature = "reqwest")),
    allow(dead_code)
)]
pub(crate) fn start_span(
    cell: &TracerCell,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    parent: Parent,
    attributes: Vec<KeyValue>,
) -> Context {
    start_traced(cell, name, kind, parent, attributes, Vec::new()).into_context()
}

/// Marks a context whose span is the CLIENT span of a `#[traced(kind = client)]` function, so
/// the HTTP client glue records the request on it instead of starting a span of its own.
#[doc(hidden)]
#[derive(Clone, Debug)]
#[cfg_attr(not(any(feature = "awc", feature = "reqwest")), allow(dead_code))]
pub(crate) struct ClientSpan {
    /// The marked span (a child context inherits the marker but has another span).
    pub(crate) span_id: opentelemetry::trace::SpanId,
    /// Whether the attribute named the span (then the glue keeps the name).
    pub(crate) named: bool,
    /// Set by the HTTP glue when it records a request on the span.
    pub(crate) sent: Arc<AtomicBool>,
}

/// Marks `cx` (from [`start_span`] with `SpanKind::Client`) as a traced client function's span.
#[doc(hidden)]
pub(super) fn mark_client_span(cx: Context, named: bool, sent: Arc<AtomicBool>) -> Context {
    let span_id = cx.span().span_context().span_id();
    cx.with_value(ClientSpan {
        span_id,
        named,
        sent,
    })
}

/// Marks a context whose span another party ends (the HTTP middleware's SERVER span, adopted
/// by a traced handler): a guard made by [`InScope::new`](super::InScope::new) leaves it open.
#[derive(Clone, Copy, Debug)]
struct MiddlewareOwned {
    span_id: opentelemetry::trace::SpanId,
}

/// Marks `cx` as holding a span that its creator ends, not the traced handler adopting it.
#[cfg_attr(not(feature = "actix-web"), allow(dead_code))]
pub(crate) fn mark_middleware_owned(cx: Context) -> Context {
    let span_id = cx.span().span_context().span_id();
    cx.with_value(MiddlewareOwned { span_id })
}

/// Whether the span of `cx` is ended by the party that marked it ([`mark_middleware_owned`]).
pub(crate) fn is_middleware_owned(cx: &Context) -> bool {
    cx.get::<MiddlewareOwned>()
        .is_some_and(|marker| marker.span_id == cx.span().span_context().span_id())
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
