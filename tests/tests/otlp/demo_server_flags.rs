//! The real demo-server binary: `POST /verify-tracecontext` is served only with
//! `--conformance`, `--conformance-allow` needs it, and an upstream's `user:password@` shows
//! neither in a 502 nor in anything the server prints.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::demos::{self, Server};
use crate::support::shared;

/// Far above what any exchange here takes: only detects a hang.
const HANG: Duration = Duration::from_secs(30);

/// One request with `Connection: close`; (status, whole answer as text).
fn exchange(address: SocketAddr, head: &str, body: &str) -> (Option<u16>, String) {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream.set_read_timeout(Some(HANG)).expect("timeout set");
    let request = format!(
        "{head}\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok());
    (status, answer)
}

fn post_verify(address: SocketAddr) -> (Option<u16>, String) {
    exchange(
        address,
        "POST /verify-tracecontext HTTP/1.1\r\nContent-Type: application/json",
        "[]",
    )
}

#[test]
fn the_conformance_endpoint_is_served_only_with_its_flag() {
    let _shared = shared();
    let env = [("OTEL_TRACES_EXPORTER", "none")];
    let off = Server::start_with_args(&env, &[]);
    let (status, answer) = post_verify(off.address());
    assert_eq!(status, Some(404), "{answer}");
    let (status, stderr) = off.interrupt();
    assert!(status.success(), "{stderr:#?}");

    let mut on = Server::start_with_args(&env, &["--conformance"]);
    assert!(
        on.wait_for_stderr(
            |line| line == "demo-server: serving POST /verify-tracecontext (callbacks to loopback)",
            HANG
        ),
        "no line says the endpoint is on"
    );
    let (status, answer) = post_verify(on.address());
    assert_eq!(status, Some(200), "{answer}");
    assert!(answer.ends_with("\r\n\r\n[]"), "{answer}");
    let (status, stderr) = on.interrupt();
    assert!(status.success(), "{stderr:#?}");
    assert!(
        !stderr.iter().any(|line| line.contains("warning")),
        "no warning on loopback: {stderr:#?}"
    );

    let mut without = demos::command("demo-server", &env);
    without.args([
        "--bind",
        "127.0.0.1:0",
        "--conformance-allow",
        "127.0.0.1:7777",
    ]);
    let finished = demos::run(without, HANG);
    assert_eq!(finished.status.code(), Some(2), "{finished:?}");
    assert!(finished.stderr.contains("--conformance"), "{finished:?}");
    let mut bad = demos::command("demo-server", &env);
    bad.args(["--conformance", "--conformance-allow", "harness.example"]);
    let finished = demos::run(bad, HANG);
    assert_eq!(finished.status.code(), Some(2), "{finished:?}");
    assert!(
        finished
            .stderr
            .contains("has no port: give it as HOST:PORT"),
        "{finished:?}"
    );
}

/// Sends SIGINT to the child this test started, and collects what it printed.
fn interrupt(mut child: Child, mut stderr: impl Read) -> (String, String) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIGINT could not be sent");
    let (mut stdout, mut rest) = (String::new(), String::new());
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    let _ = stderr.read_to_string(&mut rest);
    let status = child.wait().expect("the server can be waited for");
    assert!(status.success(), "{status}: {rest}");
    (stdout, rest)
}

#[test]
fn upstream_credentials_show_neither_in_a_502_nor_in_what_the_server_prints() {
    let _shared = shared();
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.local_addr().expect("bound").port()
    };
    let upstream = format!("http://user:secret@127.0.0.1:{closed}/wiki/Rabbit");
    // The console exporter on stdout: the spans must not carry the password either.
    let mut child = demos::command("demo-server", &[("OTEL_TRACES_EXPORTER", "console")])
        .args(["--bind", "127.0.0.1:0", "--upstream", &upstream])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("demo-server starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let mut startup = String::new();
    // After actix-server's start lines (logged at `info` through the `tracing` bridge).
    while startup.is_empty() || demos::is_log_line(&startup) {
        startup.clear();
        let read = stderr
            .read_line(&mut startup)
            .expect("the startup line is read");
        assert_ne!(read, 0, "demo-server printed no startup line");
    }
    let expected = format!("(upstream http://127.0.0.1:{closed}/wiki/Rabbit)");
    assert!(startup.contains(&expected), "{startup:?}");
    let address: SocketAddr = startup
        .split("listening on http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|address| address.parse().ok())
        .unwrap_or_else(|| panic!("no address in {startup:?}"));

    let (status, answer) = exchange(address, "GET / HTTP/1.1", "");
    let (stdout, rest_of_stderr) = interrupt(child, stderr);
    assert_eq!(status, Some(502), "{answer}");
    assert!(
        answer.ends_with("\r\n\r\nthe upstream request failed\n"),
        "{answer}"
    );
    for (name, text) in [
        ("the answer", answer.as_str()),
        ("stderr", startup.as_str()),
        ("stderr", rest_of_stderr.as_str()),
        ("stdout", stdout.as_str()),
    ] {
        assert!(
            !text.contains("secret") && !text.contains("user:"),
            "{name} shows the credentials: {text}"
        );
    }
    assert!(
        stdout.contains("kind=SpanKind.CLIENT"),
        "the spans were printed: {stdout}"
    );
}
