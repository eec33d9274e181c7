//! Records a panic that unwinds through a traced function on that function's span.
//!
//! A `Drop` guard sees only that the thread is panicking, not why. A panic hook, chained in front
//! of whatever hook was installed before, keeps the message of the latest panic on this thread so
//! the guard can put it on the span's `exception` event.

use std::cell::RefCell;
use std::sync::Once;

use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, EXCEPTION_MESSAGE, EXCEPTION_TYPE,
};

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
            let message = if let Some(text) = info.payload().downcast_ref::<&str>() {
                (*text).to_owned()
            } else if let Some(text) = info.payload().downcast_ref::<String>() {
                text.clone()
            } else {
                "Box<dyn Any>".to_owned()
            };
            let message = match info.location() {
                Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
                None => message,
            };
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
            previous(info);
        }));
    });
}

/// Marks `span` as ended by a panic: status Error, an `exception` event and `error.type`.
pub(crate) fn record_panic(span: &SpanRef<'_>) {
    let message = LAST_PANIC
        .with(|last| last.borrow().clone())
        .unwrap_or_else(|| "panic".to_owned());
    span.add_event(
        "exception",
        vec![
            KeyValue::new(EXCEPTION_MESSAGE, message.clone()),
            KeyValue::new(EXCEPTION_TYPE, PANIC_EXCEPTION_TYPE),
        ],
    );
    span.set_attribute(KeyValue::new(ERROR_TYPE, PANIC_EXCEPTION_TYPE));
    span.set_status(Status::error(message));
}
