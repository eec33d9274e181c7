//! The tracer behind the `tracing` layer: it follows the installed provider, as `#[traced]` call
//! sites do, so `init()`, `set_tracer_provider` and `testing::capture()` take effect without
//! rebuilding the application's subscriber.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{Span, SpanBuilder, SpanContext, Status, Tracer};
use opentelemetry::{Context, KeyValue};

use crate::instrument::{CellSpan, TracerCell};

/// The instrumentation scope of `tracing` spans: the bridge that turns them into spans.
const SCOPE_NAME: &str = "tracing-opentelemetry";
const SCOPE_VERSION: &str = "0.34";

/// A tracer that builds each span with the provider installed at that moment.
#[derive(Debug)]
pub(crate) struct ProviderTracer {
    cell: TracerCell,
}

impl ProviderTracer {
    pub(crate) const fn new() -> Self {
        Self {
            cell: TracerCell::new(SCOPE_NAME, SCOPE_VERSION),
        }
    }
}

impl Tracer for ProviderTracer {
    type Span = CellSpan;

    fn build_with_context(&self, builder: SpanBuilder, parent: &Context) -> CellSpan {
        // Spans made while telemetry is suppressed never get here (see `filter`).
        self.cell.build(builder, parent)
    }
}

impl Span for CellSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        match self {
            Self::Sdk(span) => span.add_event_with_timestamp(name, timestamp, attributes),
            Self::Global(span) => span.add_event_with_timestamp(name, timestamp, attributes),
        }
    }

    fn span_context(&self) -> &SpanContext {
        match self {
            Self::Sdk(span) => span.span_context(),
            Self::Global(span) => span.span_context(),
        }
    }

    fn is_recording(&self) -> bool {
        match self {
            Self::Sdk(span) => span.is_recording(),
            Self::Global(span) => span.is_recording(),
        }
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        match self {
            Self::Sdk(span) => span.set_attribute(attribute),
            Self::Global(span) => span.set_attribute(attribute),
        }
    }

    fn set_status(&mut self, status: Status) {
        match self {
            Self::Sdk(span) => span.set_status(status),
            Self::Global(span) => span.set_status(status),
        }
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        match self {
            Self::Sdk(span) => span.update_name(new_name),
            Self::Global(span) => span.update_name(new_name),
        }
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        match self {
            Self::Sdk(span) => span.add_link(span_context, attributes),
            Self::Global(span) => span.add_link(span_context, attributes),
        }
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        match self {
            Self::Sdk(span) => span.end_with_timestamp(timestamp),
            Self::Global(span) => span.end_with_timestamp(timestamp),
        }
    }
}
