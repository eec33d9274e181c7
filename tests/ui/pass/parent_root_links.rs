use opentelemetry::trace::SpanContext;
use opentelemetry::Context;
use otel_runtime::traced;

#[traced(parent = cx)]
fn with_context(cx: &Context) {}

#[traced(parent = span.clone())]
fn with_span_context(span: &SpanContext) {}

#[traced(parent = None::<SpanContext>)]
fn with_none() {}

#[traced(root, links(first, Context::current()))]
async fn linked_root(first: &SpanContext) {}

fn main() {
    with_context(&Context::current());
    with_span_context(&SpanContext::empty_context());
    with_none();
    drop(linked_root(&SpanContext::empty_context()));
}
