//! A real process with invalid `OTEL_*` values: it neither panics nor ignores them silently.
//! Each prints one line on stderr, once, naming the variable, the value, what is accepted and
//! what is used instead; the program then runs with those defaults.

use crate::support::demos::{self, Server, HANG_LIMIT};
use crate::support::shared;

#[test]
fn invalid_values_warn_once_each_and_the_demo_still_runs() {
    let _shared = shared();
    let server = Server::start(&[("OTEL_TRACES_EXPORTER", "none")]);
    let mut client = demos::command(
        "demo-client",
        &[
            ("OTEL_TRACES_EXPORTER", "console,zipkin"),
            ("OTEL_RUST_CONSOLE_FORMAT", "fancy"),
            ("OTEL_TRACES_SAMPLER", "sometimes"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
            ("OTEL_PROPAGATORS", "tracecontext,xray"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "lots"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "-3"),
            ("OTEL_SDK_DISABLED", "maybe"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
            ("OTEL_RESOURCE_ATTRIBUTES", "team=a,oops"),
        ],
    );
    client.args(["--url", &server.url]);
    let finished = demos::run(client, HANG_LIMIT);
    let (_, _) = server.interrupt();
    assert!(
        finished.status.success(),
        "the demo runs on defaults: {}",
        finished.stderr
    );

    let warnings: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|line| line.starts_with("otel-runtime: warning: "))
        .collect();
    let expected = [
        r#"otel-runtime: warning: OTEL_SDK_DISABLED="maybe" is invalid: accepted true, false; using false"#,
        r#"otel-runtime: warning: OTEL_RESOURCE_ATTRIBUTES="team=a,oops" has malformed entries oops: accepted comma-separated key=value pairs, values percent-encoded; using no attributes from it"#,
        r#"otel-runtime: warning: OTEL_TRACES_EXPORTER="console,zipkin" names unknown exporters zipkin: accepted console, otlp, none (comma-separated); using console"#,
        r#"otel-runtime: warning: OTEL_RUST_CONSOLE_FORMAT="fancy" is invalid: accepted line, tree, json; using line"#,
        r#"otel-runtime: warning: OTEL_EXPORTER_OTLP_TIMEOUT="10s" is invalid: accepted a positive integer number of milliseconds; using 10000"#,
        r#"otel-runtime: warning: OTEL_TRACES_SAMPLER="sometimes" is invalid: accepted always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on"#,
        r#"otel-runtime: warning: OTEL_TRACES_SAMPLER_ARG="0.5" is ignored: accepted an argument only with OTEL_TRACES_SAMPLER=traceidratio or parentbased_traceidratio; using parentbased_always_on"#,
        r#"otel-runtime: warning: OTEL_PROPAGATORS="tracecontext,xray" names unknown propagators xray: accepted tracecontext, baggage, b3, b3multi, jaeger, none (comma-separated); using tracecontext"#,
        r#"otel-runtime: warning: OTEL_BSP_MAX_QUEUE_SIZE="lots" is invalid: accepted a positive integer; using 2048"#,
        r#"otel-runtime: warning: OTEL_SPAN_EVENT_COUNT_LIMIT="-3" is invalid: accepted a non-negative integer; using 128"#,
    ];
    assert_eq!(warnings, expected, "stderr:\n{}", finished.stderr);

    // The defaults are in force: the console exporter prints the client span in the line form.
    assert!(
        finished.stdout.starts_with("Span(name=\"GET\""),
        "{}",
        finished.stdout
    );
}
