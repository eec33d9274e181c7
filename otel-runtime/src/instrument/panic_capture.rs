//! Records a panic that unwinds through a traced function on that function's span.
//!
//! A `Drop` guard sees only that the thread is panicking, not why. A panic hook, chained in front
//! of whatever hook was installed before, keeps the message of the latest panic on this thread so
//! the guard can put it on the span's `exception` event.

use std::cell::RefCell;
use std::sync::Once;

use opentelemetry::trace::SpanRef;

use super::outcome::record_exception;
use crate::recover::panic_message;

/// `exception.type` recorded for a panic.
pub const PANIC_EXCEPTION_TYPE: &str = "panic";

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the capturing hook once per process; the previous hook still runs after it.
pub(crate) fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = panic_message(info.payload()).to_owned();
            let message = match info.location() {
                Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
                None => message,
            };
            // During thread teardown the slot may be gone: the message is then simply not kept
            // (a panic here would abort the process).
            let _ = LAST_PANIC.try_with(|last| {
                if let Ok(mut last) = last.try_borrow_mut() {
                    *last = Some(message);
                }
            });
            previous(info);
        }));
    });
}

/// Marks `span` as ended by a panic: status Error, an `exception` event and `error.type`.
pub(crate) fn record_panic(span: &SpanRef<'_>) {
    let message = LAST_PANIC
        .try_with(|last| last.try_borrow().ok().and_then(|last| last.clone()))
        .ok()
        .flatten()
        .unwrap_or_else(|| "panic".to_owned());
    record_exception(span, PANIC_EXCEPTION_TYPE, message);
}
