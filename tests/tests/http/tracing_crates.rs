//! A third-party crate that makes `tracing` spans of its own, reqwest-tracing's middleware
//! (none of its opentelemetry features), called by a `#[traced(kind = server)]` actix-web
//! handler: through the bridge its CLIENT span is a child of the handler's SERVER span, in the
//! same trace, with its fields as attributes.

use actix_web::{test, web, App, HttpResponse};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use otel_runtime::testing::is_child_of;
use otel_runtime::traced;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_tracing::TracingMiddleware;

use crate::support::{attribute, Receiver};

/// Where the handler sends its request.
struct Upstream(String);

#[traced(kind = server)]
async fn orders(
    client: web::Data<ClientWithMiddleware>,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    match client.get(&upstream.0).send().await {
        Ok(response) => HttpResponse::Ok().body(response.status().as_u16().to_string()),
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}

#[actix_rt::test]
async fn reqwest_tracing_spans_are_children_of_the_traced_handler() {
    let capture = otel_runtime::testing::capture();
    let receiver = Receiver::start();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::default())
        .build();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(client))
            .app_data(web::Data::new(Upstream(receiver.url("/orders"))))
            .route("/orders", web::get().to(orders)),
    )
    .await;

    let response =
        test::call_service(&app, test::TestRequest::get().uri("/orders").to_request()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(test::read_body(response).await, "200");

    let handler = capture.span("GET /orders");
    assert_eq!(handler.span_kind, SpanKind::Server);
    let spans = capture.spans();
    let request = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Client)
        .unwrap_or_else(|| panic!("reqwest-tracing's CLIENT span: {spans:#?}"));
    assert_eq!(request.name, "GET", "named by its otel.name field");
    assert!(is_child_of(request, &handler), "{spans:#?}");
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
