//! The `tracing` bridge (feature `tracing`, on by default): `tracing` spans and `#[traced]` spans
//! in one trace, either way round, through `testing::capture()` (which installs the bridge) and
//! through an application's own subscriber with `otel_runtime::tracing_layer()`.

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing::is_child_of;
use otel_runtime::traced;
use tracing_subscriber::layer::SubscriberExt as _;

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key.as_str() == key)
        .map(|attribute| attribute.value.clone())
}

#[traced]
fn traced_outer() {
    let span = tracing::info_span!("tracing inner", item = 7);
    let _entered = span.enter();
    traced_leaf();
}

#[traced]
fn traced_leaf() {}

#[test]
fn a_tracing_span_inside_a_traced_function_is_its_child() {
    let capture = otel_runtime::testing::capture();
    traced_outer();
    capture.assert_trace(
        "
        traced_outer (INTERNAL)
          tracing inner (INTERNAL)
            traced_leaf (INTERNAL)
        ",
    );
    let outer = capture.span("traced_outer");
    let inner = capture.span("tracing inner");
    assert!(is_child_of(&inner, &outer));
    assert!(is_child_of(&capture.span("traced_leaf"), &inner));
    assert_eq!(attribute(&inner, "item"), Some(Value::I64(7)));
}

#[tracing::instrument]
fn instrumented(order: u32) {
    traced_inside(order);
}

#[traced]
fn traced_inside(order: u32) {
    let _ = order;
    tracing::info!("inside");
}

#[test]
fn a_traced_function_inside_a_tracing_span_is_its_child() {
    let capture = otel_runtime::testing::capture();
    instrumented(3);
    capture.assert_trace(
        "
        instrumented (INTERNAL)
          traced_inside (INTERNAL)
        ",
    );
    let outer = capture.span("instrumented");
    assert!(is_child_of(&capture.span("traced_inside"), &outer));
    // `#[instrument]` records arguments with `Debug`.
    assert_eq!(attribute(&outer, "order"), Some(Value::from("3")));
}

#[tracing::instrument]
async fn instrumented_async() -> u32 {
    traced_async().await
}

#[traced]
async fn traced_async() -> u32 {
    async {
        let span = tracing::info_span!("async inner");
        let _entered = span.enter();
        1
    }
    .await
}

#[test]
fn async_functions_make_one_tree_too() {
    let capture = otel_runtime::testing::capture();
    assert_eq!(actix_rt::System::new().block_on(instrumented_async()), 1);
    capture.assert_trace(
        "
        instrumented_async (INTERNAL)
          traced_async (INTERNAL)
            async inner (INTERNAL)
        ",
    );
}

#[test]
fn otel_fields_name_kind_and_status() {
    let capture = otel_runtime::testing::capture();
    tracing::info_span!(
        "raw name",
        otel.name = "GET /orders",
        otel.kind = "server",
        otel.status_code = "ERROR",
        otel.status_description = "upstream failed"
    )
    .in_scope(traced_leaf);
    let server = capture.span("GET /orders");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(
        server.status,
        Status::Error {
            description: "upstream failed".into()
        }
    );
    assert!(is_child_of(&capture.span("traced_leaf"), &server));
}

#[test]
fn an_application_subscriber_with_tracing_layer_joins_the_trace() {
    let capture = otel_runtime::testing::capture();
    // The application's own subscriber, current on this thread only (a test cannot own the
    // global default): spans go through `tracing_layer()` to the same provider.
    let subscriber = tracing_subscriber::registry().with(otel_runtime::tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("app span").in_scope(traced_outer);
    });
    capture.assert_trace(
        "
        app span (INTERNAL)
          traced_outer (INTERNAL)
            tracing inner (INTERNAL)
              traced_leaf (INTERNAL)
        ",
    );
}
