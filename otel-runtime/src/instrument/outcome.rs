//! Recording what a traced function returned: its `Err` (with `err`) and its value (with `ret`).

use std::fmt;

use opentelemetry::trace::{SpanRef, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, EXCEPTION_MESSAGE, EXCEPTION_TYPE,
};

/// The attribute `ret` records the returned value under.
pub const RETURN_VALUE_ATTRIBUTE: &str = "code.return.value";

/// Marks the span of `cx` as failed with an error of type `E`: status Error with `message` as
/// description, an `exception` event and `error.type`.
pub(crate) fn record_error<E: ?Sized>(cx: &Context, message: String) {
    record_exception(&cx.span(), std::any::type_name::<E>(), message);
}

/// Marks `span` as failed: status Error with `message` as description, an `exception` event
/// (`exception.message`, `exception.type` = `type_name`) and `error.type` = `type_name`.
pub(crate) fn record_exception(span: &SpanRef<'_>, type_name: &'static str, message: String) {
    span.add_event(
        "exception",
        vec![
            KeyValue::new(EXCEPTION_MESSAGE, message.clone()),
            KeyValue::new(EXCEPTION_TYPE, type_name),
        ],
    );
    span.set_attribute(KeyValue::new(ERROR_TYPE, type_name));
    span.set_status(Status::error(message));
}

/// What `err` can inspect: a `Result` (under any alias).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`err` needs a function returning a `Result`, but it returns `{Self}`",
    label = "not a `Result`",
    note = "remove `err`, or return a `Result` whose error implements `Display` (or `Debug` with `err(Debug)`)"
)]
pub trait Fallible {
    /// The error type.
    type Error;
    /// The error, if this is one.
    fn error(&self) -> Option<&Self::Error>;
}

impl<T, E> Fallible for Result<T, E> {
    type Error = E;

    fn error(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// For `err`: records an `Err` with its `Display` form.
#[doc(hidden)]
pub fn record_err_display<R>(cx: &Context, result: &R)
where
    R: Fallible,
    R::Error: fmt::Display,
{
    if let Some(error) = result.error() {
        record_error::<R::Error>(cx, error.to_string());
    }
}

/// For `err(Debug)`: records an `Err` with its `Debug` form.
#[doc(hidden)]
pub fn record_err_debug<R>(cx: &Context, result: &R)
where
    R: Fallible,
    R::Error: fmt::Debug,
{
    if let Some(error) = result.error() {
        record_error::<R::Error>(cx, format!("{error:?}"));
    }
}

/// Records the returned value as [`RETURN_VALUE_ATTRIBUTE`].
#[doc(hidden)]
pub fn record_return(cx: &Context, value: Value) {
    cx.span()
        .set_attribute(KeyValue::new(RETURN_VALUE_ATTRIBUTE, value));
}
