//! OTLP over TLS, and http/json: the real demo binaries export the four-span trace to a
//! receiver on loopback whose certificate was made at test time (support::tls) and is trusted
//! through `OTEL_EXPORTER_OTLP_CERTIFICATE`; a CA that did not sign it is reported once, in
//! one clear line, and costs no more than the export timeout.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::otlp_http_end_to_end::assert_four_span_trace;
use crate::support::demos::{self, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::shared;
use crate::support::tls::Pki;

/// Far above what the exports below may take (1 s each): only detects a hang.
const HANG_BOUND: Duration = Duration::from_secs(20);

#[test]
fn demo_trace_arrives_over_https() {
    let _shared = shared();
    let pki = Pki::new("https CA");
    let receiver = Receiver::https(&pki);
    let endpoint = receiver.endpoint();
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    let ca = pki.ca_file();
    let env = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", ca.as_str()),
    ];
    demos::run_demo_cleanly(&env, &env);

    let spans = receiver.wait_for_spans(4, HANG_LIMIT);
    assert_four_span_trace(&spans);
    assert!(receiver
        .requests()
        .iter()
        .all(|request| request.header("content-type") == Some("application/x-protobuf")));
}

#[test]
fn demo_trace_arrives_over_grpc_with_tls_and_a_client_certificate() {
    let _shared = shared();
    let pki = Pki::new("grpc CA");
    // The receiver refuses a client without a certificate signed by the CA (mutual TLS).
    let receiver = Receiver::grpc_tls(pki.tonic_server_config(true));
    // No scheme: TLS, as OTEL_EXPORTER_OTLP_INSECURE is not `true`.
    let endpoint = receiver.address().to_string();
    let (ca, certificate, key) = (
        pki.ca_file(),
        pki.client_certificate_file(),
        pki.client_key_file(),
    );
    let env = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", ca.as_str()),
        (
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
            certificate.as_str(),
        ),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", key.as_str()),
    ];
    demos::run_demo_cleanly(&env, &env);

    let spans = receiver.wait_for_spans(4, HANG_LIMIT);
    assert_four_span_trace(&spans);
}

#[test]
fn demo_trace_arrives_over_http_json() {
    let _shared = shared();
    let receiver = Receiver::http();
    let endpoint = receiver.endpoint();
    let env = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
    ];
    demos::run_demo_cleanly(&env, &env);

    let spans = receiver.wait_for_spans(4, HANG_LIMIT);
    assert_four_span_trace(&spans);
    let requests = receiver.requests();
    assert!(requests
        .iter()
        .all(|request| request.header("content-type") == Some("application/json")));
}

#[test]
fn a_grpc_endpoint_without_scheme_is_plaintext_with_insecure() {
    let _shared = shared();
    let receiver = Receiver::grpc();
    let endpoint = receiver.address().to_string();
    let command = client_command(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
    ]);
    let finished = demos::run(command, HANG_BOUND);
    assert!(
        !finished.stderr.contains("otel-runtime"),
        "{}",
        finished.stderr
    );
    assert_eq!(receiver.wait_for_spans(1, HANG_LIMIT).len(), 1);
}

#[test]
fn a_wrong_ca_is_reported_once_and_the_process_exits_promptly() {
    let _shared = shared();
    let collector = Pki::new("collector CA");
    let other = Pki::new("other CA");
    let wrong_ca = other.ca_file();
    for (protocol, receiver) in [
        ("http/protobuf", Receiver::https(&collector)),
        (
            "grpc",
            Receiver::grpc_tls(collector.tonic_server_config(false)),
        ),
    ] {
        let endpoint = receiver.endpoint();
        // Built (the first time) before the clock starts.
        let command = client_command(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", wrong_ca.as_str()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ]);
        let started = Instant::now();
        let finished = demos::run(command, HANG_BOUND);
        let took = started.elapsed();
        // Bounded by the export timeout (1 s, plus process start and exit), far from the
        // 10 s default it would take if the variable were not applied.
        assert!(took < Duration::from_secs(9), "{protocol}: took {took:?}");
        // demo-client exits 1: its own GET failed (nothing listens there).
        assert_eq!(finished.status.code(), Some(1), "{}", finished.stderr);
        let tls_lines: Vec<&str> = finished
            .stderr
            .lines()
            .filter(|line| line.contains("certificate") || line.contains("TLS"))
            .collect();
        let [line] = tls_lines.as_slice() else {
            panic!("{protocol}: one TLS line: {}", finished.stderr);
        };
        assert!(
            line.starts_with(&format!(
                "otel-runtime: warning: OTLP export ({protocol}) to {endpoint}"
            )),
            "{line}"
        );
        assert!(
            line.contains(
                "TLS handshake failed: the collector's certificate was rejected (invalid peer certificate: "
            ),
            "{line}"
        );
        assert!(
            line.contains(&format!(
                "trusted: the CA certificates of OTEL_EXPORTER_OTLP_CERTIFICATE={wrong_ca:?} only"
            )),
            "{line}"
        );
        assert!(
            receiver.requests().is_empty(),
            "{protocol}: nothing arrives"
        );
    }
}

/// demo-client against a closed port (one CLIENT span), exporting over OTLP with `env`.
fn client_command(env: &[(&str, &str)]) -> Command {
    let closed = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let page = format!("http://{}/", closed.local_addr().expect("bound"));
    drop(closed);
    let mut env = env.to_vec();
    env.push(("OTEL_TRACES_EXPORTER", "otlp"));
    let mut command = demos::command("demo-client", &env);
    command.args(["--url", &page]);
    command
}
