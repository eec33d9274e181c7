//! A span processor that exports each span as it ends, on the thread that ended it, and
//! forwards `force_flush` to its exporter (the SDK's `SimpleSpanProcessor` does not, which the
//! tree console form needs to print the traces still waiting for their root).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::value_limit::ValueLengthLimit;
use crate::recover::lock;

#[derive(Debug)]
pub(crate) struct ExportOnEnd<E> {
    exporter: Mutex<E>,
    value_limit: ValueLengthLimit,
}

impl<E: SpanExporter> ExportOnEnd<E> {
    pub(crate) fn new(exporter: E, value_limit: ValueLengthLimit) -> Self {
        Self {
            exporter: Mutex::new(exporter),
            value_limit,
        }
    }

    fn exporter(&self) -> MutexGuard<'_, E> {
        lock(&self.exporter)
    }
}

impl<E: SpanExporter> SpanProcessor for ExportOnEnd<E> {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, mut span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        self.value_limit.apply(&mut span);
        let exporter = self.exporter();
        // A console write that fails (closed stdout) has nowhere to be reported.
        let _ = futures_executor::block_on(exporter.export(vec![span]));
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.exporter().force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.exporter().shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.exporter().set_resource(resource);
    }
}
