//! What keeps the demo server's `POST /verify-tracecontext` from being used against its own
//! network, and the bounds of the server around it: the endpoint is off unless asked for; web
//! pages, non-JSON bodies, callbacks of the endpoint, fan-outs over the budget and targets other
//! than loopback are refused before any call; redirects are not followed; callbacks that hang do
//! not keep `GET /` from being answered; a 502 names neither the upstream nor its credentials;
//! a stalled head or body is answered 408.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse};
use demo_server::conformance::{Conformance, CALLBACK_HEADER, MAX_CALLS, PATH};
use otel_runtime::testing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{raw_request, RawResponse, Receiver, HANG_LIMIT};

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// Starts demo-server with the conformance endpoint on (or off), its upstream the stub.
fn start(conformance: Option<Conformance>) -> (ServerHandle, SocketAddr, ServerHandle) {
    let (stub, stub_address, _) = demo_server::upstream::start().expect("stub starts");
    let stub_handle = stub.handle();
    actix_rt::spawn(stub);
    let upstream = format!("http://{stub_address}/wiki/Rabbit");
    let (server, address) =
        demo_server::start_with("127.0.0.1:0", upstream, conformance).expect("server starts");
    let handle = server.handle();
    actix_rt::spawn(server);
    (handle, address, stub_handle)
}

fn calls_to(urls: &[String]) -> String {
    serde_json::Value::Array(
        urls.iter()
            .map(|url| serde_json::json!({ "url": url, "arguments": [] }))
            .collect(),
    )
    .to_string()
}

fn text(response: &RawResponse) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

#[actix_rt::test]
async fn the_endpoint_is_off_without_conformance() {
    let _capture = testing::capture();
    let receiver = Receiver::start();
    let (server, address, stub) = start(None);
    let body = calls_to(&[receiver.url("/never")]);
    let post = raw_request(address, "POST", PATH, &[JSON], body.as_bytes()).await;
    let get = raw_request(address, "GET", PATH, &[], b"").await;
    let root = raw_request(address, "GET", "/", &[], b"").await;
    server.stop(true).await;
    stub.stop(true).await;
    receiver.stop().await;
    assert_eq!(post.status, Some(404), "{post:?}");
    assert_eq!(text(&post), format!("no route for {PATH}\n"));
    assert_eq!(get.status, Some(404), "{get:?}");
    assert_eq!(root.status, Some(200), "{root:?}");
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
}

#[actix_rt::test]
async fn pages_non_json_bodies_and_nested_calls_are_refused_before_any_call() {
    let _capture = testing::capture();
    let receiver = Receiver::start();
    let (server, address, stub) = start(Some(Conformance::default()));
    let body = calls_to(&[receiver.url("/never")]);
    let cases = [
        (
            "no content type",
            vec![],
            415,
            "no content type: send Content-Type: application/json",
        ),
        (
            "a form",
            vec![("Content-Type", "application/x-www-form-urlencoded")],
            415,
            "is refused: send application/json",
        ),
        (
            "a JSON-like type",
            vec![("Content-Type", "application/ld+json")],
            415,
            "is refused: send application/json",
        ),
        (
            "an Origin header",
            vec![JSON, ("Origin", "http://127.0.0.1:1")],
            403,
            "requests with an Origin header (from web pages) are refused",
        ),
        (
            "a callback of the endpoint",
            vec![JSON, (CALLBACK_HEADER, "1")],
            403,
            "nested calls are refused",
        ),
    ];
    let mut failures = Vec::new();
    for (name, headers, status, message) in &cases {
        let response = raw_request(address, "POST", PATH, headers, body.as_bytes()).await;
        if response.status != Some(*status) || !text(&response).contains(message) {
            failures.push(format!(
                "{name}: expected {status} with {message:?}, got {:?} {:?}",
                response.status,
                text(&response)
            ));
        }
    }
    let calls = receiver.received();
    server.stop(true).await;
    stub.stop(true).await;
    receiver.stop().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(calls.is_empty(), "refused requests made calls: {calls:?}");
}

#[actix_rt::test]
async fn redirects_are_not_followed() {
    let _capture = testing::capture();
    let receiver = Receiver::start();
    let location = receiver.url("/redirected");
    let (redirecting_address, redirecting_handle) = serve_on_loopback!(move || {
        let location = location.clone();
        App::new().default_service(web::to(move || {
            let location = location.clone();
            async move {
                HttpResponse::TemporaryRedirect()
                    .insert_header(("Location", location))
                    .finish()
            }
        }))
    });
    let (server, address, stub) = start(Some(Conformance::default()));

    let url = format!("http://{redirecting_address}/moved");
    let body = calls_to(std::slice::from_ref(&url));
    let response = raw_request(address, "POST", PATH, &[JSON], body.as_bytes()).await;
    let calls = receiver.received();
    server.stop(true).await;
    stub.stop(true).await;
    redirecting_handle.stop(true).await;
    receiver.stop().await;
    assert_eq!(response.status, Some(200), "{response:?}");
    let results: serde_json::Value =
        serde_json::from_slice(&response.body).expect("the answer is JSON");
    assert_eq!(results, serde_json::json!([{ "url": url, "status": 307 }]));
    assert!(calls.is_empty(), "the redirect was followed: {calls:?}");
}

#[actix_rt::test]
async fn a_fan_out_over_the_budget_is_refused() {
    let _capture = testing::capture();
    let receiver = Receiver::start();
    let (server, address, stub) = start(Some(Conformance::default()));
    let urls: Vec<String> = (0..=MAX_CALLS)
        .map(|i| receiver.url(&format!("/call/{i}")))
        .collect();

    let over = calls_to(&urls);
    let refused = raw_request(address, "POST", PATH, &[JSON], over.as_bytes()).await;
    let calls_when_refused = receiver.received().len();
    let within = calls_to(&urls[..MAX_CALLS]);
    let answered = raw_request(address, "POST", PATH, &[JSON], within.as_bytes()).await;
    let calls_when_answered = receiver.received().len();
    server.stop(true).await;
    stub.stop(true).await;
    receiver.stop().await;

    assert_eq!(refused.status, Some(400), "{refused:?}");
    assert_eq!(
        text(&refused),
        format!(
            "verify-tracecontext: {} elements: at most {MAX_CALLS} calls per request\n",
            MAX_CALLS + 1
        )
    );
    assert_eq!(calls_when_refused, 0);
    assert_eq!(answered.status, Some(200), "{answered:?}");
    assert_eq!(calls_when_answered, MAX_CALLS);
}

#[actix_rt::test]
async fn callbacks_go_only_to_loopback_and_never_to_the_server_itself() {
    let _capture = testing::capture();
    let receiver = Receiver::start();
    // Allowing a target does not open the server itself.
    let allowed: demo_server::conformance::AllowedTarget =
        "harness.example:7777".parse().expect("a valid target");
    let (server, address, stub) = start(Some(Conformance::new(vec![allowed])));
    let refused = [
        // Never connected to: refused before any call.
        (
            "http://192.0.2.1:7777/callback".to_owned(),
            "192.0.2.1:7777 is not allowed: callbacks go only to loopback addresses",
        ),
        (
            "http://harness.example:7778/callback".to_owned(),
            "harness.example:7778 is not allowed",
        ),
        (
            format!("http://{address}{PATH}"),
            "is this server: calls to it are refused",
        ),
        (
            format!("http://localhost:{}{PATH}", address.port()),
            "is this server: calls to it are refused",
        ),
    ];
    let mut failures = Vec::new();
    for (url, message) in &refused {
        // A good call first: the whole request is refused, not only the bad element.
        let body = calls_to(&[receiver.url("/first"), url.clone()]);
        let response = raw_request(address, "POST", PATH, &[JSON], body.as_bytes()).await;
        let expected = format!(r#"verify-tracecontext: element 1: "url" {url:?}: "#);
        let text = text(&response);
        if response.status != Some(403) || !text.starts_with(&expected) || !text.contains(message) {
            failures.push(format!(
                "{url}: expected 403 with {message:?}, got {:?} {text:?}",
                response.status
            ));
        }
    }
    let calls = receiver.received();
    server.stop(true).await;
    stub.stop(true).await;
    receiver.stop().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(calls.is_empty(), "refused requests made calls: {calls:?}");
}

/// A loopback server that reads what it is sent and never answers; it counts the connections
/// open at once, and the most there were.
struct Silent {
    address: SocketAddr,
    open: Arc<AtomicUsize>,
    most_open: Arc<AtomicUsize>,
    task: actix_rt::task::JoinHandle<()>,
}

impl Silent {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the silent server binds on loopback");
        let address = listener.local_addr().expect("bound");
        let open = Arc::new(AtomicUsize::new(0));
        let most_open = Arc::new(AtomicUsize::new(0));
        let (open_count, most) = (Arc::clone(&open), Arc::clone(&most_open));
        let task = actix_rt::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let now = open_count.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let open_count = Arc::clone(&open_count);
                actix_rt::spawn(async move {
                    // Until the caller gives up and closes the connection.
                    let mut buffer = [0_u8; 1024];
                    while let Ok(1..) = stream.read(&mut buffer).await {}
                    open_count.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            address,
            open,
            most_open,
            task,
        }
    }
}

#[actix_rt::test]
async fn get_root_is_answered_while_200_callbacks_hang() {
    let _capture = testing::capture();
    let silent = Silent::start().await;
    let (server, address, stub) = start(Some(Conformance::default()));
    let body = calls_to(&[format!("http://{}/never-answers", silent.address)]);
    let posts: Vec<_> = (0..200)
        .map(|_| {
            let body = body.clone();
            actix_rt::spawn(async move {
                raw_request(address, "POST", PATH, &[JSON], body.as_bytes()).await
            })
        })
        .collect();
    // The callbacks hang once the silent server holds a connection.
    let waited = tokio::time::timeout(HANG_LIMIT, async {
        while silent.open.load(Ordering::SeqCst) == 0 {
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "no callback reached the silent server");

    let root = raw_request(address, "GET", "/", &[], b"").await;
    let mut answers = Vec::new();
    for post in posts {
        answers.push(post.await.expect("the POST task ends"));
    }
    let most_open = silent.most_open.load(Ordering::SeqCst);
    server.stop(true).await;
    stub.stop(true).await;
    silent.task.abort();

    assert_eq!(root.status, Some(200), "{root:?}");
    assert_eq!(text(&root), "upstream answered 200\n");
    // Every hung call ends with a generic error, through a pool of a few connections.
    for answer in &answers {
        assert_eq!(answer.status, Some(200), "{answer:?}");
        let results: serde_json::Value =
            serde_json::from_slice(&answer.body).expect("the answer is JSON");
        let error = results[0]["error"].as_str().unwrap_or_default();
        assert!(
            error == "no answer" || error.starts_with("not made"),
            "{results}"
        );
    }
    // Two workers, each with a pool of CALLBACK_CONNECTIONS: far fewer connections than calls
    // (the count overshoots 2 x CALLBACK_CONNECTIONS for a moment when calls time out together,
    // as a closed connection is noticed after its successor was accepted).
    assert!(
        most_open <= 100,
        "{most_open} connections to the silent server at once for 200 calls"
    );
}

#[actix_rt::test]
async fn a_502_names_neither_the_upstream_nor_its_credentials() {
    // Every span: the server's answer to a request without a parent of this test's own.
    let capture = testing::capture_all();
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.local_addr().expect("bound").port()
    };
    let upstream = format!("http://user:secret@127.0.0.1:{closed}/wiki/Rabbit");
    let (server, address) = demo_server::start("127.0.0.1:0", upstream).expect("server starts");
    let handle = server.handle();
    actix_rt::spawn(server);
    let response = raw_request(address, "GET", "/", &[], b"").await;
    handle.stop(true).await;

    assert_eq!(response.status, Some(502), "{response:?}");
    assert_eq!(text(&response), "the upstream request failed\n");
    let spans = capture.spans();
    assert!(!spans.is_empty());
    assert!(
        !format!("{spans:?}").contains("secret"),
        "a span carries the password: {spans:#?}"
    );
}

/// Writes `request` (an incomplete one) and reads the answer to the end of the connection.
async fn send_and_stall(address: SocketAddr, request: &[u8]) -> RawResponse {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream.write_all(request).await?;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(HANG_LIMIT, exchange)
        .await
        .expect("the server answers a stalled request")
        .expect("the exchange works");
    let head = String::from_utf8_lossy(&answer).into_owned();
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok());
    RawResponse {
        status,
        head,
        body: Vec::new(),
    }
}

#[actix_rt::test]
async fn a_stalled_head_or_body_is_answered_408() {
    let _capture = testing::capture();
    let (server, address, stub) = start(Some(Conformance::default()));
    let head = send_and_stall(address, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
    let body = send_and_stall(
        address,
        format!(
            "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n[{{\"url\":"
        )
        .as_bytes(),
    )
    .await;
    server.stop(true).await;
    stub.stop(true).await;
    assert_eq!(head.status, Some(408), "{head:?}");
    assert_eq!(body.status, Some(408), "{body:?}");
    assert!(
        body.head.contains("the body did not arrive within"),
        "{body:?}"
    );
}
