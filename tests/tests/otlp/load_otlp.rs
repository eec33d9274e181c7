//! Load: the real demo-server's traced route under many concurrent keep-alive connections,
//! exporting over OTLP http/protobuf to a receiver on loopback with the default `OTEL_BSP_*`
//! settings. Every request's three spans are accounted for: received, or counted as dropped
//! in the server's shutdown line; with these settings none is dropped.
//!
//! Bounded for CI; `LOAD_REQUESTS`, `LOAD_CONNECTIONS` and `LOAD_SECONDS` make it bigger (see
//! TESTING.md). Figures are printed, not asserted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::alone;
use crate::support::demos::{Server, HANG_LIMIT};
use crate::support::load::{self, DropLine};
use crate::support::receiver::Receiver;

/// Spans per `GET /`: SERVER `GET /`, INTERNAL `parent`, CLIENT `GET`.
const SPANS_PER_REQUEST: usize = 3;

#[test]
fn every_span_of_a_loaded_server_is_received_or_counted() {
    // Nothing may be dropped at this load: no other test competes for the CPU.
    let _alone = alone();
    let requests = load::env_count("LOAD_REQUESTS", 3_000);
    let connections = load::env_count("LOAD_CONNECTIONS", 32);
    let limit = Duration::from_secs(load::env_count("LOAD_SECONDS", 120) as u64);

    let receiver = Receiver::http();
    let server = Server::start(&[
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint()),
    ]);
    let address = server.address();
    let warm_up = load::drive(address, "/", 50, 2, limit);
    assert_eq!(warm_up.ok, 50, "warm-up: {:?}", warm_up.failures);
    let rss_before = load::rss_kib(server.pid()).unwrap_or(0);

    let report = load::drive(address, "/", requests, connections, limit);
    let rss_after = load::rss_kib(server.pid()).unwrap_or(0);
    let stopping = Instant::now();
    let (status, stderr) = server.interrupt();
    let shutdown = stopping.elapsed();

    assert!(
        status.success(),
        "demo-server exited with {status}: {stderr:#?}"
    );
    assert_eq!(
        report.failed, 0,
        "every request is answered 200: {:?}",
        report.failures
    );
    let expected = (warm_up.sent + report.sent) * SPANS_PER_REQUEST;
    let drops = DropLine::find(&stderr).unwrap_or_default();
    let received = receiver.wait_for_spans(expected - drops.dropped as usize, HANG_LIMIT);

    // Each trace is one request: three spans under one trace id, nothing else.
    let mut traces: HashMap<Vec<u8>, usize> = HashMap::new();
    for span in &received {
        *traces.entry(span.span.trace_id.clone()).or_default() += 1;
    }
    println!(
        "load: {} requests over {} connections in {:.2?} ({:.0} req/s); spans expected {expected}, \
         received {}, dropped {} ({drops:?}); demo-server RSS {rss_before} KiB -> {rss_after} KiB; \
         shutdown {shutdown:.2?}",
        report.sent,
        connections,
        report.elapsed,
        report.throughput(),
        received.len(),
        drops.dropped,
    );
    assert_eq!(
        received.len() + drops.dropped as usize,
        expected,
        "every span is received or counted as dropped; stderr: {stderr:#?}"
    );
    assert_eq!(
        drops,
        DropLine::default(),
        "with the default settings nothing is dropped at this load; stderr: {stderr:#?}"
    );
    assert_eq!(
        traces.len(),
        warm_up.sent + report.sent,
        "one trace per request"
    );
    assert!(
        traces.values().all(|&spans| spans == SPANS_PER_REQUEST),
        "three spans per trace"
    );
    assert!(
        rss_after.saturating_sub(rss_before) < 200 * 1024,
        "memory stays bounded: {rss_before} KiB -> {rss_after} KiB"
    );
}
