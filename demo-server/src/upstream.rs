//! The local, un-instrumented stand-in for the seed's outbound site (`/wiki/Rabbit`): machines
//! here have no internet. It answers 200 and remembers the `traceparent` each request carried
//! (the last [`KEPT_TRACEPARENTS`], so that a long run does not grow its memory).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::dev::Server;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// How many of the last `traceparent` headers the stub keeps.
pub const KEPT_TRACEPARENTS: usize = 1024;

/// The `traceparent` headers the stub has received, in order (`None` for a request without);
/// the last [`KEPT_TRACEPARENTS`] of them.
#[derive(Clone, Debug, Default)]
pub struct ReceivedTraceparents(Arc<Mutex<VecDeque<Option<String>>>>);

impl ReceivedTraceparents {
    /// A copy of what was received so far (the last [`KEPT_TRACEPARENTS`]).
    pub fn list(&self) -> Vec<Option<String>> {
        self.0
            .lock()
            .map(|list| list.iter().cloned().collect())
            .unwrap_or_default()
    }
}

async fn rabbit(request: HttpRequest, received: web::Data<ReceivedTraceparents>) -> HttpResponse {
    let traceparent = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Ok(mut list) = received.0.lock() {
        if list.len() == KEPT_TRACEPARENTS {
            list.pop_front();
        }
        list.push_back(traceparent);
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("<html><body><h1>Rabbit</h1></body></html>\n")
}

/// Starts the stub on a free loopback port; its page is `http://{address}/wiki/Rabbit`.
pub fn start() -> std::io::Result<(Server, SocketAddr, ReceivedTraceparents)> {
    let received = ReceivedTraceparents::default();
    let data = web::Data::new(received.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/wiki/Rabbit", web::get().to(rabbit))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")?;
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("the stub upstream got no address"))?;
    Ok((server.run(), address, received))
}
