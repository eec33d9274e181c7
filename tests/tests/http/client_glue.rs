//! Client glue beyond `send_traced` on awc: the awc middleware (plain `.send()` carries the
//! CLIENT span's context) and reqwest (`TracedRequest` for `RequestBuilder`).

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::{traced, TracedRequest};

use crate::support::{attribute, Receiver};

/// The only span of `kind`.
fn only_span(spans: &[SpanData], kind: SpanKind) -> SpanData {
    let matching: Vec<&SpanData> = spans.iter().filter(|span| span.span_kind == kind).collect();
    assert_eq!(matching.len(), 1, "one {kind:?} span expected: {spans:#?}");
    matching[0].clone()
}

#[traced(kind = client)]
async fn plain_send(client: &awc::Client, url: &str) -> u16 {
    match client.get(url).send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

#[traced]
async fn caller(client: &awc::Client, url: String) -> u16 {
    client
        .get(url)
        .send()
        .await
        .map_or(0, |response| response.status().as_u16())
}

#[actix_rt::test]
async fn awc_middleware_injects_on_plain_send() {
    let capture = otel_runtime::testing::capture();
    let receiver = Receiver::start();
    let client = awc::Client::builder()
        .wrap(otel_runtime::awc::TraceRequests::new())
        .finish();

    // Inside a client function: recorded on its span, which the request carries.
    assert_eq!(
        plain_send(&client, &receiver.url("/in-client-fn")).await,
        200
    );
    let span = only_span(&capture.spans(), SpanKind::Client);
    assert_eq!(span.name, "GET", "renamed after the method");
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    let [_, trace_id, parent_id, _] = receiver.only("/in-client-fn").traceparent_fields();
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(parent_id, span.span_context.span_id().to_string());

    // Anywhere else: a CLIENT span of its own, child of the current span.
    capture.reset();
    assert_eq!(caller(&client, receiver.url("/elsewhere")).await, 200);
    let spans = capture.spans();
    let client_span = only_span(&spans, SpanKind::Client);
    let internal = only_span(&spans, SpanKind::Internal);
    assert_eq!(client_span.parent_span_id, internal.span_context.span_id());
    let [_, _, parent_id, _] = receiver.only("/elsewhere").traceparent_fields();
    assert_eq!(parent_id, client_span.span_context.span_id().to_string());
    receiver.stop().await;
}

#[traced(kind = client, name = "fetch with reqwest")]
async fn reqwest_fetch(client: &reqwest::Client, url: &str) -> Result<u16, reqwest::Error> {
    let response = client.get(url).send_traced().await?;
    Ok(response.status().as_u16())
}

#[actix_rt::test]
async fn reqwest_requests_carry_the_client_span() {
    let capture = otel_runtime::testing::capture();
    let receiver = Receiver::start();
    let client = reqwest::Client::new();

    let url = receiver.url("/reqwest?sig=secret");
    assert_eq!(reqwest_fetch(&client, &url).await.expect("answered"), 200);
    let span = only_span(&capture.spans(), SpanKind::Client);
    assert_eq!(span.name, "fetch with reqwest", "a given name is kept");
    let [_, trace_id, parent_id, _] = receiver.only("/reqwest").traceparent_fields();
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(parent_id, span.span_context.span_id().to_string());
    assert_eq!(
        attribute(&span, "http.request.method"),
        Some(Value::from("GET"))
    );
    assert_eq!(
        attribute(&span, "server.address"),
        Some(Value::from("127.0.0.1"))
    );
    assert_eq!(
        attribute(&span, "server.port"),
        Some(Value::I64(i64::from(receiver.address.port())))
    );
    assert_eq!(
        attribute(&span, "url.full"),
        Some(Value::from(receiver.url("/reqwest?sig=REDACTED")))
    );
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(span.status, Status::Unset);

    // Outside a client function, and to a closed port: a CLIENT span of its own with the
    // transport error.
    capture.reset();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let result = client
        .get(format!("http://{closed}/nothing"))
        .send_traced()
        .await;
    assert!(result.is_err());
    let span = only_span(&capture.spans(), SpanKind::Client);
    assert_eq!(span.name, "GET");
    assert_eq!(
        attribute(&span, "error.type"),
        Some(Value::from("connect_error"))
    );
    assert!(matches!(span.status, Status::Error { .. }));
    receiver.stop().await;
}
