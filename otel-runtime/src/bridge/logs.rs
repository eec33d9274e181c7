//! Which log exporters the installed setup chose (`OTEL_LOGS_EXPORTER`): the layers of
//! [`tracing_layer`](super::tracing_layer) look here for each event, so a subscriber built before
//! `init()` writes where `init()` says.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether log lines go to the console (stderr).
static CONSOLE: AtomicBool = AtomicBool::new(false);

/// Whether the console log exporter is installed.
#[inline]
pub(super) fn console_installed() -> bool {
    CONSOLE.load(Ordering::Relaxed)
}

/// Installs (or removes) the console log exporter.
pub(crate) fn set_console(on: bool) {
    CONSOLE.store(on, Ordering::Relaxed);
}
