//! Log lines that carry the trace, from the real demo binaries: demo-server's `parent` logs
//! "calling upstream" with `tracing::info!`; the line (console logs, on stderr) names the trace
//! and the `parent` span that the OTLP receiver gets.

use crate::support::demos::{self, HANG_LIMIT};
use crate::support::receiver::Receiver;
use crate::support::{hex, shared};

#[test]
fn the_console_log_line_carries_the_parent_span_ids() {
    let _shared = shared();
    let receiver = Receiver::http();
    let traces = receiver.endpoint() + "/v1/traces";
    let stderr = demos::run_demo_cleanly(
        &[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces.as_str()),
            ("OTEL_LOGS_EXPORTER", "console"),
            ("RUST_LOG", "info"),
        ],
        &[("OTEL_TRACES_EXPORTER", "none")],
    );

    let spans = receiver.wait_for_spans(3, HANG_LIMIT);
    let parent = spans
        .iter()
        .find(|span| span.span.name == "parent")
        .unwrap_or_else(|| panic!("the parent span: {spans:#?}"));
    let trace_id = hex(&parent.span.trace_id);
    let span_id = hex(&parent.span.span_id);

    let lines: Vec<&String> = stderr
        .iter()
        .filter(|line| line.contains(" calling upstream "))
        .collect();
    assert_eq!(lines.len(), 1, "one log line per request: {stderr:#?}");
    let line = lines[0];
    // 2026-11-30T05:39:37.402329Z INFO  demo_server: calling upstream url=http://127.0.0.1:PORT/wiki/Rabbit trace_id=… span_id=…
    let words: Vec<&str> = line.split(' ').filter(|word| !word.is_empty()).collect();
    assert!(words[0].ends_with('Z'), "a UTC time first: {line}");
    assert_eq!(
        words[1..5],
        ["INFO", "demo_server:", "calling", "upstream"],
        "{line}"
    );
    assert!(words[5].starts_with("url=http://127.0.0.1:"), "{line}");
    assert_eq!(
        words[6..],
        [format!("trace_id={trace_id}"), format!("span_id={span_id}")],
        "the ids of the `parent` span, as the receiver decoded them: {line}"
    );
}
