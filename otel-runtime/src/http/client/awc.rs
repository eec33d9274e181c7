//! awc glue: send a request from a CLIENT span that carries that span's context in the
//! request's headers and records the stable HTTP client attributes and the outcome.

use std::future::Future;

use awc::error::{ConnectError, SendRequestError};
use awc::{ClientRequest, SendClientRequest};

use super::call::{ClientCall, Request};
use crate::http::attributes::{protocol_version, redacted_query};
use crate::http::carrier::HeaderInjector;

/// What sending a request yields: awc's response or its error.
pub type SendResult = <SendClientRequest as Future>::Output;

/// Sends an awc request with a body, traced as
/// [`TracedRequest::send_traced`](crate::TracedRequest::send_traced) is.
///
/// ```no_run
/// use otel_runtime::{traced, TracedSendBody};
///
/// #[traced(kind = client)]
/// async fn post(client: &awc::Client, url: &str) -> Result<u16, awc::error::SendRequestError> {
///     let response = client.post(url).send_body_traced("hello").await?;
///     Ok(response.status().as_u16())
/// }
/// ```
pub trait TracedSendBody {
    /// [`ClientRequest::send_body`], traced.
    fn send_body_traced<B>(self, body: B) -> impl Future<Output = SendResult>
    where
        B: awc::body::MessageBody + 'static;
}

impl super::TracedRequest for ClientRequest {
    type Output = SendResult;

    fn send_traced(self) -> impl Future<Output = SendResult> {
        send_with(self, ClientRequest::send)
    }
}

impl TracedSendBody for ClientRequest {
    fn send_body_traced<B>(self, body: B) -> impl Future<Output = SendResult>
    where
        B: awc::body::MessageBody + 'static,
    {
        send_with(self, move |request| request.send_body(body))
    }
}

async fn send_with(
    mut request: ClientRequest,
    send: impl FnOnce(ClientRequest) -> SendClientRequest,
) -> SendResult {
    let uri = request.get_uri();
    let mut call = ClientCall::start(&Request {
        method: request.get_method().as_str(),
        url_full: redacted_url(uri),
        host: uri
            .host()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']')),
        port: uri.port_u16(),
        scheme: uri.scheme_str(),
    });
    crate::propagation::inject(call.context(), &mut HeaderInjector(request.headers_mut()));
    let result = send(request).await;
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

/// The URL with any `user:password@` and the values of signed-URL query keys replaced, as the
/// conventions require for `url.full`.
pub(super) fn redacted_url(uri: &awc::http::Uri) -> String {
    let sensitive_query = uri
        .query()
        .map(redacted_query)
        .filter(|query| matches!(query, std::borrow::Cow::Owned(_)));
    let credentials = uri
        .authority()
        .is_some_and(|authority| authority.as_str().contains('@'));
    if sensitive_query.is_none() && !credentials {
        return uri.to_string();
    }
    let authority = uri.authority().map_or("", |authority| authority.as_str());
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("REDACTED:REDACTED@{host}"),
        None => authority.to_owned(),
    };
    let scheme = uri.scheme_str().unwrap_or("http");
    let query = match (sensitive_query, uri.query()) {
        (Some(query), _) => format!("?{query}"),
        (None, Some(query)) => format!("?{query}"),
        (None, None) => String::new(),
    };
    format!("{scheme}://{host}{}{query}", uri.path())
}

/// A low-cardinality `error.type` for a transport failure.
pub(super) fn error_type(error: &SendRequestError) -> &'static str {
    match error {
        SendRequestError::Url(_) => "invalid_url",
        SendRequestError::Connect(ConnectError::Timeout) => "timeout",
        SendRequestError::Connect(
            ConnectError::Resolver(_) | ConnectError::NoRecords | ConnectError::Unresolved,
        ) => "name_resolution_error",
        SendRequestError::Connect(_) => "connect_error",
        SendRequestError::Send(_) => "send_error",
        SendRequestError::Response(_) => "response_parse_error",
        SendRequestError::Http(_) => "http_error",
        SendRequestError::H2(_) => "h2_error",
        SendRequestError::Timeout => "timeout",
        SendRequestError::TunnelNotSupported => "tunnel_not_supported",
        SendRequestError::Body(_) => "body_error",
        _ => "_OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> String {
        redacted_url(&text.parse().expect("a valid URI"))
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
        assert_eq!(
            url("http://u:p@example.com:81/?X-Goog-Signature=s"),
            "http://REDACTED:REDACTED@example.com:81/?X-Goog-Signature=REDACTED"
        );
    }
}
