//! A minimal traced actix-web service: one traced handler that makes one traced client call.
//! Run it with `cargo run -p otel-runtime --example minimal_service`, then
//! `curl http://127.0.0.1:8080/`: the console shows the SERVER span and its CLIENT child.

use actix_web::{get, App, HttpResponse, HttpServer};
use otel_runtime::opentelemetry::KeyValue;
use otel_runtime::{current_span, traced, TracedRequest};

#[get("/")]
#[traced(kind = server)]
async fn index() -> HttpResponse {
    match fetch_status("http://127.0.0.1:8080/health").await {
        Ok(status) => {
            let status_attribute = KeyValue::new("upstream.status", i64::from(status));
            current_span().add_event("upstream answered", vec![status_attribute]);
            HttpResponse::Ok().body(format!("upstream answered {status}\n"))
        }
        Err(error) => HttpResponse::BadGateway().body(format!("upstream failed: {error}\n")),
    }
}

#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok\n")
}

#[traced(kind = client)]
async fn fetch_status(url: &str) -> Result<u16, awc::error::SendRequestError> {
    let response = awc::Client::default().get(url).send_traced().await?;
    Ok(response.status().as_u16())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // Console output by default; OTEL_EXPORTER_OTLP_ENDPOINT and friends switch it to OTLP.
    let _guard = otel_runtime::init();
    HttpServer::new(|| {
        App::new()
            .wrap(otel_runtime::actix::TraceRequests::new())
            .service(index)
            .service(health)
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await
}
