//! The demo server of the HTTP integration example: `GET /` runs a SERVER span, an INTERNAL
//! span `parent`, and a CLIENT span for an outbound GET to the upstream. Any other path gets a
//! traced 404.
//!
//! With `--conformance` ([`start_with`]) it also serves the test service of the W3C
//! trace-context test suite ([`conformance`]).

pub mod conformance;
pub mod http_url;
pub mod upstream;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use otel_runtime::{traced, TracedRequest};

use crate::conformance::Conformance;

/// Where `GET /` sends its outbound request.
#[derive(Clone, Debug)]
pub struct UpstreamUrl(pub String);

/// `GET /`: the SERVER span, child of the caller's span carried in the request headers.
#[traced(kind = server)]
async fn index(client: web::Data<awc::Client>, upstream: web::Data<UpstreamUrl>) -> impl Responder {
    match parent(&client, &upstream.0).await {
        Ok(status) => HttpResponse::Ok().body(format!("upstream answered {status}\n")),
        // Neither the URL (it may carry credentials) nor the error (it names hosts and ports)
        // is the caller's business; the CLIENT span records both, credentials redacted.
        Err(_) => HttpResponse::BadGateway().body("the upstream request failed\n"),
    }
}

/// The INTERNAL span of the seed, named `parent` like there. Its log line carries the trace id
/// and its span id (on stderr, or as an OTLP log record: `OTEL_LOGS_EXPORTER`).
#[traced]
async fn parent(client: &awc::Client, url: &str) -> Result<u16, awc::error::SendRequestError> {
    tracing::info!(url = %http_url::without_userinfo(url), "calling upstream");
    fetch_upstream(client, url).await
}

/// The outbound CLIENT span; the upstream receives its context in `traceparent`.
#[traced(kind = client)]
async fn fetch_upstream(
    client: &awc::Client,
    url: &str,
) -> Result<u16, awc::error::SendRequestError> {
    let response = client.get(url).send_traced().await?;
    Ok(response.status().as_u16())
}

/// Any path no route matches: a SERVER span named `{method}`, without `http.route`.
#[traced(kind = server)]
async fn not_found(request: actix_web::HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().body(format!("no route for {}\n", request.path()))
}

/// How long a client has to send a request's head before it is answered 408.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long in-flight requests have to finish once the server is told to stop.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// The connections each of the two workers serves at once; the listener waits past that.
pub const MAX_CONNECTIONS_PER_WORKER: usize = 1024;

/// Binds the demo server on `bind` (port 0 picks a free one) and returns it with the address it
/// listens on; await the server to run it.
pub fn start(bind: &str, upstream: String) -> std::io::Result<(Server, SocketAddr)> {
    start_with(bind, upstream, None)
}

/// [`start`], serving `POST /verify-tracecontext` as well when `conformance` is given.
pub fn start_with(
    bind: &str,
    upstream: String,
    conformance: Option<Conformance>,
) -> std::io::Result<(Server, SocketAddr)> {
    let upstream = web::Data::new(UpstreamUrl(upstream));
    let server = HttpServer::new(move || {
        let conformance = conformance.clone();
        App::new()
            // Every request gets a SERVER span, also those no traced handler answers (404,
            // 405); the traced handlers adopt it.
            .wrap(otel_runtime::actix::TraceRequests::new())
            .app_data(web::Data::new(awc::Client::default()))
            .app_data(upstream.clone())
            .route("/", web::get().to(index))
            .configure(|config| {
                if let Some(conformance) = conformance {
                    conformance.configure(config);
                }
            })
            .default_service(web::to(not_found))
    })
    .workers(2)
    // Bounds, so that slow or many clients cost a known amount: actix-web's defaults are 25k
    // connections per worker and 30 s to shut down.
    .max_connections(MAX_CONNECTIONS_PER_WORKER)
    .client_request_timeout(HEAD_TIMEOUT)
    .shutdown_timeout(SHUTDOWN_TIMEOUT.as_secs())
    .bind(bind)?;
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other(format!("{bind} resolved to no address")))?;
    Ok((server.run(), address))
}
