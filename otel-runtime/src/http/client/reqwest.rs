//! reqwest glue: [`TracedRequest`](super::TracedRequest) for `reqwest::RequestBuilder`.

use std::future::Future;

use opentelemetry::propagation::Injector;
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::NETWORK_PROTOCOL_VERSION;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{RequestBuilder, Response, Url, Version};

use super::call::{ClientCall, Request};
use crate::http::attributes::redacted_query;

impl super::TracedRequest for RequestBuilder {
    type Output = reqwest::Result<Response>;

    fn send_traced(self) -> impl Future<Output = Self::Output> {
        send(self)
    }
}

async fn send(builder: RequestBuilder) -> reqwest::Result<Response> {
    let (client, request) = builder.build_split();
    // A request that does not build (an invalid URL or header) is reqwest's error, before any
    // span: nothing was sent.
    let mut request = request?;
    let url = request.url();
    let mut call = ClientCall::start(&Request {
        method: request.method().as_str(),
        url_full: redacted_url(url),
        host: url
            .host_str()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']')),
        port: url.port(),
        scheme: Some(url.scheme()),
    });
    crate::propagation::inject(call.context(), &mut HttpHeaders(request.headers_mut()));
    let result = client.execute(request).await;
    match &result {
        Ok(response) => call.response(
            response.status().as_u16(),
            protocol_version(response.version()),
        ),
        Err(error) => call.failed(error_type(error), error.to_string()),
    }
    call.finish();
    result
}

/// `url.full` with `user:password@` and signed-URL query values replaced.
fn redacted_url(url: &Url) -> String {
    let mut url = url.clone();
    if !url.username().is_empty() || url.password().is_some() {
        // Both fail only for URLs that cannot have credentials, which have none to hide.
        let _ = url.set_username("REDACTED");
        let _ = url.set_password(Some("REDACTED"));
    }
    if let Some(query) = url.query() {
        if let std::borrow::Cow::Owned(redacted) = redacted_query(query) {
            url.set_query(Some(&redacted));
        }
    }
    url.into()
}

/// `network.protocol.version` of a response.
fn protocol_version(version: Version) -> Option<KeyValue> {
    let name = match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => return None,
    };
    Some(KeyValue::new(NETWORK_PROTOCOL_VERSION, name))
}

/// A low-cardinality `error.type` for a transport failure.
fn error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect_error"
    } else if error.is_redirect() {
        "redirect_error"
    } else if error.is_body() || error.is_decode() {
        "body_error"
    } else if error.is_request() {
        "send_error"
    } else {
        "_OTHER"
    }
}

/// reqwest's (`http` 1.x) headers as a propagation carrier.
struct HttpHeaders<'a>(&'a mut HeaderMap);

impl Injector for HttpHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        // Propagators write lowercase ASCII names and visible-ASCII values; anything else is
        // not a header that can be sent.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> String {
        redacted_url(&Url::parse(text).expect("a valid URL"))
    }

    #[test]
    fn url_full_hides_credentials_and_signatures() {
        assert_eq!(url("http://127.0.0.1:8/a?b=1"), "http://127.0.0.1:8/a?b=1");
        assert_eq!(
            url("https://user:pw@example.com/a?b=1"),
            "https://REDACTED:REDACTED@example.com/a?b=1"
        );
        assert_eq!(
            url("https://example.com/a?color=blue&sig=secret"),
            "https://example.com/a?color=blue&sig=REDACTED"
        );
    }
}
