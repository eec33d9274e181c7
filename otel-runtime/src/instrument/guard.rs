//! Ending a span exactly once: on a normal completion, or on drop (an unwinding panic, a
//! cancelled future, a plain return).

use opentelemetry::trace::{Status, TraceContextExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use opentelemetry::{Context, ContextGuard, KeyValue};

use crate::warn;

/// Prints, once per process, that a client function's span ended with no request on it.
fn report_unsent_client_span() {
    static REPORTED: AtomicBool = AtomicBool::new(false);
    if !REPORTED.swap(true, Ordering::Relaxed) {
        warn::problem(format_args!(
            "a #[traced(kind = client)] function ended without recording a request: send it with \
             otel_runtime::TracedRequest::send_traced() or through a client wrapped in \
             otel_runtime::awc::TraceRequests, or it carries no trace context (reported once)"
        ));
    }
}

/// Attribute set on a span whose future was dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "otel.cancelled";

/// Ends the span held by a context exactly once: on [`SpanGuard::finish`] or, failing that, on
/// drop (as an unwinding panic, a cancelled future, or a plain return for sync functions).
#[doc(hidden)]
#[derive(Debug)]
pub struct SpanGuard {
    /// The context holding the span; without a span for a skipped one (then nothing is made
    /// current either).
    cx: Context,
    /// For a client function's span: whether a request was recorded on it.
    client_sent: Option<Arc<AtomicBool>>,
    /// Ended already, or nothing to end (a span that does not record, or none).
    ended: bool,
    drop_means_cancelled: bool,
}

impl SpanGuard {
    /// Guards the span of a future: dropping the guard before [`finish`](Self::finish) means the
    /// future was cancelled.
    pub fn future(cx: Context) -> Self {
        Self::new(cx, false, true)
    }

    /// Guards the span in `cx` (`ended`: nothing to end, such as a span that does not record).
    #[inline(always)]
    pub(crate) fn new(cx: Context, ended: bool, drop_means_cancelled: bool) -> Self {
        Self {
            cx,
            client_sent: None,
            ended,
            drop_means_cancelled,
        }
    }

    /// A guard with no span, for a call whose span was skipped ([`TracerCell::is_noop`]).
    #[inline]
    pub fn none() -> Self {
        Self {
            cx: Context::new(),
            client_sent: None,
            ended: true,
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
    #[inline]
    pub fn finish(&mut self) {
        if !self.ended {
            self.ended = true;
            self.cx.span().end();
            if let Some(sent) = &self.client_sent {
                if !sent.load(Ordering::Relaxed) {
                    report_unsent_client_span();
                }
            }
        }
    }

    /// Replaces the guarded context by what `f` makes of it (a marked copy).
    pub(crate) fn map_context(&mut self, f: impl FnOnce(Context) -> Context) {
        self.cx = f(std::mem::take(&mut self.cx));
    }

    /// Sets whether dropping the guard before [`finish`](Self::finish) means a cancelled
    /// future.
    #[inline(always)]
    pub(crate) fn drop_means_cancelled(&mut self, cancelled: bool) {
        self.drop_means_cancelled = cancelled;
    }

    /// The guarded context, the span left open (for glue that ends it itself).
    pub(crate) fn into_context(mut self) -> Context {
        self.ended = true;
        std::mem::take(&mut self.cx)
    }

    /// Watches a client function's span: ending it without a request recorded on it (the
    /// request was sent without `TracedRequest` or the awc middleware, so it carried no trace
    /// context) is reported once per process.
    pub(crate) fn expect_request(&mut self, sent: Arc<AtomicBool>) {
        self.client_sent = Some(sent);
    }

    /// Makes the guarded context current until the returned guard is dropped (nothing for a
    /// skipped span).
    #[inline(always)]
    pub(crate) fn attach(&self) -> Option<ContextGuard> {
        self.cx.has_active_span().then(|| self.cx.clone().attach())
    }
}

impl Drop for SpanGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        if std::thread::panicking() || self.drop_means_cancelled {
            self.record_unfinished();
        }
        self.finish();
    }
}

impl SpanGuard {
    /// Records why a span is ended by its guard's drop rather than by [`finish`](Self::finish):
    /// a panic unwinding, or a future dropped before it completed.
    #[cold]
    #[inline(never)]
    fn record_unfinished(&self) {
        let span = self.cx.span();
        if std::thread::panicking() {
            super::panic_capture::record_panic(&span);
        } else {
            span.set_attribute(KeyValue::new(CANCELLED_ATTRIBUTE, true));
            span.set_status(Status::error(
                "cancelled: the future was dropped before it completed",
            ));
        }
    }
}
