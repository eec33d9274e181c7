//! The demo server of the HTTP integration example: `GET /` runs a SERVER span, an INTERNAL
//! span `parent`, and a CLIENT span for an outbound GET to the upstream.
//!
//! It also serves `POST /verify-tracecontext`, the test service of the W3C trace-context test
//! suite ([`verify`]), and answers any other path with a traced 404.

pub mod upstream;
pub mod verify;

use std::net::SocketAddr;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use otel_runtime::{traced, TracedRequest};

/// Where `GET /` sends its outbound request.
#[derive(Clone, Debug)]
pub struct UpstreamUrl(pub String);

/// `GET /`: the SERVER span, child of the caller's span carried in the request headers.
#[traced(kind = server)]
async fn index(client: web::Data<awc::Client>, upstream: web::Data<UpstreamUrl>) -> impl Responder {
    match parent(&client, &upstream.0).await {
        Ok(status) => HttpResponse::Ok().body(format!("upstream answered {status}\n")),
        Err(error) => {
            HttpResponse::BadGateway().body(format!("upstream {} failed: {error}\n", upstream.0))
        }
    }
}

/// The INTERNAL span of the seed, named `parent` like there.
#[traced]
async fn parent(client: &awc::Client, url: &str) -> Result<u16, awc::error::SendRequestError> {
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

/// Binds the demo server on `bind` (port 0 picks a free one) and returns it with the address it
/// listens on; await the server to run it.
pub fn start(bind: &str, upstream: String) -> std::io::Result<(Server, SocketAddr)> {
    let upstream = web::Data::new(UpstreamUrl(upstream));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(awc::Client::default()))
            .app_data(upstream.clone())
            .route("/", web::get().to(index))
            .service(
                web::resource("/verify-tracecontext")
                    .route(web::post().to(verify::verify_tracecontext))
                    .default_service(web::to(verify::method_not_allowed)),
            )
            .default_service(web::to(not_found))
    })
    .workers(2)
    .bind(bind)?;
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other(format!("{bind} resolved to no address")))?;
    Ok((server.run(), address))
}
