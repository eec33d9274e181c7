//! A process exporting over OTLP exits promptly when the collector is unreachable: the last
//! export gives up after `OTEL_EXPORTER_OTLP_TIMEOUT`, and the failure is reported on stderr.
//! The time bound below only detects a hang; it is far above the configured timeout.

use std::net::TcpListener;
use std::time::Duration;

use crate::support::demos::{self, Finished};
use crate::support::shared;

/// Generous: the exports below give up after 1 s.
const HANG_BOUND: Duration = Duration::from_secs(20);

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let port = listener.local_addr().expect("bound").port();
    drop(listener);
    port
}

/// Runs demo-client against an unreachable page, exporting to `endpoint` with `protocol`.
fn client_exporting_to(endpoint: &str, protocol: &str) -> Finished {
    let page = format!("http://127.0.0.1:{}/", closed_port());
    let mut command = demos::command(
        "demo-client",
        &[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ],
    );
    command.args(["--url", &page]);
    demos::run(command, HANG_BOUND)
}

fn assert_export_failure_reported(finished: &Finished, protocol: &str, endpoint: &str) {
    // demo-client exits 1: its own GET failed (nothing listens there either).
    assert_eq!(finished.status.code(), Some(1), "{}", finished.stderr);
    let reported = finished.stderr.lines().any(|line| {
        line.starts_with("otel-runtime: warning: OTLP export (")
            && line.contains(protocol)
            && line.contains(endpoint)
            && line.contains("failed")
    });
    assert!(
        reported,
        "the failed export is reported: {}",
        finished.stderr
    );
}

#[test]
fn exits_promptly_when_the_http_collector_port_is_closed() {
    let _shared = shared();
    let endpoint = format!("http://127.0.0.1:{}/v1/traces", closed_port());
    let finished = client_exporting_to(&endpoint, "http/protobuf");
    assert_export_failure_reported(&finished, "http/protobuf", &endpoint);
}

#[test]
fn exits_promptly_when_the_http_collector_never_answers() {
    let _shared = shared();
    // Connections complete in the kernel's backlog, but nothing ever reads or answers them.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let endpoint = format!("http://{}/v1/traces", silent.local_addr().expect("bound"));
    let finished = client_exporting_to(&endpoint, "http/protobuf");
    assert_export_failure_reported(&finished, "http/protobuf", &endpoint);
    drop(silent);
}

#[test]
fn exits_promptly_when_the_grpc_collector_port_is_closed() {
    let _shared = shared();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let finished = client_exporting_to(&endpoint, "grpc");
    assert_export_failure_reported(&finished, "grpc", &endpoint);
}

#[test]
fn exits_promptly_when_the_grpc_collector_never_answers() {
    let _shared = shared();
    let silent = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let endpoint = format!("http://{}", silent.local_addr().expect("bound"));
    let finished = client_exporting_to(&endpoint, "grpc");
    assert_export_failure_reported(&finished, "grpc", &endpoint);
    drop(silent);
}
