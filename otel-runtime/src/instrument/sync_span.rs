//! [`SyncSpan`]: the span of a synchronous `#[traced]` function, current while the call runs.

use opentelemetry::ContextGuard;

use super::guard::SpanGuard;
use super::span::Started;

/// The span of a synchronous function: current on this thread while the value lives, ended
/// (as a return, or as a panic while unwinding) when it is dropped.
#[doc(hidden)]
#[derive(Debug)]
pub struct SyncSpan(Option<Entered>);

#[derive(Debug)]
struct Entered {
    // Fields drop in order: the context is detached before the span ends.
    _attached: ContextGuard,
    guard: SpanGuard,
}

impl SyncSpan {
    /// Makes the span just started current.
    // Inlined, like the start and the drop, into the traced function: the guard is then built
    // in place and the calls between these small steps disappear.
    #[inline(always)]
    pub fn enter(started: Started) -> Self {
        Self(Some(Entered {
            _attached: started.context().clone().attach(),
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
