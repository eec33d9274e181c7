//! The HTTP server metrics the glue records, read with `otel_runtime::testing::capture_metrics`:
//! one `http.server.request.duration` measurement per request whether a traced handler answers
//! alone or behind `TraceRequests` (which it adopts), with the route pattern and never the path,
//! `error.type` for a 5xx, and `http.server.active_requests` back to 0.
//!
//! The only test of this binary that installs a meter provider. Other tests' requests may be
//! recorded too: these requests are told apart by their method (PATCH, used by no other test).

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse};
use otel_runtime::actix::TraceRequests;
use otel_runtime::testing::capture_metrics;
use otel_runtime::traced;

use crate::support::raw_request;

const DURATION: &str = "http.server.request.duration";
const ACTIVE: &str = "http.server.active_requests";

#[traced(kind = server)]
async fn metered(path: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(format!("item {}", path.into_inner()))
}

#[traced(kind = server)]
async fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable().finish()
}

fn start() -> (SocketAddr, ServerHandle) {
    serve_on_loopback!(|| {
        App::new()
            .service(
                web::scope("/wrapped")
                    .wrap(TraceRequests::new())
                    .route("/{id}", web::patch().to(metered)),
            )
            .route("/bare/{id}", web::patch().to(metered))
            .route("/unavailable", web::patch().to(unavailable))
    })
}

async fn patch(address: SocketAddr, target: &str) -> u16 {
    raw_request(address, "PATCH", target, &[], b"")
        .await
        .status
        .expect("a response")
}

#[actix_rt::test]
async fn each_request_is_measured_once_with_its_route_and_status() {
    let metrics = capture_metrics();
    let (address, handle) = start();
    for id in 1..=3 {
        assert_eq!(patch(address, &format!("/bare/{id}")).await, 200);
        assert_eq!(patch(address, &format!("/wrapped/{id}")).await, 200);
    }
    assert_eq!(patch(address, "/unavailable").await, 503);
    handle.stop(true).await;

    let patched = [("http.request.method", "PATCH")];
    // A traced handler alone, and one behind the middleware: three each, not six.
    for route in ["/bare/{id}", "/wrapped/{id}"] {
        assert_eq!(
            metrics.histogram_count(DURATION, &[patched[0], ("http.route", route)]),
            3,
            "{route}: {:#?}",
            metrics.attributes(DURATION)
        );
    }
    let mut recorded: Vec<Vec<String>> = metrics
        .attributes(DURATION)
        .into_iter()
        .filter(|attributes| attributes.contains(&"http.request.method=PATCH".to_owned()))
        .collect();
    recorded.sort();
    let point = |status: &str, route: &str| {
        let mut attributes = vec![
            "http.request.method=PATCH".to_owned(),
            format!("http.response.status_code={status}"),
            format!("http.route={route}"),
            "network.protocol.version=1.1".to_owned(),
            "url.scheme=http".to_owned(),
        ];
        if status.starts_with('5') {
            attributes.insert(0, format!("error.type={status}"));
        }
        attributes
    };
    let mut expected = vec![
        point("200", "/bare/{id}"),
        point("200", "/wrapped/{id}"),
        point("503", "/unavailable"),
    ];
    expected.sort();
    assert_eq!(recorded, expected, "never the path, always the route");
    assert_eq!(metrics.sum(ACTIVE, &patched), Some(0.0));
}
