//! Hostile requests to the real demo-server: big headers (64 KiB and 1 MiB `tracestate`,
//! 64 KiB `baggage`, URL), many `tracestate` lines, control characters, huge or endless
//! bodies, malformed request lines, bad conformance bodies one after another, callback URLs
//! pointing nowhere. Each gets a 4xx with a message (or the normal answer), never a hang or a
//! dead worker: `GET /` still answers afterwards, and the server shuts down cleanly.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::support::demos::Server;
use crate::support::shared;

/// How long one exchange may take before the server is called hung (a safety bound).
const HANG: Duration = Duration::from_secs(30);

/// Sends `head` (request line and headers, without the blank line) and `body`, with
/// `Connection: close`, and reads the answer (to its `Content-Length`, else to the end of the
/// connection): (status, answer as text).
fn exchange(address: SocketAddr, head: &str, body: &[u8]) -> (Option<u16>, String) {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream.set_read_timeout(Some(HANG)).expect("timeout set");
    stream.set_write_timeout(Some(HANG)).expect("timeout set");
    let mut request =
        format!("{head}\r\nHost: {address}\r\nConnection: close\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    // Written from another thread: the server may answer and stop reading before the end.
    let mut writer = stream.try_clone().expect("a second handle");
    let writing = std::thread::spawn(move || {
        let _ = writer.write_all(&request);
    });
    let started = Instant::now();
    let answer = read_answer(&mut stream);
    assert!(started.elapsed() < HANG, "{head:.60}: the server hung");
    // A refused body may still be on its way: the answer is what counts.
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = writing.join();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok());
    (status, text)
}

/// The head and, if it says how long, the body; else everything until the connection closes.
fn read_answer(stream: &mut TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length = head.lines().find_map(|line| {
                line.strip_prefix("content-length:")
                    .and_then(|n| n.trim().parse::<usize>().ok())
            });
            if let Some(length) = length {
                if answer.len() >= end + 4 + length {
                    return answer;
                }
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return answer,
            Ok(read) => answer.extend_from_slice(&buffer[..read]),
        }
    }
}

fn get_root(address: SocketAddr, extra_headers: &str) -> (Option<u16>, String) {
    exchange(address, &format!("GET / HTTP/1.1{extra_headers}"), b"")
}

fn post_verify(address: SocketAddr, body: &str) -> (Option<u16>, String) {
    exchange(
        address,
        &format!(
            "POST /verify-tracecontext HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}",
            body.len()
        ),
        body.as_bytes(),
    )
}

fn is_client_error(status: Option<u16>) -> bool {
    status.is_some_and(|code| (400..500).contains(&code))
}

#[test]
fn hostile_requests_get_a_4xx_and_the_server_keeps_serving() {
    let _shared = shared();
    let server = Server::start_with_args(&[("OTEL_TRACES_EXPORTER", "none")], &["--conformance"]);
    let address = server.address();
    let mut failures = Vec::new();
    let mut check = |name: &str, (status, text): (Option<u16>, String), ok: bool| {
        if !ok {
            failures.push(format!("{name}: got {status:?}: {:.300}", text));
        }
    };

    // Big propagation headers are read (the propagators ignore what is invalid or over their
    // limits) and the request is served; past the HTTP layer's limits, a 431.
    let big = "a".repeat(64 * 1024);
    for header in ["tracestate", "baggage", "traceparent"] {
        let answer = get_root(address, &format!("\r\n{header}: k={big}"));
        let ok = answer.0 == Some(200);
        check(&format!("64 KiB {header}"), answer, ok);
    }
    let huge = "a".repeat(1024 * 1024);
    let answer = get_root(address, &format!("\r\ntracestate: k={huge}"));
    let ok = is_client_error(answer.0);
    check("1 MiB tracestate", answer, ok);
    let answer = exchange(address, &format!("GET /{big} HTTP/1.1"), b"");
    let ok = is_client_error(answer.0);
    check("64 KiB URL", answer, ok);
    let members: Vec<String> = (0..32).map(|i| format!("k{i}=v{i}")).collect();
    let lines = |count: usize| -> String {
        (0..count)
            .map(|i| format!("\r\ntracestate: m{i}=x"))
            .collect()
    };
    let served = [
        (
            "32-member tracestate",
            format!("\r\ntracestate: {}", members.join(",")),
        ),
        ("50 tracestate lines", lines(50)),
        (
            "garbage traceparent",
            "\r\ntraceparent: zz-00-!!-\"x\"".to_owned(),
        ),
    ];
    for (name, headers) in served {
        let answer = get_root(address, &headers);
        let ok = answer.0 == Some(200);
        check(name, answer, ok);
    }
    let answer = get_root(address, &lines(200));
    let ok = is_client_error(answer.0);
    check("200 tracestate lines", answer, ok);
    let answer = get_root(address, "\r\ntraceparent: \u{1}\u{7f}");
    let ok = is_client_error(answer.0);
    check("control characters in a header", answer, ok);

    // Malformed requests.
    let answer = exchange(address, "GARBAGE", b"");
    let ok = is_client_error(answer.0) || answer.0.is_none();
    check("garbage request line", answer, ok);
    let answer = exchange(address, "GET /nowhere HTTP/1.1", b"");
    let ok = answer.0 == Some(404) && answer.1.contains("no route for /nowhere");
    check("unknown path", answer, ok);

    // The conformance endpoint: huge, endless, announced-huge and wrong bodies.
    let body = format!(r#"[{{"url": "http://127.0.0.1:9/", "arguments": "{big}{big}"}}]"#);
    let answer = post_verify(address, &body);
    let ok = answer.0 == Some(413) && answer.1.contains("larger than");
    check("128 KiB body", answer, ok);
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    let endless: String = (0..16).map(|_| chunk.as_str()).collect();
    let answer = exchange(
        address,
        "POST /verify-tracecontext HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked",
        endless.as_bytes(),
    );
    let ok = answer.0 == Some(413);
    check("1 MiB chunked body", answer, ok);
    let answer = exchange(
        address,
        "POST /verify-tracecontext HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 10000000000",
        b"[",
    );
    let ok = is_client_error(answer.0);
    check("10 GB announced", answer, ok);
    let bad_bodies = [
        "not json",
        "{\"url\": 1}",
        "[{\"url\": 5}]",
        "[{\"url\": \"ftp://127.0.0.1/\"}]",
        "[{\"url\": \"/relative\"}]",
        "[1, 2, 3]",
        "\u{0}\u{1}\u{2}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];
    for round in 0..25 {
        for body in bad_bodies {
            let answer = post_verify(address, body);
            let ok = answer.0 == Some(400) && answer.1.contains("verify-tracecontext: ");
            check(&format!("bad body {body:?} (round {round})"), answer, ok);
        }
    }
    // A callback URL pointing nowhere: answered, with the error per call.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("bound").port()
    };
    let answer = post_verify(
        address,
        &format!(r#"[{{"url": "http://127.0.0.1:{closed}/"}}]"#),
    );
    let ok = answer.0 == Some(200) && answer.1.contains("\"error\"");
    check("callback to a closed port", answer, ok);

    // Still serving, on every worker.
    for _ in 0..4 {
        let answer = get_root(address, "");
        let ok = answer.0 == Some(200);
        check("GET / afterwards", answer, ok);
    }
    let (status, stderr) = server.interrupt();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(status.success(), "{stderr:#?}");
    assert!(
        !stderr.iter().any(|line| line.contains("panicked")),
        "no panic: {stderr:#?}"
    );
}
