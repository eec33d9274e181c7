//! Each `#[traced]` option, asserted through the spans it produces.

use std::fmt;

use opentelemetry::trace::{SpanContext, SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, Key, Value};
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing::{self, is_child_of, is_root};
use otel_runtime::{current_span, traced, FutureExt as _};

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| kv.value.clone())
}

fn event_attribute(span: &SpanData, event: &str, key: &str) -> Option<Value> {
    span.events
        .iter()
        .find(|e| e.name == event)?
        .attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| kv.value.clone())
}

#[derive(Debug)]
struct Order {
    id: u32,
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order #{}", self.id)
    }
}

#[traced(attributes(count, ratio, flag, label, ?order, shown = %order, order.id = order.id, "total.cents" = count * 100, kind_name = ?"x"))]
fn with_attributes(count: i64, ratio: f64, flag: bool, label: &str, order: &Order) -> usize {
    label.len()
}

#[test]
fn attributes_are_native_or_formatted_as_asked() {
    let capture = testing::capture();
    with_attributes(7, 0.5, true, "seven", &Order { id: 3 });
    let span = capture.span("with_attributes");
    assert_eq!(attribute(&span, "count"), Some(Value::I64(7)));
    assert_eq!(attribute(&span, "ratio"), Some(Value::F64(0.5)));
    assert_eq!(attribute(&span, "flag"), Some(Value::Bool(true)));
    assert_eq!(attribute(&span, "label"), Some("seven".into()));
    assert_eq!(attribute(&span, "order.id"), Some(Value::I64(3)));
    assert_eq!(attribute(&span, "total.cents"), Some(Value::I64(700)));
    assert_eq!(attribute(&span, "kind_name"), Some("\"x\"".into()));
    assert_eq!(attribute(&span, "order"), Some("Order { id: 3 }".into()));
    assert_eq!(attribute(&span, "shown"), Some("order #3".into()));
}

#[traced(attributes(?order))]
fn debug_only(order: Order) -> u32 {
    order.id
}

#[test]
fn debug_formatting() {
    let capture = testing::capture();
    assert_eq!(debug_only(Order { id: 9 }), 9);
    let span = capture.span("debug_only");
    assert_eq!(attribute(&span, "order"), Some("Order { id: 9 }".into()));
}

#[derive(Debug)]
struct Failure;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("it failed")
    }
}

impl std::error::Error for Failure {}

type Result<T> = std::result::Result<T, Failure>;

#[traced(err)]
fn fails(fail: bool) -> Result<u32> {
    if fail {
        Err(Failure)?;
    }
    Ok(1)
}

#[traced(err)]
fn boxed(fail: bool) -> std::result::Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    if fail {
        return Err("boxed failure".into());
    }
    Ok(2)
}

#[traced(err(Debug))]
async fn async_fails() -> std::result::Result<impl fmt::Display, Failure> {
    if true {
        return Err(Failure);
    }
    Ok(3)
}

#[test]
fn err_sets_status_event_and_error_type() {
    let capture = testing::capture();
    assert!(fails(true).is_err());
    let span = capture.span("fails");
    assert_eq!(span.status, Status::error("it failed"));
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        Some("it failed".into())
    );
    let type_name = std::any::type_name::<Failure>();
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        Some(type_name.into())
    );
    assert_eq!(attribute(&span, "error.type"), Some(type_name.into()));
    capture.reset();

    assert_eq!(fails(false).ok(), Some(1));
    let span = capture.span("fails");
    assert_eq!(span.status, Status::Unset);
    assert!(span.events.is_empty());
}

#[test]
fn err_with_boxed_dyn_error() {
    let capture = testing::capture();
    assert!(boxed(true).is_err());
    let span = capture.span("boxed");
    assert_eq!(span.status, Status::error("boxed failure"));
    assert_eq!(boxed(false).ok(), Some(2));
}

#[actix_rt::test]
async fn err_debug_on_an_async_fn_returning_impl_trait() {
    let capture = testing::capture();
    assert!(async_fails().await.is_err());
    let span = capture.span("async_fails");
    assert_eq!(span.status, Status::error("Failure"));
}

#[traced(ret)]
fn answer() -> u64 {
    42
}

#[traced(ret(Display), err)]
async fn ok_order(id: u32) -> std::result::Result<Order, Failure> {
    Ok(Order { id })
}

#[traced(ret(Debug))]
fn debug_return() -> Option<&'static str> {
    Some("x")
}

#[actix_rt::test]
async fn ret_records_the_value_or_the_ok_value() {
    let capture = testing::capture();
    answer();
    ok_order(5).await.ok();
    debug_return();
    let key = otel_runtime::RETURN_VALUE_ATTRIBUTE;
    assert_eq!(
        attribute(&capture.span("answer"), key),
        Some(Value::I64(42))
    );
    assert_eq!(
        attribute(&capture.span("ok_order"), key),
        Some("order #5".into())
    );
    assert_eq!(
        attribute(&capture.span("debug_return"), key),
        Some("Some(\"x\")".into())
    );
}

#[traced(parent = parent_cx)]
fn child_of_context(parent_cx: &Context) {}

#[traced(parent = remote.clone())]
fn child_of_span_context(remote: &SpanContext) {}

#[traced(parent = None::<Context>)]
fn none_parent() {}

#[traced(root)]
fn forced_root() {}

#[traced(links(first, second.clone()))]
fn linked(first: &SpanContext, second: &SpanContext) {}

#[traced]
fn outer_for_parents() -> SpanContext {
    let here = current_span().span_context();
    forced_root();
    none_parent();
    here
}

#[test]
fn parent_root_and_links() {
    let capture = testing::capture();
    let outer = outer_for_parents();
    let outer_span = capture.span("outer_for_parents");
    assert!(is_root(&capture.span("forced_root")));
    assert_ne!(
        capture.span("forced_root").span_context.trace_id(),
        outer.trace_id()
    );
    assert!(is_root(&capture.span("none_parent")));

    let remote = SpanContext::new(
        outer.trace_id(),
        outer.span_id(),
        outer.trace_flags(),
        true,
        Default::default(),
    );
    let cx = Context::new().with_remote_span_context(remote);
    child_of_context(&cx);
    assert!(is_child_of(&capture.span("child_of_context"), &outer_span));
    assert!(capture.span("child_of_context").parent_span_is_remote);

    let local = SpanContext::new(
        outer.trace_id(),
        outer.span_id(),
        outer.trace_flags(),
        false,
        Default::default(),
    );
    child_of_span_context(&local);
    let child = capture.span("child_of_span_context");
    assert!(is_child_of(&child, &outer_span));
    assert!(!child.parent_span_is_remote);

    let other = capture.span("forced_root").span_context.clone();
    linked(&outer, &other);
    let span = capture.span("linked");
    let linked_ids: Vec<_> = span
        .links
        .iter()
        .map(|link| link.span_context.span_id())
        .collect();
    assert_eq!(linked_ids, vec![outer.span_id(), other.span_id()]);
}

#[traced]
fn adds_later(items: &[u32]) {
    let total: u32 = items.iter().sum();
    current_span()
        .set_attribute("order.total", total)
        .add_event(
            "priced",
            vec![opentelemetry::KeyValue::new("items", items.len() as i64)],
        )
        .record_error(&Failure);
}

#[test]
fn the_body_adds_attributes_and_events_to_its_span() {
    let capture = testing::capture();
    adds_later(&[1, 2, 3]);
    let span = capture.span("adds_later");
    assert_eq!(attribute(&span, "order.total"), Some(Value::I64(6)));
    assert_eq!(
        event_attribute(&span, "priced", "items"),
        Some(Value::I64(3))
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        Some("it failed".into())
    );
    assert!(matches!(span.status, Status::Error { .. }));
}

#[traced(code)]
fn with_code() {}

#[test]
fn code_attributes() {
    let capture = testing::capture();
    with_code();
    let span = capture.span("with_code");
    assert_eq!(
        attribute(&span, "code.function.name"),
        Some("macros::macro_options::with_code".into())
    );
    assert_eq!(
        attribute(&span, "code.file.path"),
        Some("tests/tests/macros/macro_options.rs".into())
    );
    assert!(matches!(attribute(&span, "code.line.number"), Some(Value::I64(line)) if line > 0));
}

#[traced]
fn no_code_by_default() {}

#[test]
fn nothing_is_recorded_by_default() {
    let capture = testing::capture();
    no_code_by_default();
    assert!(capture.span("no_code_by_default").attributes.is_empty());
}

mod reexported {
    /// A crate re-exporting the runtime under another path.
    pub mod telemetry {
        pub use otel_runtime::*;
    }
}

#[otel_runtime::traced(crate = reexported::telemetry)]
fn through_reexport() {}

#[test]
fn crate_override() {
    let capture = testing::capture();
    through_reexport();
    assert_eq!(
        capture.span("through_reexport").span_kind,
        SpanKind::Internal
    );
}

#[traced]
fn panics_sync() {
    panic!("boom");
}

#[traced]
async fn panics_async() {
    actix_rt::task::yield_now().await;
    panic!("async boom");
}

#[test]
fn a_panic_ends_the_span_with_an_exception_then_unwinds() {
    let capture = testing::capture();
    let unwound = std::panic::catch_unwind(panics_sync);
    assert!(unwound.is_err(), "the panic goes on unwinding");
    let span = capture.span("panics_sync");
    assert!(
        matches!(&span.status, Status::Error { description } if description.starts_with("boom"))
    );
    let message = event_attribute(&span, "exception", "exception.message").expect("message");
    assert!(
        message
            .as_str()
            .starts_with("boom (at tests/tests/macros/macro_options.rs:"),
        "{message:?}"
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        Some("panic".into())
    );
}

#[test]
fn a_panic_in_an_async_fn_is_recorded_too() {
    let capture = testing::capture();
    let unwound = std::panic::catch_unwind(|| actix_rt::System::new().block_on(panics_async()));
    assert!(unwound.is_err());
    let span = capture.span("panics_async");
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        Some("panic".into())
    );
    assert_eq!(capture.spans().len(), 1, "ended once");
}

#[traced]
async fn spawned_child() {}

#[traced]
async fn spawns_on_actix() {
    actix_rt::spawn(spawned_child().with_current_context())
        .await
        .ok();
}

#[traced]
async fn spawns_on_tokio() {
    tokio::spawn(spawned_child().with_current_context())
        .await
        .ok();
}

#[actix_rt::test]
async fn spawned_tasks_carry_the_span() {
    let capture = testing::capture();
    spawns_on_actix().await;
    let children: Vec<_> = capture
        .spans()
        .into_iter()
        .filter(|s| s.name == "spawned_child")
        .collect();
    assert!(is_child_of(&children[0], &capture.span("spawns_on_actix")));
}

#[test]
fn spawned_tokio_tasks_carry_the_span() {
    let capture = testing::capture();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    runtime.block_on(spawns_on_tokio());
    drop(runtime);
    assert!(is_child_of(
        &capture.span("spawned_child"),
        &capture.span("spawns_on_tokio")
    ));
}
