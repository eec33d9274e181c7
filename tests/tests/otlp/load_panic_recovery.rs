//! A panic inside a traced actix-web handler poisons nothing: the panicking request's span
//! still ends (status Error), and the requests after it are traced and exported over OTLP as
//! usual, with no span dropped.

use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use otel_runtime::{traced, ExporterKind};

use crate::support::demos::HANG_LIMIT;
use crate::support::receiver::Receiver;
use crate::support::shared;

/// Normal requests sent after the panics.
const AFTER: usize = 10;
/// Panicking requests.
const PANICS: usize = 3;

#[traced(kind = server)]
async fn boom() -> HttpResponse {
    inner_boom().await
}

#[traced]
async fn inner_boom() -> HttpResponse {
    panic!("a bug in the handler");
}

#[traced(kind = server)]
async fn fine() -> HttpResponse {
    HttpResponse::Ok().body(child().await)
}

#[traced]
async fn child() -> String {
    "fine\n".to_owned()
}

#[test]
fn requests_after_a_panicking_handler_are_traced_normally() {
    // The only test of this binary that installs a tracer provider in this process: the
    // others trace in the demo processes, so no lock on the provider is needed.
    let _shared = shared();
    // Outside the actix system: the receiver stops with a runtime of its own when dropped.
    let receiver = Receiver::http();
    let endpoint = format!("{}/v1/traces", receiver.endpoint());
    let guard = otel_runtime::builder()
        .service_name("panic-test")
        .default_exporter(ExporterKind::Otlp)
        .otlp_endpoint(endpoint)
        .env_lookup(|name| (name == "OTEL_BSP_SCHEDULE_DELAY").then(|| "100".to_owned()))
        .install()
        .expect("tracing installed");
    actix_rt::System::new().block_on(serve_and_request());

    let expected = PANICS * 2 + AFTER * 2;
    let spans = receiver.wait_for_spans(expected, HANG_LIMIT);
    let stats = guard.export_stats();
    guard.shutdown().expect("shut down");

    let named = |name: &str| spans.iter().filter(|s| s.span.name == name).count();
    assert_eq!(
        (named("GET /fine"), named("child")),
        (AFTER, AFTER),
        "every later request traced: {:#?}",
        spans.iter().map(|s| &s.span.name).collect::<Vec<_>>()
    );
    let panicked: Vec<_> = spans
        .iter()
        .filter(|s| s.span.name == "GET /boom" || s.span.name == "inner_boom")
        .collect();
    assert_eq!(panicked.len(), PANICS * 2, "the panicking spans ended too");
    assert!(
        panicked.iter().all(|s| s
            .span
            .status
            .as_ref()
            .is_some_and(|status| status.code == StatusCode::Error as i32)),
        "a panic is an error"
    );
    assert_eq!(stats.dropped(), 0, "{stats}");
}

/// Starts the server, sends the panicking requests, then the normal ones, and stops it.
async fn serve_and_request() {
    let server = HttpServer::new(|| {
        App::new()
            .route("/boom", web::get().to(boom))
            .route("/fine", web::get().to(fine))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .expect("binds");
    let address = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);

    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    for _ in 0..PANICS {
        // The panic ends the connection's task: no answer, or a 5xx.
        let answer = client.get(format!("http://{address}/boom")).send().await;
        assert!(
            answer
                .as_ref()
                .map_or(true, |r| r.status().is_server_error()),
            "{:?}",
            answer.map(|r| r.status())
        );
    }
    for _ in 0..AFTER {
        // Should actix-web restart a worker a panic ended, retry while it does.
        let mut status = None;
        for _ in 0..100 {
            match client.get(format!("http://{address}/fine")).send().await {
                Ok(response) => {
                    status = Some(response.status().as_u16());
                    break;
                }
                Err(_) => actix_rt::time::sleep(Duration::from_millis(50)).await,
            }
        }
        assert_eq!(status, Some(200));
    }
    handle.stop(true).await;
}
