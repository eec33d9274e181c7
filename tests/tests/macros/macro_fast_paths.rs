//! The runtime's fast paths (otel-runtime's `instrument` module) keep what `#[traced]` means: a call
//! site that found no provider (or `OTEL_SDK_DISABLED`) skips its span yet leaves the caller's
//! context current, spans start again once a provider is installed, an unsampled span is still
//! current for its children, and a provider installed with opentelemetry's own global setter is
//! used after `tracer_provider_changed()`.
//!
//! One test function: the tracer provider is global to the process and these steps install
//! several in turn. It runs in a process of its own (a child of this test binary, see
//! [`in_a_child_process`]): step 1 needs a process where no provider was ever installed, and the
//! other tests of this binary install providers, in parallel with it.

use std::future::Future;
use std::pin::pin;
use std::process::Command;
use std::task::{Context as TaskContext, Poll, Waker};

use opentelemetry::trace::SpanId;
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use otel_runtime::{current_span, traced, InMemoryExporter};

#[traced]
fn leaf() -> SpanContext {
    current_span().span_context()
}

#[traced]
fn parent() -> (SpanContext, SpanContext) {
    (current_span().span_context(), leaf())
}

#[traced(attributes(value))]
async fn async_leaf(value: u32) -> (SpanContext, u32) {
    (current_span().span_context(), value)
}

fn poll_ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut TaskContext::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("should complete at once"),
    }
}

fn remote_parent() -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
        SpanId::from(0x00f0_67aa_0ba9_02b7),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ))
}

/// Set in the child process that runs the steps.
pub(crate) const CHILD: &str = "TESTS_MACRO_FAST_PATHS_CHILD";

/// Runs the test `name` of the module `module` (its `module_path!()`) alone in a new process of
/// this test binary (with [`CHILD`] set, `RUST_LOG` unset), and fails if it fails there or does
/// not run.
pub(crate) fn in_a_child_process(module: &str, name: &str) {
    // Test names leave out the crate: `macro_fast_paths::NAME`.
    let module = module.split_once("::").map_or(module, |(_, path)| path);
    let test = format!("{module}::{name}");
    let output = Command::new(std::env::current_exe().expect("the test knows its executable"))
        .args([test.as_str(), "--exact", "--test-threads=1"])
        .env(CHILD, "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test} in a child process: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn provider(sampler: Sampler) -> (SdkTracerProvider, InMemoryExporter) {
    let exporter = InMemoryExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .with_sampler(sampler)
        .build();
    (provider, exporter)
}

#[test]
fn fast_paths_keep_the_meaning_of_traced() {
    if std::env::var_os(CHILD).is_none() {
        return in_a_child_process(module_path!(), "fast_paths_keep_the_meaning_of_traced");
    }

    // 1. No provider installed: the span is skipped, the caller's context stays current.
    assert!(!leaf().is_valid());
    let remote = remote_parent();
    let remote_span = remote.span().span_context().clone();
    {
        let _attached = remote.clone().attach();
        assert_eq!(
            leaf(),
            remote_span,
            "a skipped span leaves the parent current"
        );
        let (inner, value) = poll_ready(async_leaf(7));
        assert_eq!((inner, value), (remote_span.clone(), 7));
    }

    // 2. A provider installed through otel_runtime: the same call sites record spans.
    let (recording, exporter) = provider(Sampler::AlwaysOn);
    otel_runtime::set_tracer_provider(recording.clone());
    let (outer, inner) = parent();
    assert!(outer.is_valid() && inner.is_valid());
    assert_eq!(inner.trace_id(), outer.trace_id());
    assert_ne!(inner.span_id(), outer.span_id());
    let (async_span, _) = poll_ready(async_leaf(1));
    assert!(async_span.is_sampled());
    let names: Vec<_> = exporter
        .finished_spans()
        .iter()
        .map(|span| span.name.to_string())
        .collect();
    assert_eq!(names, ["leaf", "parent", "async_leaf"]);

    // 3. OTEL_SDK_DISABLED=true: skipped again, the incoming context still current.
    let guard = otel_runtime::builder()
        .env_lookup(|name| (name == "OTEL_SDK_DISABLED").then(|| "true".to_owned()))
        .install()
        .expect("disabled setup");
    leaf(); // the call site finds out that spans are no-ops now
    {
        let _attached = remote.clone().attach();
        assert_eq!(leaf(), remote_span);
        assert_eq!(parent(), (remote_span.clone(), remote_span.clone()));
    }
    drop(guard);

    // 4. Unsampled: the span records nothing but is current, so its children share its trace.
    let (unsampled, exporter) = provider(Sampler::AlwaysOff);
    otel_runtime::set_tracer_provider(unsampled);
    let (outer, inner) = parent();
    assert!(outer.is_valid() && !outer.is_sampled());
    assert_eq!(inner.trace_id(), outer.trace_id());
    assert_ne!(inner.span_id(), outer.span_id());
    assert!(exporter.finished_spans().is_empty());

    // 5. A provider set with opentelemetry's own global setter, announced to the call sites.
    let (by_hand, exporter) = provider(Sampler::AlwaysOn);
    opentelemetry::global::set_tracer_provider(by_hand);
    otel_runtime::tracer_provider_changed();
    let (outer, inner) = parent();
    assert_eq!(inner.trace_id(), outer.trace_id());
    assert_eq!(exporter.finished_spans().len(), 2);
    let _ = recording.shutdown();
}
