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

/// The OTLP log exporter's appender, while one is installed; `OTLP_ON` says so without the
/// lock.
static OTLP: RwLock<Option<Appender>> = RwLock::new(None);
static OTLP_ON: AtomicBool = AtomicBool::new(false);

/// Whether the console log exporter is installed.
#[inline]
pub(super) fn console_installed() -> bool {
    CONSOLE.load(Ordering::Relaxed)
}

/// Installs (or removes) the console log exporter.
pub(crate) fn set_console(on: bool) {
    CONSOLE.store(on, Ordering::Relaxed);
}

/// Sends log records to `provider` (OTLP) from now on, or nowhere with `None`.
pub(crate) fn set_provider(provider: Option<&SdkLoggerProvider>) {
    let appender = provider.map(OpenTelemetryTracingBridge::new);
    let mut slot = OTLP.write().unwrap_or_else(PoisonError::into_inner);
    OTLP_ON.store(appender.is_some(), Ordering::Relaxed);
    *slot = appender;
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
        let slot = OTLP.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(appender) = slot.as_ref() {
            appender.on_event(event, ctx);
        }
    }
}
