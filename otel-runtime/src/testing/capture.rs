//! [`capture`] (the spans started under it) and [`capture_all`] (every span of the process).

use std::fmt;
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use opentelemetry::{Context, ContextGuard};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData};

use super::router::{Router, ScopeId};
use super::shape::{assert_trace_shape, describe};
use crate::recover::lock;

/// Scoped captures share it; a process-wide capture takes it alone.
static EXCLUSIVE: RwLock<()> = RwLock::new(());

/// The provider every capture reads from, and the generation it was last installed in.
struct Shared {
    router: Router,
    provider: SdkTracerProvider,
    installed_in: Mutex<Option<u64>>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let router = Router::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(router.clone())
            .build();
        Shared {
            router,
            provider,
            installed_in: Mutex::new(None),
        }
    })
}

/// Makes the capture provider (and the default propagators) the installed ones, unless they
/// still are.
fn ensure_installed() -> &'static Shared {
    let shared = shared();
    let mut installed_in = lock(&shared.installed_in);
    if *installed_in != Some(crate::instrument::provider_generation()) {
        *installed_in = Some(crate::setup::install_provider(shared.provider.clone()));
        crate::propagation::install(crate::propagation::default_propagator());
    }
    #[cfg(feature = "tracing")]
    crate::bridge::install_default_subscriber();
    shared
}

/// The spans started under this capture (current on this thread while it lives), and the later
/// spans of their traces wherever they start (a server thread answering a request it sent).
/// Captures of parallel tests do not see each other's spans.
///
/// ```
/// use otel_runtime::traced;
///
/// #[traced]
/// fn work() {}
///
/// let capture = otel_runtime::testing::capture();
/// work();
/// assert_eq!(capture.span("work").name, "work");
/// ```
///
/// A span started outside it (on another thread, with no link to one of its traces) is not
/// seen: run that code under [`Capture::context`] (for a future, `.with_context(...)`), or use
/// [`capture_all`].
pub struct Capture {
    scope: ScopeId,
    cx: Context,
    // Detached before the scope closes (fields drop in order).
    _attached: ContextGuard,
    _shared: RwLockReadGuard<'static, ()>,
}

/// Starts a capture scoped to this thread's code from now on (see [`Capture`]).
pub fn capture() -> Capture {
    let exclusive = EXCLUSIVE
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let shared = ensure_installed();
    let scope = lock(&shared.router.0).open_scope();
    let cx = Context::current().with_value(scope);
    Capture {
        scope,
        _attached: cx.clone().attach(),
        cx,
        _shared: exclusive,
    }
}

impl Capture {
    /// Every span of this capture ended so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        lock(&shared().router.0).spans(Some(self.scope))
    }

    /// The only ended span named `name`.
    ///
    /// # Panics
    /// If there is no such span or more than one, listing the spans there are.
    pub fn span(&self, name: &str) -> SpanData {
        only_span(&self.spans(), name)
    }

    /// Forgets the spans ended so far.
    pub fn reset(&self) {
        lock(&shared().router.0).clear(Some(self.scope));
    }

    /// Asserts the shape of every span ended so far; see [`assert_trace_shape`].
    ///
    /// # Panics
    /// If the shapes differ, showing both.
    pub fn assert_trace(&self, expected: &str) {
        assert_trace_shape(&self.spans(), expected);
    }

    /// The context that scopes spans to this capture, for work started on another thread or
    /// task (`future.with_context(capture.context().clone())`).
    pub fn context(&self) -> &Context {
        &self.cx
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        lock(&shared().router.0).close_scope(self.scope);
    }
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capture")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Every span the process ends while it lives, whatever thread or trace it belongs to. It waits
/// for running [`capture`]s to end and holds others off until dropped, so the spans it sees are
/// only its test's.
///
/// ```
/// let capture = otel_runtime::testing::capture_all();
/// std::thread::spawn(|| {
///     #[otel_runtime::traced]
///     fn elsewhere() {}
///     elsewhere();
/// })
/// .join()
/// .expect("the thread ran");
/// assert_eq!(capture.span("elsewhere").name, "elsewhere");
/// ```
pub struct CaptureAll {
    _exclusive: RwLockWriteGuard<'static, ()>,
}

/// Starts capturing every span of the process (see [`CaptureAll`]).
pub fn capture_all() -> CaptureAll {
    let exclusive = EXCLUSIVE
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let shared = ensure_installed();
    lock(&shared.router.0).capture_all(true);
    CaptureAll {
        _exclusive: exclusive,
    }
}

impl CaptureAll {
    /// Every span ended so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        lock(&shared().router.0).spans(None)
    }

    /// The only ended span named `name`.
    ///
    /// # Panics
    /// If there is no such span or more than one, listing the spans there are.
    pub fn span(&self, name: &str) -> SpanData {
        only_span(&self.spans(), name)
    }

    /// Forgets the spans ended so far.
    pub fn reset(&self) {
        lock(&shared().router.0).clear(None);
    }

    /// Asserts the shape of every span ended so far; see [`assert_trace_shape`].
    ///
    /// # Panics
    /// If the shapes differ, showing both.
    pub fn assert_trace(&self, expected: &str) {
        assert_trace_shape(&self.spans(), expected);
    }
}

impl Drop for CaptureAll {
    fn drop(&mut self) {
        lock(&shared().router.0).capture_all(false);
    }
}

impl fmt::Debug for CaptureAll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureAll").finish_non_exhaustive()
    }
}

fn only_span(spans: &[SpanData], name: &str) -> SpanData {
    let mut matching = spans.iter().filter(|span| span.name == name);
    match (matching.next(), matching.next()) {
        (Some(span), None) => span.clone(),
        (first, _) => panic!(
            "expected exactly one span named {name:?}, found {}; spans: {}",
            if first.is_some() { "several" } else { "none" },
            describe(spans)
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use opentelemetry::global;
    use opentelemetry::trace::{TraceContextExt as _, Tracer as _};

    use super::*;

    #[test]
    fn parallel_captures_see_only_their_own_spans() {
        let both_live = Arc::new(Barrier::new(2));
        let threads: Vec<_> = ["left", "right"]
            .into_iter()
            .map(|name| {
                let both_live = Arc::clone(&both_live);
                std::thread::spawn(move || {
                    let capture = capture();
                    both_live.wait();
                    global::tracer("test").in_span(name, |_| {
                        global::tracer("test").in_span(format!("{name} child"), |_| {});
                    });
                    both_live.wait();
                    let names: Vec<String> = capture
                        .spans()
                        .iter()
                        .map(|span| span.name.to_string())
                        .collect();
                    assert_eq!(names, [format!("{name} child"), name.to_owned()]);
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("the capture's assertions held");
        }
    }

    #[test]
    fn a_span_of_another_thread_joins_through_its_trace() {
        let capture = capture();
        let tracer = global::tracer("test");
        tracer.in_span("local", |cx| {
            // Like a server thread continuing a trace from a propagated span context.
            let remote = cx.span().span_context().clone();
            std::thread::spawn(move || {
                let parent = Context::new().with_remote_span_context(remote);
                let _span = global::tracer("test").start_with_context("remote child", &parent);
            })
            .join()
            .expect("the thread ran");
        });
        let names: Vec<String> = capture.spans().iter().map(|s| s.name.to_string()).collect();
        assert_eq!(names, ["remote child", "local"]);
    }
}
