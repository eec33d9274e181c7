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

/// Checks that `url` is an absolute `http` or `https` URL with a host (for `--upstream` and the
/// conformance endpoint's calls), naming what is wrong otherwise.
pub fn check_http_url(url: &str) -> Result<(), String> {
    let uri: awc::http::Uri = url.parse().map_err(|error| format!("not a URL: {error}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(format!(
                "scheme {other:?} is not supported: use http or https"
            ))
        }
        None => return Err("not an absolute URL: give it as http://host:port/path".to_owned()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::check_http_url;

    #[test]
    fn urls_are_checked_before_use() {
        assert!(check_http_url("http://127.0.0.1:8080/wiki/Rabbit").is_ok());
        assert!(check_http_url("https://www.wikipedia.org/wiki/Rabbit").is_ok());
        let refused = |url| check_http_url(url).err().unwrap_or_default();
        assert!(refused("not a url").starts_with("not a URL"));
        assert!(refused("ftp://127.0.0.1/").contains(r#"scheme "ftp" is not supported"#));
        assert!(refused("/wiki/Rabbit").starts_with("not an absolute URL"));
    }
}
