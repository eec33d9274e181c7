//! `POST /verify-tracecontext`: the test service of the public W3C trace-context test suite.
//!
//! The body is a JSON array of `{"url": ..., "arguments": ...}` objects. For each one, in order
//! and before answering, the handler POSTs the JSON of `arguments` to `url` from a CLIENT span of
//! its own, child of the SERVER span, which continues the context of the incoming request. The
//! test harness then checks the `traceparent` and `tracestate` those calls carried.
//!
//! The handler answers 200 with one result per call (`{"url", "status"}` or `{"url", "error"}`):
//! a callback that fails does not fail the request, since the harness judges the headers it
//! received, not our answer. Bad input is refused before any call, with a one-line message:
//! 413 for a body over [`MAX_BODY_BYTES`], 415 for a content type that is not JSON, 400 for
//! anything that is not such an array (at most [`MAX_CALLS`] elements, each `url` an absolute
//! `http` or `https` URL; a missing or `null` `arguments` is sent as `[]`, as the harness itself
//! does).

use std::fmt;
use std::time::Duration;

use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use otel_runtime::{traced, TracedRequest};
use serde_json::{json, Value};

/// The largest request body accepted (the suite's bodies are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most callbacks one request may ask for (the suite asks for at most 3).
pub const MAX_CALLS: usize = 32;
/// How long each callback may take, connection included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// 400, 413 or 415.
    pub status: StatusCode,
    /// What was wrong, where, and what is accepted instead.
    pub message: String,
}

impl Refusal {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

/// `POST /verify-tracecontext`: makes the calls the body lists, in order, then answers.
#[traced(kind = server)]
pub async fn verify_tracecontext(
    request: HttpRequest,
    payload: web::Payload,
    client: web::Data<awc::Client>,
) -> HttpResponse {
    let calls = match read_body(&request, payload)
        .await
        .and_then(|body| parse(&body))
    {
        Ok(calls) => calls,
        Err(refusal) => {
            return HttpResponse::build(refusal.status)
                .content_type(ContentType::plaintext())
                .body(format!("verify-tracecontext: {}\n", refusal.message))
        }
    };
    let mut results = Vec::with_capacity(calls.len());
    for call in &calls {
        let result = match post_arguments(&client, call).await {
            Ok(status) => json!({ "url": call.url, "status": status }),
            Err(error) => json!({ "url": call.url, "error": error.to_string() }),
        };
        results.push(result);
    }
    HttpResponse::Ok().json(results)
}

/// The CLIENT span of one callback: `POST url` with the JSON of `arguments`.
#[traced(kind = client)]
async fn post_arguments(
    client: &awc::Client,
    call: &Call,
) -> Result<u16, awc::error::SendRequestError> {
    let response = client
        .post(&call.url)
        .timeout(CALL_TIMEOUT)
        .insert_header(ContentType::json())
        .send_body_traced(call.arguments.to_string())
        .await?;
    Ok(response.status().as_u16())
}

/// The body, refused when its content type is not JSON or it is over [`MAX_BODY_BYTES`].
async fn read_body(request: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, Refusal> {
    if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
        let essence = content_type
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: format!(
                    "content type {content_type:?} is not JSON: send application/json"
                ),
            });
        }
    }
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse::<usize>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(Refusal::too_large());
    }
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
}

/// The calls a request body lists, or why it is refused.
///
/// ```
/// use demo_server::verify::parse;
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
    crate::check_http_url(&url).map_err(|problem| {
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

/// `/verify-tracecontext` with anything but POST: 405, naming the method accepted.
pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .content_type(ContentType::plaintext())
        .body("verify-tracecontext: use POST with a JSON array body\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let many = format!(
            "[{}]",
            vec![r#"{"url": "http://h/"}"#; MAX_CALLS + 1].join(",")
        );
        assert_eq!(
            refused(&many),
            format!(
                "{} elements: at most {MAX_CALLS} calls per request",
                MAX_CALLS + 1
            )
        );
    }
}
