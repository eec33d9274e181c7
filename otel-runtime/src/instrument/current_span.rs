//! Adding to the current span from inside a traced function's body.

use std::borrow::Cow;

use opentelemetry::trace::{SpanContext, Status, TraceContextExt};
use opentelemetry::{Context, Key, KeyValue};

use super::attribute_value::AttributeValue;

/// The span current on this thread (inside a `#[traced]` body: that function's span).
///
/// ```
/// use otel_runtime::{current_span, traced};
///
/// #[traced]
/// fn checkout(items: &[u32]) {
///     let total: u32 = items.iter().sum();
///     current_span()
///         .set_attribute("order.total", total)
///         .add_event("priced", vec![opentelemetry::KeyValue::new("items", items.len() as i64)]);
/// }
/// # checkout(&[1, 2]);
/// ```
pub fn current_span() -> CurrentSpan {
    CurrentSpan {
        cx: Context::current(),
    }
}

/// A handle on the span that was current when [`current_span`] was called.
#[derive(Debug, Clone)]
pub struct CurrentSpan {
    cx: Context,
}

impl CurrentSpan {
    /// Sets an attribute (any key, any time before the span ends).
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl AttributeValue) -> &Self {
        self.cx
            .span()
            .set_attribute(KeyValue::new(key, value.attribute_value()));
        self
    }

    /// Adds an event with attributes.
    pub fn add_event(
        &self,
        name: impl Into<Cow<'static, str>>,
        attributes: Vec<KeyValue>,
    ) -> &Self {
        self.cx.span().add_event(name, attributes);
        self
    }

    /// Marks the span as failed by `error` (status Error, `exception` event, `error.type`).
    pub fn record_error<E: std::error::Error + ?Sized>(&self, error: &E) -> &Self {
        super::outcome::record_error::<E>(&self.cx, error.to_string());
        self
    }

    /// Sets the span's status.
    pub fn set_status(&self, status: Status) -> &Self {
        self.cx.span().set_status(status);
        self
    }

    /// The span's context: its ids, to log or to link to.
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// The whole context (span and baggage), to hand to work started elsewhere.
    pub fn context(&self) -> &Context {
        &self.cx
    }
}
