//! One-call setup: a tracer provider, a meter provider, their exporters and the propagators,
//! from code and the standard `OTEL_*` environment variables ([`crate::config`]), behind a guard
//! that flushes on drop.

mod builder;
mod console_writer;
mod guard;
#[cfg(feature = "tracing")]
mod logs;
mod metrics;
mod pipeline;

use std::fmt;
use std::time::Duration;

use opentelemetry::global;
use opentelemetry_sdk::trace::SdkTracerProvider;

pub use builder::{builder, Builder};
pub use guard::TracingGuard;
pub use metrics::set_meter_provider;

/// Why [`Builder::install`] failed: a setting given in code is invalid, or an exporter could not
/// be built. (Invalid *environment* values do not fail: they are reported and replaced.)
#[derive(Debug)]
pub struct SetupError(pub(super) String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// How long the guard waits for the last export at shutdown when no OTLP exporter sets a
/// longer bound (the SDK's own default).
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Sets tracing up from the environment alone (console output unless `OTEL_TRACES_EXPORTER`
/// says otherwise) and returns the guard that flushes on drop.
///
/// An invalid setting is reported on stderr and replaced by its default, so this cannot fail.
///
/// With the cargo feature `tracing` (default), it also installs a global `tracing` subscriber
/// carrying [`crate::tracing_layer`] (and forwards `log` records to it), unless one is installed
/// already: an application with a subscriber of its own installs it *before* this call (and
/// adds [`crate::tracing_layer`] to it), since `tracing` accepts one global subscriber per
/// process.
pub fn init() -> TracingGuard {
    builder().install_or_noop()
}

/// Installs `provider` as the global tracer provider, so `#[traced]` spans go to it.
pub fn set_tracer_provider(provider: SdkTracerProvider) {
    // `#[traced]` call sites then use this provider's tracers directly, not the boxed global.
    install_provider(provider);
}

/// Installs `provider` globally and returns its generation (see
/// [`crate::instrument::provider_generation`]).
pub(crate) fn install_provider(provider: SdkTracerProvider) -> u64 {
    global::set_tracer_provider(provider.clone());
    crate::instrument::sdk_provider_installed(provider)
}
