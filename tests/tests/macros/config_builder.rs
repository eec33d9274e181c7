//! `otel_runtime::builder()` with its settings taken from an `env_lookup` (no process-global
//! environment is touched): each variable changes what is recorded, exported and propagated.
//! The per-value parsing and every warning are unit-tested in `otel-runtime/src/config/tests.rs`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::{Span, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue};
use otel_runtime::config::{ConsoleFormat, ExporterKind};
use otel_runtime::testing::{self, assert_trace_shape, CaptureAll};
use otel_runtime::{traced, InMemoryExporter, TracingGuard};

/// The tracer provider and propagator are global: each test installs its own while no other
/// test of this binary runs ([`testing::capture_all`] waits for the other captures to end and
/// holds them off).
fn serial() -> CaptureAll {
    testing::capture_all()
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().map(|bytes| bytes.clone()).unwrap_or_default())
            .into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs with `pairs` as the environment and an in-memory exporter beside what they select.
fn install(pairs: &[(&str, &str)]) -> (TracingGuard, InMemoryExporter) {
    let memory = InMemoryExporter::default();
    let guard = otel_runtime::builder()
        .service_name("config-test")
        .default_exporter(ExporterKind::None)
        .env_lookup(env(pairs))
        .with_exporter(memory.clone())
        .install()
        .expect("installs");
    (guard, memory)
}

#[traced]
fn checkout() {
    charge();
}

#[traced(kind = client)]
fn charge() {}

#[test]
fn sdk_disabled_records_nothing_and_still_propagates() {
    let _serial = serial();
    let (guard, memory) = install(&[("OTEL_SDK_DISABLED", "true")]);
    assert!(guard.provider().is_none());
    checkout();

    // An incoming context passes through the no-op tracer to the outgoing headers.
    let mut incoming = HashMap::new();
    incoming.insert(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    );
    let parent = otel_runtime::propagation::extract(&incoming);
    let span = global::tracer("test").start_with_context("work", &parent);
    let cx = parent.with_span(span);
    let mut outgoing: HashMap<String, String> = HashMap::new();
    otel_runtime::propagation::inject(&cx, &mut outgoing);
    assert_eq!(
        outgoing.get("traceparent").map(String::as_str),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    );
    drop(guard);
    assert!(memory.finished_spans().is_empty());
}

#[test]
fn sdk_enabled_records_the_trace() {
    let _serial = serial();
    let (guard, memory) = install(&[("OTEL_SDK_DISABLED", "false")]);
    checkout();
    drop(guard);
    assert_trace_shape(
        &memory.finished_spans(),
        "
        checkout (INTERNAL)
          charge (CLIENT)
        ",
    );
}

#[test]
fn sampler_always_off_records_nothing() {
    let _serial = serial();
    let (guard, memory) = install(&[("OTEL_TRACES_SAMPLER", "always_off")]);
    checkout();
    drop(guard);
    assert!(memory.finished_spans().is_empty());
}

#[test]
fn sampler_ratio_zero_records_nothing_and_one_records_all() {
    let _serial = serial();
    let (guard, memory) = install(&[
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0"),
    ]);
    checkout();
    drop(guard);
    assert!(memory.finished_spans().is_empty());

    let (guard, memory) = install(&[
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "1"),
    ]);
    checkout();
    drop(guard);
    assert_eq!(memory.finished_spans().len(), 2);
}

#[test]
fn span_limits_cap_attributes_events_and_links() {
    let _serial = serial();
    let (guard, memory) = install(&[
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "1"),
        ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "1"),
    ]);
    let mut span = global::tracer("test").start("limited");
    for index in 0..5 {
        span.set_attribute(KeyValue::new(format!("key{index}"), index));
    }
    span.add_event("first", vec![KeyValue::new("a", 1), KeyValue::new("b", 2)]);
    span.add_event("second", vec![]);
    span.end();
    drop(guard);
    let spans = memory.finished_spans();
    assert_eq!(spans[0].attributes.len(), 2);
    assert_eq!(spans[0].dropped_attributes_count, 3);
    assert_eq!(spans[0].events.len(), 1);
    assert_eq!(spans[0].events[0].attributes.len(), 1);
}

#[test]
fn propagators_follow_otel_propagators() {
    let _serial = serial();
    let (guard, _memory) = install(&[("OTEL_PROPAGATORS", "b3multi,jaeger")]);
    let span = global::tracer("test").start("outgoing");
    let context = span.span_context().clone();
    let cx = Context::current_with_span(span);
    let mut headers: HashMap<String, String> = HashMap::new();
    otel_runtime::propagation::inject(&cx, &mut headers);
    assert!(!headers.contains_key("traceparent"), "{headers:?}");
    assert_eq!(
        headers.get("x-b3-traceid"),
        Some(&context.trace_id().to_string())
    );
    assert_eq!(
        headers.get("uber-trace-id"),
        Some(&format!("{}:{}:0:1", context.trace_id(), context.span_id()))
    );
    // And extraction reads B3 single headers too.
    let mut incoming = HashMap::new();
    incoming.insert(
        "b3".to_owned(),
        "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".to_owned(),
    );
    let extracted = otel_runtime::propagation::extract(&incoming);
    assert_eq!(
        extracted.span().span_context().span_id().to_string(),
        "e457b5a2e4d86bd1"
    );
    drop(guard);

    let (guard, _memory) = install(&[("OTEL_PROPAGATORS", "none")]);
    let cx = Context::current_with_span(global::tracer("test").start("outgoing"));
    let mut headers: HashMap<String, String> = HashMap::new();
    otel_runtime::propagation::inject(&cx, &mut headers);
    assert!(headers.is_empty(), "{headers:?}");
    drop(guard);
}

#[test]
fn default_propagators_are_tracecontext_and_baggage() {
    let _serial = serial();
    let (guard, _memory) = install(&[]);
    let mut fields: Vec<String> = global::get_text_map_propagator(|propagator| {
        propagator.fields().map(str::to_owned).collect()
    });
    fields.sort();
    assert_eq!(fields, ["baggage", "traceparent", "tracestate"]);
    drop(guard);
}

#[test]
fn console_json_carries_the_resource_from_code_and_environment() {
    let _serial = serial();
    let buffer = Buffer::default();
    let guard = otel_runtime::builder()
        .service_name("from-code")
        .service_version("9.9.9")
        .resource_attribute(KeyValue::new("team", "code"))
        .env_lookup(env(&[
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_RUST_CONSOLE_FORMAT", "json"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=test%20suite,team=env",
            ),
        ]))
        .console_writer(buffer.clone())
        .install()
        .expect("installs");
    charge();
    drop(guard);
    let text = buffer.text();
    let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
    assert_eq!(line["name"], "charge");
    assert_eq!(line["kind"], "CLIENT");
    assert_eq!(line["parent_span_id"], serde_json::Value::Null);
    let resource = &line["resource"];
    assert_eq!(resource["service.name"], "from-code");
    assert_eq!(resource["service.version"], "9.9.9");
    assert_eq!(resource["team"], "code", "code wins over the environment");
    assert_eq!(resource["deployment.environment"], "test suite");
    assert_eq!(resource["telemetry.sdk.language"], "rust");
    assert_eq!(resource["process.pid"], std::process::id());
    assert!(text.starts_with("{\"name\":\"charge\",\"kind\":\"CLIENT\",\"trace_id\":"));
}

#[test]
fn otel_service_name_overrides_the_name_in_code() {
    let _serial = serial();
    let buffer = Buffer::default();
    let guard = otel_runtime::builder()
        .service_name("from-code")
        .console_format(ConsoleFormat::Json)
        .env_lookup(env(&[
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_SERVICE_NAME", "from-env"),
        ]))
        .console_writer(buffer.clone())
        .install()
        .expect("installs");
    charge();
    drop(guard);
    let line: serde_json::Value = serde_json::from_str(buffer.text().trim()).expect("JSON");
    assert_eq!(line["resource"]["service.name"], "from-env");
}

#[test]
fn console_tree_prints_a_trace_when_its_root_ends() {
    let _serial = serial();
    let buffer = Buffer::default();
    let guard = otel_runtime::builder()
        .service_name("tree-test")
        .env_lookup(env(&[
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_RUST_CONSOLE_FORMAT", "tree"),
        ]))
        .console_writer(buffer.clone())
        .install()
        .expect("installs");
    let tracer = global::tracer("test");
    tracer.in_span("root", |_| {
        charge();
        assert_eq!(buffer.text(), "", "nothing before the root ends");
    });
    // The console writes on its own worker thread: flushing waits for it.
    guard.force_flush().expect("flushes");
    let text = buffer.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("trace ") && lines[0].contains(" · tree-test · 2 spans · "),
        "{text}"
    );
    assert!(lines[1].starts_with("root "), "{text}");
    assert!(lines[1].contains("INTERNAL"), "{text}");
    assert!(lines[1].contains('█'), "{text}");
    assert!(lines[2].starts_with("└─ charge "), "{text}");
    assert!(lines[2].contains("CLIENT"), "{text}");

    // A span whose root never ends here is printed at flush.
    let orphan_parent = tracer.start("never-ended-root");
    let cx = Context::current_with_span(orphan_parent);
    tracer.start_with_context("child", &cx).end();
    assert!(!buffer.text().contains("child"));
    guard.force_flush().expect("flushes");
    assert!(buffer.text().contains("child"), "{}", buffer.text());
    assert!(
        buffer.text().contains("not exported here"),
        "{}",
        buffer.text()
    );
    drop(cx);
    drop(guard);
}

#[test]
fn code_settings_win_over_the_environment() {
    let _serial = serial();
    let buffer = Buffer::default();
    let guard = otel_runtime::builder()
        .console_format(ConsoleFormat::Line)
        .env_lookup(env(&[
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_RUST_CONSOLE_FORMAT", "json"),
        ]))
        .console_writer(buffer.clone())
        .install()
        .expect("installs");
    charge();
    drop(guard);
    assert!(
        buffer.text().starts_with("Span(name=\"charge\""),
        "{}",
        buffer.text()
    );
}

#[test]
fn an_invalid_endpoint_in_code_is_an_error_naming_it() {
    let _serial = serial();
    let error = otel_runtime::builder()
        .otlp_endpoint("localhost:4318")
        .env_lookup(env(&[("OTEL_TRACES_EXPORTER", "otlp")]))
        .install()
        .expect_err("an endpoint without a scheme is rejected");
    let message = error.to_string();
    assert!(message.contains("localhost:4318"), "{message}");
    assert!(message.contains("http://"), "{message}");
}

#[test]
fn otlp_export_is_wired_from_the_environment() {
    let _serial = serial();
    // Nothing listens on the discard port: the guard gives up after the configured timeout.
    let (guard, memory) = install(&[
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "800"),
    ]);
    assert!(guard.provider().is_some());
    // min(OTLP timeout, BSP export timeout) plus a margin, but never under the SDK default.
    assert_eq!(guard.shutdown_timeout(), std::time::Duration::from_secs(5));
    charge();
    // The batch processor does not report the failed export from shutdown; it returns.
    let _ = guard.shutdown();
    assert_eq!(memory.finished_spans().len(), 1);

    let (guard, _memory) = install(&[
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "20000"),
    ]);
    assert_eq!(guard.shutdown_timeout(), std::time::Duration::from_secs(22));
    drop(guard);
}

#[test]
fn metrics_follow_otel_metrics_exporter_and_are_off_when_the_sdk_is() {
    let _serial = serial();
    let metrics_installed = |pairs: &[(&str, &str)]| {
        let (guard, _) = install(pairs);
        guard.meter_provider().is_some()
    };
    // The builder's default (none here) applies to metrics as to traces.
    assert!(!metrics_installed(&[]));
    assert!(metrics_installed(&[("OTEL_METRICS_EXPORTER", "console")]));
    assert!(!metrics_installed(&[
        ("OTEL_METRICS_EXPORTER", "console"),
        ("OTEL_SDK_DISABLED", "true"),
    ]));
    assert!(!metrics_installed(&[
        ("OTEL_TRACES_EXPORTER", "console"),
        ("OTEL_METRICS_EXPORTER", "none"),
    ]));
}

#[traced(kind = server)]
async fn priced() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().finish()
}

/// The console's metrics summary goes where its span lines go: the writer given in code.
#[actix_rt::test]
async fn the_console_writer_receives_the_metrics_summary_too() {
    use actix_web::{test, web, App};

    let _serial = serial();
    let buffer = Buffer::default();
    let guard = otel_runtime::builder()
        .service_name("summary-test")
        .console_format(ConsoleFormat::Json)
        .env_lookup(env(&[("OTEL_TRACES_EXPORTER", "console")]))
        .console_writer(buffer.clone())
        .install()
        .expect("installs");
    let app = test::init_service(App::new().route("/price/{item}", web::get().to(priced))).await;
    for _ in 0..2 {
        let request = test::TestRequest::get().uri("/price/tea").to_request();
        assert!(test::call_service(&app, request)
            .await
            .status()
            .is_success());
    }
    drop(guard);
    let text = buffer.text();
    let spans: Vec<serde_json::Value> = text
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON span line"))
        .collect();
    assert_eq!(spans.len(), 2, "{text}");
    assert!(spans.iter().all(|span| span["name"] == "GET /price/{item}"));
    assert!(
        text.contains("HTTP server requests (http.server.request.duration)"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|line| !line.starts_with('{') && line.contains("/price/{item}"))
        .unwrap_or_else(|| panic!("no summary row for the route in {text}"));
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&columns[..4], ["/price/{item}", "GET", "200", "2"], "{row}");
}
