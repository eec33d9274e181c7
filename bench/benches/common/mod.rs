//! What both benchmark binaries share: the alternatives (dev-dependencies only) and the phases
//! every case runs in.

#![allow(dead_code)] // each binary uses its part

pub mod http;

use std::hint::black_box;
use std::sync::Mutex;

use bench::measure::Case;
use bench::provider::{self, NoopExporter, Sampling};
use bench::workload::{self, work};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;

// ---- tracing `#[instrument]` (+ tracing-opentelemetry) ---------------------------------------

/// `#[instrument]` with no field, the cheapest form (our 0-attribute case's peer).
#[tracing::instrument(skip_all)]
#[inline(never)]
pub fn tracing_sync(x: u64) -> u64 {
    work(x)
}

/// The same, called where no subscriber was ever installed (its own call site).
#[tracing::instrument(skip_all)]
#[inline(never)]
pub fn tracing_no_subscriber(x: u64) -> u64 {
    work(x)
}

static TRACING_DISPATCH: Mutex<Option<tracing::Dispatch>> = Mutex::new(None);

/// A subscriber that turns every `tracing` span into an OpenTelemetry span of `provider`.
pub fn use_tracing_opentelemetry(provider: &SdkTracerProvider) {
    use tracing_subscriber::layer::SubscriberExt as _;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tracing")));
    *TRACING_DISPATCH.lock().unwrap() = Some(tracing::Dispatch::new(subscriber));
}

fn tracing_otel_calls(n: u64) {
    let dispatch = TRACING_DISPATCH
        .lock()
        .unwrap()
        .clone()
        .expect("use_tracing_opentelemetry() first");
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..n {
            black_box(tracing_sync(black_box(i)));
        }
    });
}

fn tracing_no_subscriber_calls(n: u64) {
    for i in 0..n {
        black_box(tracing_no_subscriber(black_box(i)));
    }
}

// ---- fastrace `#[trace]` ---------------------------------------------------------------------

/// fastrace's attribute: a child span of the local parent.
#[fastrace::trace]
#[inline(never)]
pub fn fastrace_sync(x: u64) -> u64 {
    work(x)
}

struct DropReporter;

impl fastrace::collector::Reporter for DropReporter {
    fn report(&mut self, spans: Vec<fastrace::prelude::SpanRecord>) {
        black_box(spans);
    }
}

/// fastrace's reporter: drops what it is handed.
pub fn use_fastrace() {
    fastrace::set_reporter(DropReporter, fastrace::collector::Config::default());
}

/// Children per root span: fastrace keeps at most 10,240 local spans under one parent and
/// silently drops the rest, so the calls are split among roots (a root's cost is then shared by
/// this many children).
pub const FASTRACE_CHILDREN_PER_ROOT: u64 = 1_000;

fn fastrace_calls(n: u64) {
    use fastrace::prelude::{Span, SpanContext};
    let mut i = 0;
    while i < n {
        let root = Span::root("root", SpanContext::random());
        let _parent = root.set_local_parent();
        for _ in 0..FASTRACE_CHILDREN_PER_ROOT.min(n - i) {
            black_box(fastrace_sync(black_box(i)));
            i += 1;
        }
    }
}

// ---- phases ----------------------------------------------------------------------------------

/// What a phase keeps alive while its cases run.
pub struct Installed {
    pub provider: Option<SdkTracerProvider>,
    pub exporter: Option<NoopExporter>,
    _guard: Option<otel_runtime::TracingGuard>,
}

impl Installed {
    /// Exports what is still queued and returns how many spans the exporter received.
    pub fn flush(&self) -> Option<u64> {
        let provider = self.provider.as_ref()?;
        provider.force_flush().expect("flush");
        self.exporter.as_ref().map(NoopExporter::exported)
    }
}

/// A setting every case of a phase shares.
pub struct Phase {
    pub name: &'static str,
    pub what: &'static str,
    pub install: fn() -> Installed,
    pub cases: Vec<Case>,
    /// `(case, baseline)`: the ratios printed.
    pub pairs: Vec<(&'static str, &'static str)>,
}

const fn case(name: &'static str, run: fn(u64), spans_per_call: u64) -> Case {
    Case {
        name,
        run,
        spans_per_call,
    }
}

fn install_nothing() -> Installed {
    Installed {
        provider: None,
        exporter: None,
        _guard: None,
    }
}

fn install_disabled() -> Installed {
    Installed {
        provider: None,
        exporter: None,
        _guard: Some(provider::install_disabled()),
    }
}

fn install_batch(sampling: Sampling) -> Installed {
    installed_for(sampling, provider::install(sampling))
}

fn install_global() -> Installed {
    installed_for(Sampling::On, provider::install_global(Sampling::On))
}

fn installed_for(
    sampling: Sampling,
    (provider, exporter): (SdkTracerProvider, NoopExporter),
) -> Installed {
    workload::use_provider(&provider);
    if sampling == Sampling::On {
        use_tracing_opentelemetry(&provider);
        use_fastrace();
    }
    Installed {
        provider: Some(provider),
        exporter: Some(exporter),
        _guard: None,
    }
}

fn off_cases(with_tracing: bool) -> Vec<Case> {
    let mut cases = vec![
        case("plain sync fn (no span)", workload::plain_sync_calls, 0),
        case("#[traced] sync", workload::traced_sync_calls, 0),
        case("plain fn, 3 args (no span)", workload::plain_attrs_calls, 0),
        case(
            "#[traced] sync, 3 attributes",
            workload::traced_attrs_calls,
            0,
        ),
        case("plain async fn (no span)", workload::plain_async_calls, 0),
        case("#[traced] async", workload::traced_async_calls, 0),
        case(
            "#[traced] nested (2 spans)",
            workload::traced_nested_calls,
            0,
        ),
    ];
    if with_tracing {
        cases.push(case(
            "tracing #[instrument], no subscriber",
            tracing_no_subscriber_calls,
            0,
        ));
    }
    cases
}

const OFF_PAIRS: &[(&str, &str)] = &[
    ("#[traced] sync", "plain sync fn (no span)"),
    ("#[traced] sync, 3 attributes", "plain fn, 3 args (no span)"),
    ("#[traced] async", "plain async fn (no span)"),
    ("#[traced] nested (2 spans)", "plain sync fn (no span)"),
];

/// The phases, in the order they must run (a provider, once installed, stays).
pub fn phases() -> Vec<Phase> {
    vec![
        Phase {
            name: "none",
            what: "no tracer provider installed",
            install: install_nothing,
            cases: off_cases(true),
            pairs: OFF_PAIRS.to_vec(),
        },
        Phase {
            name: "disabled",
            what: "OTEL_SDK_DISABLED=true (otel_runtime setup)",
            install: install_disabled,
            cases: off_cases(false),
            pairs: OFF_PAIRS.to_vec(),
        },
        Phase {
            name: "sampled",
            what: "AlwaysOn sampler, batch processor, no-op exporter; otel_runtime::set_tracer_provider",
            install: || install_batch(Sampling::On),
            cases: vec![
                case("SDK by hand, in_span", workload::sdk_sync_calls, 1),
                case("#[traced] sync", workload::traced_sync_calls, 1),
                case("SDK by hand, 3 attributes", workload::sdk_attrs_calls, 1),
                case(
                    "#[traced] sync, 3 attributes",
                    workload::traced_attrs_calls,
                    1,
                ),
                case("SDK by hand, async", workload::sdk_async_calls, 1),
                case("#[traced] async", workload::traced_async_calls, 1),
                case(
                    "SDK by hand, async, 3 attributes",
                    workload::sdk_async_attrs_calls,
                    1,
                ),
                case(
                    "#[traced] async, 3 attributes",
                    workload::traced_async_attrs_calls,
                    1,
                ),
                case(
                    "SDK by hand, nested (2 spans)",
                    workload::sdk_nested_calls,
                    2,
                ),
                case(
                    "#[traced] nested (2 spans)",
                    workload::traced_nested_calls,
                    2,
                ),
                case(
                    "SDK by hand, global::tracer() per call",
                    workload::sdk_global_calls,
                    1,
                ),
                case(
                    "tracing #[instrument] + tracing-opentelemetry",
                    tracing_otel_calls,
                    1,
                ),
                case("fastrace #[trace] (child span)", fastrace_calls, 0),
                case(
                    "tracing span via otel_runtime::tracing_layer",
                    workload::bridged_span_calls,
                    1,
                ),
                case(
                    "#[traced] sync + tracing::info! (bridge, no log exporter)",
                    workload::traced_event_calls,
                    1,
                ),
            ]
            .into_iter()
            .chain(child_cases())
            .collect(),
            pairs: vec![
                ("#[traced] sync", "SDK by hand, in_span"),
                ("#[traced] sync, 3 attributes", "SDK by hand, 3 attributes"),
                ("#[traced] async", "SDK by hand, async"),
                (
                    "#[traced] async, 3 attributes",
                    "SDK by hand, async, 3 attributes",
                ),
                (
                    "#[traced] nested (2 spans)",
                    "SDK by hand, nested (2 spans)",
                ),
                ("#[traced] sync", "SDK by hand, global::tracer() per call"),
                (
                    "#[traced] sync",
                    "tracing #[instrument] + tracing-opentelemetry",
                ),
                ("#[traced] sync", "fastrace #[trace] (child span)"),
                (
                    "tracing span via otel_runtime::tracing_layer",
                    "#[traced] sync",
                ),
                (
                    "#[traced] sync + tracing::info! (bridge, no log exporter)",
                    "#[traced] sync",
                ),
            ]
            .into_iter()
            // Its roots' pairs are above.
            .chain(SPAN_PAIRS[2..].iter().copied())
            .collect(),
        },
        Phase {
            name: "global",
            what: "the same, installed with opentelemetry::global::set_tracer_provider",
            install: install_global,
            cases: vec![
                case("SDK by hand, in_span", workload::sdk_sync_calls, 1),
                case("#[traced] sync", workload::traced_sync_calls, 1),
                case("SDK by hand, async", workload::sdk_async_calls, 1),
                case("#[traced] async", workload::traced_async_calls, 1),
                case(
                    "SDK by hand, global::tracer cached, in_span",
                    workload::global_sync_calls,
                    1,
                ),
                case(
                    "SDK by hand, global::tracer cached, async",
                    workload::global_async_calls,
                    1,
                ),
            ]
            .into_iter()
            .chain(child_cases())
            .chain([
                case(
                    "SDK by hand, global::tracer cached, in_span, child",
                    workload::global_sync_children,
                    1,
                ),
                case(
                    "SDK by hand, global::tracer cached, async, child",
                    workload::global_async_children,
                    1,
                ),
                case(
                    "SDK by hand, global::tracer cached, in_span, ends at return",
                    workload::global_sync_end_calls,
                    1,
                ),
                case(
                    "SDK by hand, global::tracer cached, async, ends at return",
                    workload::global_async_end_calls,
                    1,
                ),
                case(
                    "SDK by hand, global::tracer cached, in_span, ends at return, child",
                    workload::global_sync_end_children,
                    1,
                ),
                case(
                    "SDK by hand, global::tracer cached, async, ends at return, child",
                    workload::global_async_end_children,
                    1,
                ),
            ])
            .collect(),
            pairs: SPAN_PAIRS
                .iter()
                .copied()
                .chain(GLOBAL_TRACER_PAIRS.iter().copied())
                .chain(GLOBAL_TRACER_END_PAIRS.iter().copied())
                .collect(),
        },
        Phase {
            name: "unsampled",
            what: "AlwaysOff sampler (spans made, not recorded)",
            install: || install_batch(Sampling::Off),
            cases: vec![
                case("SDK by hand, in_span", workload::sdk_sync_calls, 0),
                case("#[traced] sync", workload::traced_sync_calls, 0),
                case("SDK by hand, 3 attributes", workload::sdk_attrs_calls, 0),
                case(
                    "#[traced] sync, 3 attributes",
                    workload::traced_attrs_calls,
                    0,
                ),
                case("SDK by hand, async", workload::sdk_async_calls, 0),
                case("#[traced] async", workload::traced_async_calls, 0),
            ],
            pairs: vec![
                ("#[traced] sync", "SDK by hand, in_span"),
                ("#[traced] sync, 3 attributes", "SDK by hand, 3 attributes"),
                ("#[traced] async", "SDK by hand, async"),
            ],
        },
        http_phase(),
    ]
}

/// The target's span cases as children of a span (their roots are the phases' first cases).
fn child_cases() -> Vec<Case> {
    vec![
        case(
            "SDK by hand, in_span, child",
            workload::sdk_sync_children,
            1,
        ),
        case("#[traced] sync, child", workload::traced_sync_children, 1),
        case("SDK by hand, async, child", workload::sdk_async_children, 1),
        case("#[traced] async, child", workload::traced_async_children, 1),
    ]
}

/// Target 1: `#[traced]` against the SDK by hand, roots and children, sync and async.
pub const SPAN_PAIRS: &[(&str, &str)] = &[
    ("#[traced] sync", "SDK by hand, in_span"),
    ("#[traced] async", "SDK by hand, async"),
    ("#[traced] sync, child", "SDK by hand, in_span, child"),
    ("#[traced] async, child", "SDK by hand, async, child"),
];

/// `#[traced]` against the hand-written code of [`GLOBAL_TRACER_PAIRS`] that also ends its span
/// when the body returns, as `#[traced]` does (`in_span` leaves it to the last copy of the
/// context).
pub const GLOBAL_TRACER_END_PAIRS: &[(&str, &str)] = &[
    (
        "#[traced] sync",
        "SDK by hand, global::tracer cached, in_span, ends at return",
    ),
    (
        "#[traced] async",
        "SDK by hand, global::tracer cached, async, ends at return",
    ),
    (
        "#[traced] sync, child",
        "SDK by hand, global::tracer cached, in_span, ends at return, child",
    ),
    (
        "#[traced] async, child",
        "SDK by hand, global::tracer cached, async, ends at return, child",
    ),
];

/// `#[traced]` against the hand-written code that goes through the same global (boxed) tracer:
/// both pay what the global API costs (a second box per span, dynamic calls).
pub const GLOBAL_TRACER_PAIRS: &[(&str, &str)] = &[
    (
        "#[traced] sync",
        "SDK by hand, global::tracer cached, in_span",
    ),
    (
        "#[traced] async",
        "SDK by hand, global::tracer cached, async",
    ),
    (
        "#[traced] sync, child",
        "SDK by hand, global::tracer cached, in_span, child",
    ),
    (
        "#[traced] async, child",
        "SDK by hand, global::tracer cached, async, child",
    ),
];

fn install_http() -> Installed {
    let (provider, exporter) = provider::batch_provider(Sampling::On);
    // As a server sets up: the provider and the default propagators (the request headers are
    // read for a parent).
    let guard = otel_runtime::TracingGuard::install(provider.clone());
    Installed {
        provider: Some(provider),
        exporter: Some(exporter),
        _guard: Some(guard),
    }
}

fn http_phase() -> Phase {
    #[cfg_attr(not(feature = "contrib"), allow(unused_mut))]
    let mut cases = vec![
        case("actix hello-world, plain", http::plain_calls, 0),
        case(
            "actix hello-world, #[traced(kind = server)]",
            http::traced_calls,
            1,
        ),
    ];
    #[cfg_attr(not(feature = "contrib"), allow(unused_mut))]
    let mut pairs = vec![(
        "actix hello-world, #[traced(kind = server)]",
        "actix hello-world, plain",
    )];
    #[cfg(feature = "contrib")]
    {
        cases.push(case(
            "actix hello-world, contrib middleware",
            http::contrib_calls,
            1,
        ));
        pairs.push((
            "actix hello-world, contrib middleware",
            "actix hello-world, plain",
        ));
    }
    Phase {
        name: "http",
        what: "actix-web app called in-process, AlwaysOn, batch processor, no-op exporter",
        install: install_http,
        cases,
        pairs,
    }
}

/// A short, stable identifier for a case: `phase/slug`, e.g. `sampled/traced-sync`.
pub fn case_id(phase: &Phase, case: &Case) -> String {
    let mut slug = String::new();
    for c in case.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    format!("{}/{}", phase.name, slug.trim_end_matches('-'))
}
