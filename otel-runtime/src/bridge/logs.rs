//! Where log records go (`OTEL_LOGS_EXPORTER`), as the installed setup chose: the layers of
//! [`tracing_layer`](super::tracing_layer) look here for each event, so a subscriber built before
//! `init()` writes where `init()` says, and stops when its guard is dropped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{self, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Whether log lines go to the console (stderr).
static CONSOLE: AtomicBool = AtomicBool::new(false);

/// opentelemetry-appender-tracing over the installed logger provider (OTLP).
type Appender = OpenTelemetryTracingBridge<SdkLoggerProvider, SdkLogger>;

/// The installed log exporters: which installation they belong to, and the OTLP exporter's
/// appender if there is one (`OTLP_ON` says so without the lock).
static INSTALLED: RwLock<Installed> = RwLock::new(Installed {
    installation: 0,
    appender: None,
});
static OTLP_ON: AtomicBool = AtomicBool::new(false);

struct Installed {
    installation: u64,
    appender: Option<Appender>,
}

/// Whether the console log exporter is installed.
#[inline]
pub(super) fn console_installed() -> bool {
    CONSOLE.load(Ordering::Relaxed)
}

/// Sends log records to the console (stderr) if `console`, and to `provider` (OTLP) if given,
/// from now on, instead of where they went; returns this installation, for [`uninstall`].
pub(crate) fn install(console: bool, provider: Option<&SdkLoggerProvider>) -> u64 {
    let appender = provider.map(OpenTelemetryTracingBridge::new);
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    installed.installation += 1;
    CONSOLE.store(console, Ordering::Relaxed);
    OTLP_ON.store(appender.is_some(), Ordering::Relaxed);
    installed.appender = appender;
    installed.installation
}

/// Stops sending log records anywhere, unless another installation replaced `installation`
/// (a guard dropped after a newer setup leaves the newer one's exporters alone).
pub(crate) fn uninstall(installation: u64) {
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    if installed.installation == installation {
        CONSOLE.store(false, Ordering::Relaxed);
        OTLP_ON.store(false, Ordering::Relaxed);
        installed.appender = None;
    }
}

/// Hands each event to the installed logger provider (opentelemetry-appender-tracing makes the
/// log record: severity, body, fields as attributes; the SDK adds the current trace and span
/// ids). The provider's batch processor exports it on its own thread.
#[derive(Debug, Clone, Copy)]
pub(super) struct OtlpLogs;

impl<S> Layer<S> for OtlpLogs
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_event(&self, event: &Event<'_>, ctx: layer::Context<'_, S>) {
        if !OTLP_ON.load(Ordering::Relaxed) {
            return;
        }
        let installed = INSTALLED.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(appender) = &installed.appender {
            appender.on_event(event, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The only test of this binary that installs log exporters.
    #[test]
    fn a_guard_dropped_after_a_newer_setup_leaves_its_exporters_alone() {
        let first = install(true, None);
        let second = install(true, None);
        uninstall(first);
        assert!(console_installed(), "the newer setup's console stays");
        uninstall(second);
        assert!(!console_installed());
    }
}
