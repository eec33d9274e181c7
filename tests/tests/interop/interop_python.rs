//! Interop with another OpenTelemetry SDK, Python's (interop/, pinned in
//! interop/requirements.txt): the four-span trace of the demo holds across the SDK boundary in
//! both directions.
//!
//! 1. `demo-client` (Rust) → `python_server.py` (SERVER → `parent` → CLIENT) → upstream stub.
//! 2. `python_client.py` (CLIENT) → `demo-server` (SERVER → `parent` → CLIENT) → upstream stub.
//!
//! The Python processes write their spans as JSON lines; the Rust spans are captured in memory.
//! Without the Python packages the tests print how to install them and pass, except in CI
//! (`CI=true`), where a missing package fails them. `INTEROP_PYTHON` names the interpreter
//! (default `python3`).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing::{self, describe, is_child_of, is_root};
use serde_json::Value;

/// How long a Python process may take to start, answer or write its spans (a safety bound).
const HANG_LIMIT: Duration = Duration::from_secs(30);
/// The modules the interop scripts import.
const MODULES: &str = "opentelemetry.sdk.trace, opentelemetry.instrumentation.wsgi, \
                       opentelemetry.instrumentation.requests, requests";

fn python() -> String {
    std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// Whether the Python side can run. Missing packages skip the test (with a message on the real
/// stderr, visible in `cargo test` output), except in CI, where they fail it.
fn python_ready(test: &str) -> bool {
    let probe = Command::new(python())
        .args(["-c", &format!("import {MODULES}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let problem = match probe {
        Ok(output) if output.status.success() => return true,
        Ok(output) => String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or("import failed")
            .to_owned(),
        Err(error) => format!("cannot run {}: {error}", python()),
    };
    let message = format!(
        "interop_python::{test}: the Python OpenTelemetry packages are missing ({problem}); \
         install them with `python3 -m pip install -r interop/requirements.txt`"
    );
    if std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!("{message} (CI=true: not skipping)");
    }
    // Straight to the process's stderr: the test harness captures `eprintln!`.
    let _ = writeln!(std::io::stderr(), "SKIPPED {message}");
    false
}

/// A temporary file for one process's spans, removed on drop.
struct SpanFile(PathBuf);

impl SpanFile {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "otel-interop-{}-{tag}-{}.jsonl",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Self(std::env::temp_dir().join(name))
    }

    fn spans(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.0)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is a JSON span"))
            .collect()
    }

    /// The spans, once there are `count` of them (the WSGI server ends its span after sending
    /// the response).
    fn wait_for(&self, count: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let spans = self.spans();
            if spans.len() >= count || start.elapsed() > HANG_LIMIT {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SpanFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A child process this test started, killed (by its own handle) when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Python environment of both scripts: stable HTTP semantic conventions, W3C propagation.
fn python_command(script: &str) -> Command {
    let mut command = Command::new(python());
    command
        .arg(interop_dir().join(script))
        .env("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
        .env("OTEL_PROPAGATORS", "tracecontext,baggage")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// Starts `python_server.py` and returns it with the URL it listens on.
fn start_python_server(upstream: &str, spans: &SpanFile) -> (Process, String) {
    let mut child = python_command("python_server.py")
        .args(["--port", "0", "--upstream", upstream, "--spans"])
        .arg(&spans.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let process = Process(child);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("python-server: listening on ") {
                let _ = sender.send(url.to_owned());
            }
        }
    });
    let url = receiver
        .recv_timeout(HANG_LIMIT)
        .expect("python_server.py says where it listens");
    (process, url)
}

fn field<'a>(span: &'a Value, name: &str) -> &'a str {
    span[name].as_str().unwrap_or("")
}

fn python_span<'a>(spans: &'a [Value], kind: &str) -> &'a Value {
    let matching: Vec<&Value> = spans
        .iter()
        .filter(|span| field(span, "kind") == kind)
        .collect();
    assert_eq!(matching.len(), 1, "one {kind} span among {spans:#?}");
    matching[0]
}

fn rust_span<'a>(
    spans: &'a [SpanData],
    what: &str,
    pick: impl Fn(&SpanData) -> bool,
) -> &'a SpanData {
    let matching: Vec<&SpanData> = spans.iter().filter(|span| pick(span)).collect();
    assert_eq!(matching.len(), 1, "one {what}; spans: {}", describe(spans));
    matching[0]
}

/// The stable HTTP server attributes both SDKs record under the same names.
const SHARED_SERVER_ATTRIBUTES: [&str; 6] = [
    "http.request.method",
    "url.scheme",
    "server.port",
    "client.address",
    "network.protocol.version",
    "http.response.status_code",
];

#[actix_rt::test]
async fn the_demo_client_continues_into_a_python_server() {
    if !python_ready("the_demo_client_continues_into_a_python_server") {
        return;
    }
    let capture = testing::capture_all();
    let (stub, stub_address, received) = demo_server::upstream::start().expect("stub starts");
    let stub_handle = stub.handle();
    actix_rt::spawn(stub);
    let spans_file = SpanFile::new("server");
    let upstream = format!("http://{stub_address}/wiki/Rabbit");
    let (server, url) = start_python_server(&upstream, &spans_file);

    let body = demo_client::fetch(&url)
        .await
        .expect("the Python server answers");
    assert_eq!(body, "upstream answered 200\n");
    let python = spans_file.wait_for(3);
    drop(server);
    stub_handle.stop(true).await;

    let rust = capture.spans();
    let client = rust_span(&rust, "root CLIENT span", |span| {
        span.span_kind == SpanKind::Client && is_root(span)
    });
    let trace_id = client.span_context.trace_id().to_string();
    let client_id = client.span_context.span_id().to_string();
    assert_eq!(python.len(), 3, "{python:#?}");
    let server = python_span(&python, "SERVER");
    let parent = python_span(&python, "INTERNAL");
    let outbound = python_span(&python, "CLIENT");
    for span in &python {
        assert_eq!(field(span, "trace_id"), trace_id, "one trace: {python:#?}");
    }
    // 1 → 2 across the SDK boundary, then 2 → 3 → 4 inside the Python SDK.
    assert_eq!(field(server, "parent_span_id"), client_id);
    assert_eq!(server["parent_is_remote"], Value::Bool(true));
    assert_eq!(field(parent, "name"), "parent");
    assert_eq!(field(parent, "parent_span_id"), field(server, "span_id"));
    assert_eq!(field(outbound, "parent_span_id"), field(parent, "span_id"));
    // The upstream saw span 4 as its parent, with the flags our client sent.
    let flags = field(server, "trace_flags");
    assert_eq!(
        received.list(),
        vec![Some(format!(
            "00-{trace_id}-{}-{flags}",
            field(outbound, "span_id")
        ))]
    );
    for key in SHARED_SERVER_ATTRIBUTES {
        assert!(
            server["attributes"].get(key).is_some(),
            "Python's SERVER span lacks {key}: {server:#?}"
        );
    }
}

#[actix_rt::test]
async fn the_demo_server_accepts_a_trace_begun_by_python() {
    if !python_ready("the_demo_server_accepts_a_trace_begun_by_python") {
        return;
    }
    let capture = testing::capture_all();
    let (stub, stub_address, received) = demo_server::upstream::start().expect("stub starts");
    let stub_handle = stub.handle();
    actix_rt::spawn(stub);
    let (server, address) =
        demo_server::start("127.0.0.1:0", format!("http://{stub_address}/wiki/Rabbit"))
            .expect("server starts");
    let server_handle = server.handle();
    actix_rt::spawn(server);
    let spans_file = SpanFile::new("client");
    let mut command = python_command("python_client.py");
    command
        .args(["--url", &format!("http://{address}/"), "--spans"])
        .arg(&spans_file.0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Blocking wait off the test's thread; the demo server runs on its own workers anyway.
    let output = actix_rt::task::spawn_blocking(move || {
        let child = command.spawn().expect("python3 runs");
        let mut process = Process(child);
        let deadline = Instant::now() + HANG_LIMIT;
        let status = loop {
            if let Some(status) = process.0.try_wait().expect("the child can be waited for") {
                break Some(status);
            }
            if Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = process.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        (status, stderr)
    })
    .await
    .expect("the waiting thread finishes");
    server_handle.stop(true).await;
    stub_handle.stop(true).await;
    let (status, stderr) = output;
    assert!(
        status.is_some_and(|status| status.success()),
        "python_client.py: {status:?} {stderr}"
    );

    let python = spans_file.spans();
    assert_eq!(python.len(), 1, "{python:#?}");
    let client = python_span(&python, "CLIENT");
    assert!(client["parent_span_id"].is_null(), "Python began the trace");
    let trace_id = field(client, "trace_id");

    let rust = capture.spans();
    assert_eq!(rust.len(), 3, "{}", describe(&rust));
    let server = rust_span(&rust, "SERVER span", |span| {
        span.span_kind == SpanKind::Server
    });
    let parent = rust_span(&rust, "INTERNAL span", |span| {
        span.span_kind == SpanKind::Internal
    });
    let outbound = rust_span(&rust, "CLIENT span", |span| {
        span.span_kind == SpanKind::Client
    });
    for span in &rust {
        assert_eq!(span.span_context.trace_id().to_string(), trace_id);
    }
    // 1 → 2 across the SDK boundary, then 2 → 3 → 4 inside ours.
    assert_eq!(server.parent_span_id.to_string(), field(client, "span_id"));
    assert!(server.parent_span_is_remote);
    assert!(is_child_of(parent, server) && is_child_of(outbound, parent));
    // Python sets the Level 2 random flag on traces it starts; we keep the flags we received.
    let flags = field(client, "trace_flags");
    assert_eq!(
        received.list(),
        vec![Some(format!(
            "00-{trace_id}-{}-{flags}",
            outbound.span_context.span_id()
        ))]
    );
    // Both SDKs name the stable HTTP server attributes alike.
    for key in SHARED_SERVER_ATTRIBUTES {
        assert!(
            server.attributes.iter().any(|kv| kv.key.as_str() == key),
            "our SERVER span lacks {key}"
        );
    }
}
