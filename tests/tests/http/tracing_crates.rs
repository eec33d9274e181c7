//! A third-party crate that makes `tracing` spans of its own, reqwest-tracing's middleware
//! (none of its opentelemetry features), under a `#[traced]` function: through the bridge its
//! CLIENT span is that function's child in the same trace, with its fields as attributes.

use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use otel_runtime::testing::is_child_of;
use otel_runtime::traced;
use reqwest_middleware::ClientBuilder;
use reqwest_tracing::TracingMiddleware;

use crate::support::{attribute, Receiver};

#[traced]
async fn list_orders(client: &reqwest_middleware::ClientWithMiddleware, url: &str) -> u16 {
    match client.get(url).send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

#[actix_rt::test]
async fn reqwest_tracing_spans_are_children_of_the_traced_function() {
    let capture = otel_runtime::testing::capture();
    let receiver = Receiver::start();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::default())
        .build();

    assert_eq!(list_orders(&client, &receiver.url("/orders")).await, 200);

    let traced = capture.span("list_orders");
    let spans = capture.spans();
    let request = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Client)
        .unwrap_or_else(|| panic!("reqwest-tracing's CLIENT span: {spans:#?}"));
    assert_eq!(request.name, "GET", "named by its otel.name field");
    assert!(is_child_of(request, &traced), "{spans:#?}");
    assert_eq!(
        attribute(request, "http.request.method"),
        Some(Value::from("GET"))
    );
    // reqwest-tracing records the status with `%` (Display): a string attribute.
    assert_eq!(
        attribute(request, "http.response.status_code"),
        Some(Value::from("200"))
    );
}
