//! Unit-testing a `#[traced(kind = server)]` handler, as the `traced` docs show: the macro
//! changes the handler's signature, so a test registers it in an `App` and calls it with
//! `actix_web::test`, which is how actix-web calls it, with no server and no socket.

use actix_web::{test, web, App, HttpResponse};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use otel_runtime::traced;

use crate::support::attribute;

#[traced(kind = server, attributes(id = *id))]
async fn show(id: web::Path<u32>, web::Json(note): web::Json<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{id}: {note}"))
}

#[actix_rt::test]
async fn a_traced_handler_is_tested_through_call_service() {
    let capture = otel_runtime::testing::capture();
    let app = test::init_service(App::new().route("/notes/{id}", web::put().to(show))).await;

    let request = test::TestRequest::put()
        .uri("/notes/3")
        .set_json("hello")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(test::read_body(response).await, "3: hello");
    let span = capture.span("PUT /notes/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(attribute(&span, "id"), Some(Value::I64(3)));
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );

    // A rejection is tested the same way: actix's 400, recorded on the handler's span.
    capture.reset();
    let request = test::TestRequest::put()
        .uri("/notes/3")
        .insert_header(("content-type", "application/json"))
        .set_payload("not json")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), 400);
    let span = capture.span("PUT /notes/{id}");
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(400))
    );
    assert_eq!(
        attribute(&span, "http.route"),
        Some(Value::from("/notes/{id}"))
    );
}
