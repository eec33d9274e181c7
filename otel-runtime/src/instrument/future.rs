//! Futures that keep their span current on every poll: [`InScope`] hands the open span back
//! with the output, [`Instrumented`] ends it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::Context;

use super::guard::SpanGuard;
use super::span::{is_middleware_owned, Started};

pin_project_lite::pin_project! {
    /// A future that runs with its span current on every poll and ends the span when it
    /// completes (or marks it cancelled if dropped first): what [`InScope`] does, finishing the
    /// span itself instead of handing it back with the output.
    #[doc(hidden)]
    pub struct Instrumented<F> {
        #[pin]
        inner: F,
        // Dropped before completion, it marks the span cancelled and ends it.
        guard: SpanGuard,
    }
}

impl<F> Instrumented<F> {
    /// Wraps `inner` so that the span just started is current while it runs and ends with it;
    /// `None` (a skipped span) only runs `inner`.
    #[inline(always)]
    pub fn optional(started: Option<Started>, inner: F) -> Self {
        Self {
            inner,
            guard: started.map_or_else(SpanGuard::none, |started| started.guard(true)),
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let attached = this.guard.attach();
        let poll = this.inner.poll(task);
        drop(attached);
        if poll.is_ready() {
            this.guard.finish();
        }
        poll
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
        // An adopted span (an HTTP middleware's) is ended by its owner.
        let owned_elsewhere = is_middleware_owned(&cx);
        Self {
            inner,
            guard: Some(SpanGuard::new(cx, owned_elsewhere, true)),
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
