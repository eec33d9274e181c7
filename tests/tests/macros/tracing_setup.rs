//! What `otel_runtime::builder().install()` does to the process's `tracing` and `log` setup
//! (feature `tracing`): it installs the bridge as the global subscriber at `RUST_LOG`'s level
//! (`info` when unset) and forwards `log` records, unless the application installed a
//! subscriber first, which it then keeps. Each test runs in a process of its own (the global
//! subscriber and logger are set once per process), through
//! [`in_a_child_process`](crate::macro_fast_paths::in_a_child_process).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use otel_runtime::testing::is_child_of;
use otel_runtime::{traced, ExporterKind, InMemoryExporter};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

use crate::macro_fast_paths::{in_a_child_process, CHILD};

#[traced]
fn handler() {
    tracing::info!("handling");
}

fn install(exporter: &InMemoryExporter) -> otel_runtime::TracingGuard {
    otel_runtime::builder()
        .default_exporter(ExporterKind::None)
        .with_synchronous_exporter(exporter.clone())
        .install()
        .expect("tracing set up")
}

#[test]
fn install_sets_the_bridge_up_at_rust_logs_level() {
    if std::env::var_os(CHILD).is_none() {
        return in_a_child_process(
            module_path!(),
            "install_sets_the_bridge_up_at_rust_logs_level",
        );
    }
    let exporter = InMemoryExporter::default();
    let _guard = install(&exporter);
    // `RUST_LOG` is unset in the child process: `info`, for `tracing` and `log` alike.
    assert_eq!(LevelFilter::current(), LevelFilter::INFO);
    assert_eq!(log::max_level(), log::LevelFilter::Info);

    tracing::info_span!("request").in_scope(|| {
        handler();
        // Through the `log` crate: forwarded to the bridge (an event of the `tracing` span).
        log::info!("from log");
        log::debug!("below RUST_LOG");
    });
    tracing::debug_span!("below RUST_LOG").in_scope(|| {});
    let spans = exporter.finished_spans();
    let names: Vec<&str> = spans.iter().map(|span| span.name.as_ref()).collect();
    assert_eq!(names, ["handler", "request"], "no debug span at `info`");
    assert!(is_child_of(&spans[0], &spans[1]));
    let events: Vec<&str> = spans[1]
        .events
        .iter()
        .map(|event| event.name.as_ref())
        .collect();
    assert!(events.contains(&"from log"), "{events:?}");
    assert!(!events.contains(&"below RUST_LOG"), "{events:?}");
}

/// Counts the events it sees.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for Counter {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn install_keeps_the_applications_subscriber() {
    if std::env::var_os(CHILD).is_none() {
        return in_a_child_process(module_path!(), "install_keeps_the_applications_subscriber");
    }
    let counter = Counter::default();
    let subscriber = tracing_subscriber::registry()
        .with(counter.clone())
        .with(otel_runtime::tracing_layer());
    tracing::subscriber::set_global_default(subscriber).expect("the first subscriber");

    let exporter = InMemoryExporter::default();
    let _guard = install(&exporter);
    tracing::info_span!("request").in_scope(handler);

    assert_eq!(
        counter.0.load(Ordering::Relaxed),
        1,
        "the application's subscriber is still the global one"
    );
    let spans = exporter.finished_spans();
    let names: Vec<&str> = spans.iter().map(|span| span.name.as_ref()).collect();
    assert_eq!(names, ["handler", "request"], "its tracing_layer() bridges");
    assert!(is_child_of(&spans[0], &spans[1]));
}
