//! Shared by the HTTP tests: a raw HTTP/1.1 client (header lines exactly as written,
//! duplicates and odd casing included), a loopback receiver that records what it is sent, and
//! attribute look-ups on captured spans.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::SpanData;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a raw request may take before the test calls the server hung (a safety bound,
/// not an assertion).
pub const HANG_LIMIT: Duration = Duration::from_secs(30);

/// The value of attribute `key` on `span`.
pub fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| kv.value.clone())
}

/// The attribute keys of `span`, sorted.
pub fn attribute_keys(span: &SpanData) -> Vec<String> {
    let mut keys: Vec<String> = span
        .attributes
        .iter()
        .map(|kv| kv.key.as_str().to_owned())
        .collect();
    keys.sort();
    keys
}

/// What a raw request got back: the status (`None` when the connection closed without a
/// response) and the body.
#[derive(Debug)]
pub struct RawResponse {
    pub status: Option<u16>,
    pub head: String,
    pub body: Vec<u8>,
}

/// Sends one HTTP/1.1 request to `address`, with `headers` written exactly as given (after
/// `Host`, `Connection: close` and, for a body, `Content-Length`), and reads the answer to the
/// end of the connection.
pub async fn raw_request(
    address: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        let mut request =
            format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
        if !body.is_empty() || method == "POST" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut answer = Vec::new();
        // A reset connection (the server dropped it) still ends the answer.
        let _ = stream.read_to_end(&mut answer).await;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(HANG_LIMIT, exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {target} to {address} hung"))
        .unwrap_or_else(|error| panic!("{method} {target} to {address}: {error}"));
    let split = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let body = answer.get(split + 4..).unwrap_or_default().to_vec();
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok());
    RawResponse { status, head, body }
}

/// One request a [`Receiver`] got.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Every `traceparent` line, in order.
    pub traceparent: Vec<String>,
    /// Every `tracestate` line, in order.
    pub tracestate: Vec<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Received {
    /// The only `traceparent`, split into version, trace-id, parent-id and flags.
    pub fn traceparent_fields(&self) -> [String; 4] {
        assert_eq!(
            self.traceparent.len(),
            1,
            "expected one traceparent, got {:?}",
            self.traceparent
        );
        let fields: Vec<String> = self.traceparent[0].split('-').map(str::to_owned).collect();
        fields
            .try_into()
            .unwrap_or_else(|fields| panic!("not a version-00 traceparent: {fields:?}"))
    }

    /// The `tracestate` lines joined with `,` (`None` without any line).
    pub fn tracestate_joined(&self) -> Option<String> {
        (!self.tracestate.is_empty()).then(|| self.tracestate.join(","))
    }
}

/// An un-instrumented loopback server that records every request and answers `200 null`.
pub struct Receiver {
    pub address: SocketAddr,
    handle: ServerHandle,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts the receiver on a free loopback port (inside an actix system).
    pub fn start() -> Self {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let data = web::Data::new(Arc::clone(&received));
        let (address, handle) = serve_on_loopback!(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        });
        Self {
            address,
            handle,
            received,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The only request so far to `path`.
    pub fn only(&self, path: &str) -> Received {
        let matching: Vec<Received> = self
            .received()
            .into_iter()
            .filter(|request| request.path == path)
            .collect();
        assert_eq!(matching.len(), 1, "requests to {path}: {matching:?}");
        matching.into_iter().next().expect("one request")
    }

    /// Forgets what was received.
    pub fn reset(&self) {
        self.received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Stops the receiver.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

async fn record(
    request: HttpRequest,
    body: web::Bytes,
    received: web::Data<Arc<Mutex<Vec<Received>>>>,
) -> HttpResponse {
    let all = |name: &str| -> Vec<String> {
        request
            .headers()
            .get_all(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect()
    };
    let entry = Received {
        method: request.method().to_string(),
        path: request.path().to_owned(),
        traceparent: all("traceparent"),
        tracestate: all("tracestate"),
        content_type: all("content-type").into_iter().next(),
        body: body.to_vec(),
    };
    received
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(entry);
    HttpResponse::Ok()
        .content_type("application/json")
        .body("null")
}
