//! What a request to the endpoint may carry: the headers it is refused for, its body (read
//! with a size limit and a deadline) and the list of calls that body must be.

use std::fmt;
use std::time::Duration;

use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::Value;

use crate::http_url::check_http_url;

/// The largest request body accepted (the suite's bodies are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most callbacks one request may ask for (the suite asks for at most 3): the request's
/// budget of outbound calls.
pub const MAX_CALLS: usize = 8;
/// How long the client has to send the whole body once the head arrived: a body that stalls
/// is answered 408 rather than holding a connection and a task forever.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// The header every callback carries. A request that has it is a callback of this endpoint
/// (of this server or another one) and is refused, so that calls cannot nest and multiply.
pub const CALLBACK_HEADER: &str = "x-demo-server-callback";

/// One element of the request body: where to POST, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The absolute `http(s)` URL to POST to.
    pub url: String,
    /// The JSON body of the POST.
    pub arguments: Value,
}

/// Why a request was refused, with the status it is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400, 403, 408, 413 or 415.
    pub status: StatusCode,
    /// What was wrong, where, and what is accepted instead.
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        )
    }

    /// The answer: the status, and the message on one line of plain text.
    pub fn response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type(ContentType::plaintext())
            .body(format!("verify-tracecontext: {}\n", self.message))
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

/// Refuses, before the body is read, what must not reach the endpoint: requests from web
/// pages, callbacks of this endpoint, and bodies that are not `application/json`.
pub(crate) fn check_headers(request: &HttpRequest) -> Result<(), Refusal> {
    let headers = request.headers();
    // Browsers add `Origin` to cross-site POSTs: without this, any page the operator visits
    // could make this server send requests on its behalf.
    if headers.contains_key(header::ORIGIN) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "requests with an Origin header (from web pages) are refused: call it from the test \
             harness",
        ));
    }
    if headers.contains_key(CALLBACK_HEADER) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "this request is a callback of a verify-tracecontext endpoint: nested calls are \
             refused",
        ));
    }
    let Some(content_type) = headers.get(header::CONTENT_TYPE) else {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "no content type: send Content-Type: application/json",
        ));
    };
    // Only the JSON type itself: the form and text types a web page may send without a
    // preflight are exactly what must not get through.
    let essence = content_type
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content type {content_type:?} is refused: send application/json"),
        ));
    }
    Ok(())
}

/// The body: 413 when it is over [`MAX_BODY_BYTES`], 408 when it has not all arrived within
/// [`BODY_TIMEOUT`].
pub(crate) async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Vec<u8>, Refusal> {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse::<usize>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(Refusal::too_large());
    }
    let read = async {
        let mut body = Vec::with_capacity(announced.unwrap_or(0));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| {
                Refusal::bad_request(format!("the body could not be read: {error}"))
            })?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Refusal::too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    // actix-web's `client_request_timeout` covers the head only: the body needs its own.
    actix_rt::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or_else(|_| {
            Err(Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            ))
        })
}

/// The calls a request body lists, or why it is refused.
///
/// ```
/// use demo_server::conformance::parse;
///
/// let calls = parse(br#"[{"url": "http://127.0.0.1:7777/a", "arguments": [{"url": "x"}]}]"#)
///     .expect("valid");
/// assert_eq!(calls[0].arguments.to_string(), r#"[{"url":"x"}]"#);
/// assert_eq!(
///     parse(br#"{"url": "http://127.0.0.1/"}"#).unwrap_err().message,
///     r#"expected a JSON array of {"url": ..., "arguments": ...} objects, got an object"#
/// );
/// ```
pub fn parse(body: &[u8]) -> Result<Vec<Call>, Refusal> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| Refusal::bad_request(format!("the body is not JSON: {error}")))?;
    let Value::Array(elements) = value else {
        return Err(Refusal::bad_request(format!(
            r#"expected a JSON array of {{"url": ..., "arguments": ...}} objects, got {}"#,
            kind(&value)
        )));
    };
    if elements.len() > MAX_CALLS {
        return Err(Refusal::bad_request(format!(
            "{} elements: at most {MAX_CALLS} calls per request",
            elements.len()
        )));
    }
    elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| call(index, element))
        .collect()
}

fn call(index: usize, element: Value) -> Result<Call, Refusal> {
    let Value::Object(mut fields) = element else {
        return Err(Refusal::bad_request(format!(
            r#"element {index}: expected an object {{"url": ..., "arguments": ...}}, got {}"#,
            kind(&element)
        )));
    };
    let url = match fields.remove("url") {
        Some(Value::String(url)) => url,
        Some(other) => {
            return Err(Refusal::bad_request(format!(
                r#"element {index}: "url" must be a string, got {}"#,
                kind(&other)
            )))
        }
        None => {
            return Err(Refusal::bad_request(format!(
                r#"element {index}: "url" is missing"#
            )))
        }
    };
    check_http_url(&url).map_err(|problem| {
        Refusal::bad_request(format!(r#"element {index}: "url" {url:?}: {problem}"#))
    })?;
    let arguments = match fields.remove("arguments") {
        None | Some(Value::Null) => Value::Array(Vec::new()),
        Some(arguments) => arguments,
    };
    Ok(Call { url, arguments })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(body: &str) -> String {
        match parse(body.as_bytes()) {
            Ok(calls) => panic!("{body} was accepted: {calls:?}"),
            Err(refusal) => {
                assert_eq!(refusal.status, StatusCode::BAD_REQUEST, "{body}");
                refusal.message
            }
        }
    }

    #[test]
    fn accepts_the_suite_s_bodies() {
        let calls = parse(
            br#"[{"url": "http://127.0.0.1:7777/s.0", "arguments": []},
                 {"url": "https://h/x", "arguments": [{"url": "u", "arguments": []}]},
                 {"url": "http://[::1]:1/"}, {"url": "http://h/", "arguments": null}]"#,
        )
        .expect("valid");
        assert_eq!(calls.len(), 4);
        assert_eq!(calls[0].url, "http://127.0.0.1:7777/s.0");
        assert_eq!(calls[0].arguments, json!([]));
        assert_eq!(calls[1].arguments, json!([{"url": "u", "arguments": []}]));
        assert_eq!(calls[2].arguments, json!([]), "missing arguments");
        assert_eq!(calls[3].arguments, json!([]), "null arguments");
        assert_eq!(parse(b"[]").expect("empty"), Vec::new());
    }

    #[test]
    fn refuses_what_is_not_a_list_of_calls() {
        assert!(refused("not json").starts_with("the body is not JSON: "));
        assert!(refused("").starts_with("the body is not JSON: "));
        assert!(refused(r#"{"url": "http://h/"}"#).ends_with("got an object"));
        assert!(refused("42").ends_with("got a number"));
        assert_eq!(
            refused(r#"[{"url": "http://h/"}, "http://h/"]"#),
            r#"element 1: expected an object {"url": ..., "arguments": ...}, got a string"#
        );
        assert_eq!(
            refused(r#"[{"arguments": []}]"#),
            r#"element 0: "url" is missing"#
        );
        assert_eq!(
            refused(r#"[{"url": 7}]"#),
            r#"element 0: "url" must be a string, got a number"#
        );
        for (url, problem) in [
            ("ftp://h/x", r#"scheme "ftp" is not supported"#),
            ("file:///etc/passwd", "not a URL"),
            ("ws://h/", r#"scheme "ws" is not supported"#),
            ("/relative", "not an absolute URL"),
            ("http://", "not a URL"),
            ("http://exa mple/", "not a URL"),
        ] {
            let message = refused(&format!(r#"[{{"url": "{url}"}}]"#));
            let expected = format!(r#"element 0: "url" {url:?}: {problem}"#);
            assert!(
                message.starts_with(&expected),
                "{message:?} vs {expected:?}"
            );
        }
    }

    #[test]
    fn a_fan_out_over_the_budget_is_refused() {
        let calls =
            |count: usize| format!("[{}]", vec![r#"{"url": "http://h/"}"#; count].join(","));
        assert_eq!(
            parse(calls(MAX_CALLS).as_bytes()).map(|c| c.len()),
            Ok(MAX_CALLS)
        );
        assert_eq!(
            refused(&calls(MAX_CALLS + 1)),
            format!(
                "{} elements: at most {MAX_CALLS} calls per request",
                MAX_CALLS + 1
            )
        );
    }
}
