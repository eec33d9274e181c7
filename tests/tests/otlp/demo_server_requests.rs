//! The real demo-server, requests the seed does not make: a path it does not serve still
//! exports a SERVER span with the caller's remote parent, and
//! `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` cuts a 5,000-character `User-Agent` in what
//! reaches the collector (without it, the default cap on request values does).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::support::demos::{Server, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::{attributes_as_text, hex, shared, ReceivedSpan};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

/// `GET {path}` with a `traceparent` and `user_agent`; the response's status.
fn get(address: SocketAddr, path: &str, user_agent: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout set");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: {user_agent}\r\n\
         traceparent: 00-{TRACE_ID}-{CALLER_SPAN_ID}-01\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
}

/// Serves one `GET {path}` with `env` added to OTLP export to a fresh receiver; the one span
/// that arrives.
fn serve_one(path: &str, user_agent: &str, env: &[(&str, &str)]) -> (Option<u16>, ReceivedSpan) {
    let receiver = Receiver::http();
    let endpoint = receiver.endpoint();
    let mut all_env = vec![
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
    ];
    all_env.extend_from_slice(env);
    let server = Server::start(&all_env);
    let status = get(server.address(), path, user_agent);
    let (exit, stderr) = server.interrupt();
    assert!(exit.success(), "{stderr:#?}");
    let mut spans = receiver.wait_for_spans(1, HANG_LIMIT);
    assert_eq!(spans.len(), 1, "one request, one span: {spans:#?}");
    (status, spans.remove(0))
}

fn attribute(span: &ReceivedSpan, key: &str) -> Option<String> {
    attributes_as_text(&span.span.attributes)
        .into_iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
}

#[test]
fn an_unknown_path_exports_a_server_span_under_the_callers_span() {
    let _shared = shared();
    let (status, span) = serve_one("/nowhere", "probe", &[]);
    assert_eq!(status, Some(404));
    assert_eq!(span.span.name, "GET", "no route matched: the method alone");
    assert_eq!(
        span.span.kind,
        opentelemetry_proto::tonic::trace::v1::span::SpanKind::Server as i32
    );
    assert_eq!(hex(&span.span.trace_id), TRACE_ID);
    assert_eq!(hex(&span.span.parent_span_id), CALLER_SPAN_ID);
    assert_eq!(
        attribute(&span, "http.response.status_code").as_deref(),
        Some("404")
    );
    assert_eq!(attribute(&span, "url.path").as_deref(), Some("/nowhere"));
    assert_eq!(attribute(&span, "http.route"), None, "no route matched");
}

#[test]
fn the_value_length_limit_cuts_a_long_user_agent_on_the_wire() {
    let _shared = shared();
    let user_agent = "a".repeat(4_990) + "0123456789";
    let (status, span) = serve_one(
        "/nowhere",
        &user_agent,
        &[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64")],
    );
    assert_eq!(status, Some(404));
    let received = attribute(&span, "user_agent.original").expect("the user agent is recorded");
    assert_eq!(received, user_agent[..64]);
    assert_eq!(attribute(&span, "url.path").as_deref(), Some("/nowhere"));

    let (_, span) = serve_one("/nowhere", &user_agent, &[]);
    let received = attribute(&span, "user_agent.original").expect("the user agent is recorded");
    assert_eq!(
        received,
        user_agent[..otel_runtime::DEFAULT_REQUEST_VALUE_LIMIT],
        "without the variable, values from a request stop at the default cap"
    );
}
