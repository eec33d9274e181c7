//! `#[traced]` on each function shape: the span's name, kind and parent, and that it ends once.

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Waker};

use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Key, Value};
use otel_runtime::testing::{self, is_child_of, is_root};
use otel_runtime::traced;

#[traced]
fn sync_leaf() -> u32 {
    7
}

#[traced]
fn sync_parent() -> u32 {
    sync_leaf() + 1
}

#[traced(name = "renamed", kind = producer)]
fn named_producer() {}

#[traced]
fn early_return(flag: bool) -> &'static str {
    if flag {
        return "early";
    }
    "late"
}

#[traced]
async fn async_leaf(value: u32) -> u32 {
    value * 2
}

#[traced(kind = consumer)]
async fn async_parent() -> u32 {
    let first = async_leaf(1).await;
    actix_rt::task::yield_now().await;
    first + async_leaf(2).await
}

#[traced]
async fn pending_forever() {
    std::future::pending::<()>().await;
}

/// Keeps the context current in its body (its own span) beyond the call, as a spawned task or a
/// stored `current_span()` handle does.
#[traced]
fn hands_out_its_context() -> opentelemetry::Context {
    opentelemetry::Context::current()
}

#[traced]
async fn hands_out_its_context_async() -> opentelemetry::Context {
    opentelemetry::Context::current()
}

#[traced]
fn generic_sum<T, I>(items: I) -> T
where
    T: std::iter::Sum<T>,
    I: IntoIterator<Item = T>,
{
    items.into_iter().sum()
}

struct Counter {
    count: u32,
}

impl Counter {
    #[traced]
    fn get(&self) -> u32 {
        self.count
    }

    #[traced]
    fn bump(&mut self) -> u32 {
        self.count += 1;
        self.count
    }

    #[traced]
    fn into_count(self) -> u32 {
        self.count
    }

    #[traced]
    async fn get_later(&self) -> u32 {
        self.count
    }
}

fn poll_ready<F: Future>(future: F) -> F::Output {
    let mut task = TaskContext::from_waker(Waker::noop());
    match pin!(future).poll(&mut task) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("should complete at once"),
    }
}

fn attribute(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| kv.value.clone())
}

#[test]
fn sync_functions_nest() {
    let capture = testing::capture();
    assert_eq!(sync_parent(), 8);
    let parent = capture.span("sync_parent");
    let leaf = capture.span("sync_leaf");
    assert_eq!(parent.span_kind, SpanKind::Internal);
    assert!(is_root(&parent));
    assert!(is_child_of(&leaf, &parent));
    assert_eq!(capture.spans().len(), 2);
}

#[test]
fn name_and_kind_options() {
    let capture = testing::capture();
    named_producer();
    let span = capture.span("renamed");
    assert_eq!(span.span_kind, SpanKind::Producer);
}

#[test]
fn early_return_ends_the_span_once() {
    let capture = testing::capture();
    assert_eq!(early_return(true), "early");
    assert_eq!(early_return(false), "late");
    let spans = capture.spans();
    assert_eq!(spans.len(), 2);
    assert!(spans
        .iter()
        .all(|span| span.name == "early_return" && span.status == Status::Unset));
}

#[actix_rt::test]
async fn async_functions_nest_across_awaits() {
    let capture = testing::capture();
    assert_eq!(async_parent().await, 6);
    let parent = capture.span("async_parent");
    assert_eq!(parent.span_kind, SpanKind::Consumer);
    let leaves: Vec<_> = capture
        .spans()
        .into_iter()
        .filter(|span| span.name == "async_leaf")
        .collect();
    assert_eq!(leaves.len(), 2);
    assert!(leaves.iter().all(|leaf| is_child_of(leaf, &parent)));
}

/// The span ends when the function returns, as `Tracer::in_span` documents, not when the last
/// copy of its context is dropped: work that kept the context (a task spawned with it, a
/// stored handle) neither stretches the span's duration nor holds it back from export.
#[test]
fn the_span_ends_at_return_while_its_context_lives_on() {
    let capture = testing::capture();
    let kept = hands_out_its_context();
    let kept_async = poll_ready(hands_out_its_context_async());
    assert!(kept.has_active_span() && kept_async.has_active_span());
    let sync_span = capture.span("hands_out_its_context");
    let async_span = capture.span("hands_out_its_context_async");
    assert_eq!(kept.span().span_context(), &sync_span.span_context);
    assert_eq!(kept_async.span().span_context(), &async_span.span_context);
    // Ended once: dropping the last copies adds nothing.
    drop((kept, kept_async));
    assert_eq!(capture.spans().len(), 2);
}

#[test]
fn a_dropped_future_ends_its_span_as_cancelled() {
    let capture = testing::capture();
    {
        let mut future = pin!(pending_forever());
        let mut task = TaskContext::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut task).is_pending());
    }
    let span = capture.span("pending_forever");
    assert_eq!(
        attribute(&span, otel_runtime::CANCELLED_ATTRIBUTE),
        Some(true.into())
    );
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(capture.spans().len(), 1);
}

#[test]
fn a_future_never_polled_makes_no_span() {
    let capture = testing::capture();
    drop(pending_forever());
    assert!(capture.spans().is_empty());
}

#[test]
fn generic_functions_with_where_clauses() {
    let capture = testing::capture();
    assert_eq!(generic_sum(vec![1, 2, 3]), 6);
    assert_eq!(generic_sum([1.5_f64, 2.5]), 4.0);
    let spans = capture.spans();
    assert_eq!(spans.len(), 2);
    assert!(spans.iter().all(|span| span.name == "generic_sum"));
}

#[actix_rt::test]
async fn methods_with_every_receiver() {
    let capture = testing::capture();
    let mut counter = Counter { count: 1 };
    assert_eq!(counter.get(), 1);
    assert_eq!(counter.bump(), 2);
    assert_eq!(counter.get_later().await, 2);
    assert_eq!(counter.into_count(), 2);
    let names: Vec<_> = capture
        .spans()
        .iter()
        .map(|span| span.name.to_string())
        .collect();
    assert_eq!(names, ["get", "bump", "get_later", "into_count"]);
}

#[test]
fn spans_go_to_a_provider_installed_by_hand() {
    // Replaces the global provider: alone, while no other capture runs.
    let _alone = testing::capture_all();
    let exporter = otel_runtime::InMemoryExporter::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    otel_runtime::set_tracer_provider(provider);
    sync_leaf();
    let spans = exporter.finished_spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "sync_leaf");
}
