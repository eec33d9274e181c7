//! Faults: the real demo-server under load while its OTLP collector is down (connection
//! refused), black-holed (accepts, never answers), or answers 500 or 429. The service answers
//! every request, each failure cause is reported once, every span is counted as dropped in the
//! one shutdown line, shutdown ends promptly and memory stays bounded. When the collector comes
//! back, the spans after it arrive.
//!
//! Throughput against a healthy collector is printed for TESTING.md, not asserted. Sizes:
//! `FAULT_REQUESTS`, `LOAD_CONNECTIONS` (see TESTING.md).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::alone;
use crate::support::demos::{Server, HANG_LIMIT};
use crate::support::load::{self, DropLine, LoadReport};
use crate::support::receiver::Receiver;

/// Spans per `GET /`: SERVER `GET /`, INTERNAL `parent`, CLIENT `GET`.
const SPANS_PER_REQUEST: u64 = 3;
/// One export gives up after this long (`OTEL_EXPORTER_OTLP_TIMEOUT`), so shutdown takes at
/// most this plus the guard's 2 s margin.
const EXPORT_TIMEOUT_MS: &str = "1000";
/// Far above the 3 s shutdown bound: only detects a hang.
const SHUTDOWN_HANG: Duration = Duration::from_secs(20);
/// A leak detector, not a budget.
const RSS_GROWTH_LIMIT_KIB: u64 = 200 * 1024;

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let port = listener.local_addr().expect("bound").port();
    drop(listener);
    port
}

/// What one run under a collector did.
struct Run {
    report: LoadReport,
    rss_before: u64,
    rss_after: u64,
    shutdown: Duration,
    stderr: Vec<String>,
    drops: Option<DropLine>,
}

impl Run {
    fn failure_warnings(&self) -> Vec<&String> {
        self.stderr
            .iter()
            .filter(|line| {
                line.starts_with("otel-runtime: warning: OTLP export (")
                    && line.ends_with("spans are counted as dropped until it recovers")
            })
            .collect()
    }
}

fn run_against(endpoint: &str) -> Run {
    let requests = load::env_count("FAULT_REQUESTS", 1_500);
    let connections = load::env_count("LOAD_CONNECTIONS", 32);
    let server = Server::start(&[
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", EXPORT_TIMEOUT_MS),
    ]);
    let address = server.address();
    let warm_up = load::drive(address, "/", 20, 2, HANG_LIMIT);
    assert_eq!(warm_up.ok, 20, "warm-up: {:?}", warm_up.failures);
    let rss_before = load::rss_kib(server.pid()).unwrap_or(0);
    let mut report = load::drive(address, "/", requests, connections, HANG_LIMIT);
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
        "every request answered: {:?}",
        report.failures
    );
    report.sent += warm_up.sent;
    report.ok += warm_up.ok;
    let drops = DropLine::find(&stderr);
    Run {
        report,
        rss_before,
        rss_after,
        shutdown,
        stderr,
        drops,
    }
}

fn print_row(case: &str, run: &Run, received: usize, baseline: Option<f64>) {
    let drops = run.drops.unwrap_or_default();
    let ratio = baseline.map_or("1.00 (baseline)".to_owned(), |healthy| {
        format!("{:.2}", run.report.throughput() / healthy)
    });
    println!(
        "fault {case:<12} requests {:>6}  spans received {received:>6}  dropped {:>6} (queue full {}, \
         export failed {}, at shutdown {})  RSS {} -> {} KiB  {:.0} req/s  ratio {ratio}  shutdown {:.2?}",
        run.report.sent,
        drops.dropped,
        drops.queue_full,
        drops.export_failed,
        drops.at_shutdown,
        run.rss_before,
        run.rss_after,
        run.report.throughput(),
        run.shutdown,
    );
}

fn assert_fault_handled(case: &str, run: &Run, received: usize) {
    let context = || format!("{case}: stderr {:#?}", run.stderr);
    assert_eq!(received, 0, "{}", context());
    let warnings = run.failure_warnings();
    assert_eq!(warnings.len(), 1, "one warning per cause; {}", context());
    let drops = run
        .drops
        .unwrap_or_else(|| panic!("no drop line; {}", context()));
    assert_eq!(
        drops.dropped,
        run.report.sent as u64 * SPANS_PER_REQUEST,
        "every span counted as dropped; {}",
        context()
    );
    assert_eq!(
        (drops.total, drops.exported),
        (drops.dropped, 0),
        "{}",
        context()
    );
    assert!(
        run.shutdown < SHUTDOWN_HANG,
        "shutdown took {:?}; {}",
        run.shutdown,
        context()
    );
    assert!(
        run.rss_after.saturating_sub(run.rss_before) < RSS_GROWTH_LIMIT_KIB,
        "memory grew {} -> {} KiB; {}",
        run.rss_before,
        run.rss_after,
        context()
    );
}

#[test]
fn a_failing_collector_costs_the_service_nothing_and_every_span_is_counted() {
    // Measures throughput, and the collector comes back on a port found closed: alone.
    let _alone = alone();

    let healthy = Receiver::http();
    let run = run_against(&format!("{}/v1/traces", healthy.endpoint()));
    let expected = run.report.sent * SPANS_PER_REQUEST as usize;
    let received = healthy.wait_for_spans(expected, HANG_LIMIT).len();
    print_row("healthy", &run, received, None);
    assert_eq!(received, expected, "stderr: {:#?}", run.stderr);
    assert_eq!(run.drops, None, "stderr: {:#?}", run.stderr);
    assert!(run.failure_warnings().is_empty(), "{:#?}", run.stderr);
    let baseline = run.report.throughput();

    let refused = format!("http://127.0.0.1:{}/v1/traces", closed_port());
    let run = run_against(&refused);
    print_row("refused", &run, 0, Some(baseline));
    assert_fault_handled("connection refused", &run, 0);

    // Connections complete in the kernel's backlog, but nothing ever reads or answers them.
    let black_hole = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!(
        "http://{}/v1/traces",
        black_hole.local_addr().expect("bound")
    );
    let run = run_against(&url);
    print_row("black hole", &run, 0, Some(baseline));
    assert_fault_handled("black hole", &run, 0);
    drop(black_hole);

    for status in [500, 429] {
        let refusing = Receiver::http();
        refusing.answer_with(status);
        let run = run_against(&format!("{}/v1/traces", refusing.endpoint()));
        let received = refusing.spans().len();
        print_row(&format!("HTTP {status}"), &run, received, Some(baseline));
        assert_fault_handled(&format!("HTTP {status}"), &run, received);
        let cause = format!("status code: {status}");
        assert!(
            run.failure_warnings()[0].contains(&cause),
            "the warning names the cause: {:#?}",
            run.stderr
        );
    }
}

#[test]
fn spans_arrive_again_when_the_collector_comes_back() {
    // Measures throughput, and the collector comes back on a port found closed: alone.
    let _alone = alone();
    let port = closed_port();
    let endpoint = format!("http://127.0.0.1:{port}/v1/traces");
    let mut server = Server::start(&[
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", EXPORT_TIMEOUT_MS),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ]);
    let address = server.address();

    let down = load::drive(address, "/", 20, 4, HANG_LIMIT);
    assert_eq!(down.ok, 20, "{:?}", down.failures);
    assert!(
        server.wait_for_stderr(|line| line.contains("until it recovers"), HANG_LIMIT),
        "the failure is reported"
    );

    let receiver = Receiver::http_at(&format!("127.0.0.1:{port}"));
    let up = load::drive(address, "/", 20, 4, HANG_LIMIT);
    assert_eq!(up.ok, 20, "{:?}", up.failures);
    let after_recovery = up.sent * SPANS_PER_REQUEST as usize;
    let received = receiver.wait_for_spans(after_recovery, HANG_LIMIT);
    assert!(
        server.wait_for_stderr(|line| line.contains(" recovered: "), HANG_LIMIT),
        "the recovery is reported"
    );
    let (status, stderr) = server.interrupt();
    assert!(status.success(), "{stderr:#?}");
    let received = receiver.spans().len().max(received.len());
    let drops = DropLine::find(&stderr).unwrap_or_default();
    println!(
        "recovery: {} requests while down, {} after; spans received {received}, dropped {}",
        down.sent, up.sent, drops.dropped
    );
    assert!(
        received >= after_recovery,
        "the spans after recovery arrive: {received} of {after_recovery}; {stderr:#?}"
    );
    assert_eq!(
        received as u64 + drops.dropped,
        (down.sent + up.sent) as u64 * SPANS_PER_REQUEST,
        "every span received or counted: {stderr:#?}"
    );
    let warnings = stderr
        .iter()
        .filter(|line| line.contains("until it recovers"))
        .count();
    let notices = stderr
        .iter()
        .filter(|line| line.contains(" recovered: "))
        .count();
    assert_eq!((warnings, notices), (1, 1), "{stderr:#?}");
}
