//! The console form of a log record: one line on stderr per `tracing` event or `log` record,
//! with the ids of the span current when it was emitted, in the hex of the console's span lines.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::time::SystemTime;

use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use opentelemetry::Context;
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::layer::{self, Layer};

use super::logs;
use crate::export::console::timestamp;
use crate::warn::OneLine;

/// Writes each event as a [`log_line`] on stderr while the console logs exporter is installed.
///
/// The line is written on the thread that emits the event, in one `write` to the unbuffered
/// stderr (as tracing-subscriber's `fmt` layer does): a terminal or a log collector reading the
/// pipe takes it at once; only a stderr nobody reads would hold the thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConsoleLogs;

impl<S: Subscriber> Layer<S> for ConsoleLogs {
    fn on_event(&self, event: &Event<'_>, _ctx: layer::Context<'_, S>) {
        if !logs::console_installed() {
            return;
        }
        let line =
            Context::map_current(|cx| log_line(SystemTime::now(), event, cx.span().span_context()));
        // A failed write to stderr has nowhere to be reported.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// `2026-11-30T05:30:00.123456Z INFO  demo_server: calling upstream url=http://127.0.0.1:8081/
/// trace_id=<32 hex> span_id=<16 hex>` and a newline: time (UTC), level, target, message,
/// fields, and the span's ids when `span` is valid. Control characters are escaped, so an
/// event is always one line.
pub(crate) fn log_line(time: SystemTime, event: &Event<'_>, span: &SpanContext) -> String {
    let normalized = event.normalized_metadata();
    let metadata: &Metadata<'_> = normalized.as_ref().unwrap_or_else(|| event.metadata());
    let mut fields = Fields {
        message: String::new(),
        others: String::new(),
        from_log: normalized.is_some(),
    };
    event.record(&mut fields);
    let body = fields.message + &fields.others;
    let mut line = String::with_capacity(body.len() + 140);
    // Writing into a String cannot fail.
    let _ = write!(
        line,
        "{} {:<5} {}: {}",
        timestamp(time),
        metadata.level(),
        metadata.target(),
        OneLine(body.trim_start())
    );
    if span.is_valid() {
        let _ = write!(
            line,
            " trace_id={} span_id={}",
            span.trace_id(),
            span.span_id()
        );
    }
    line.push('\n');
    line
}

/// The message, and ` name=value` for each other field.
struct Fields {
    message: String,
    others: String,
    /// A `log` record: its `log.*` fields are already in the metadata.
    from_log: bool,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if self.from_log && name.starts_with("log.") {
            return;
        }
        // Writing into a String cannot fail.
        let _ = if name == "message" {
            write!(self.message, " {value:?}")
        } else {
            write!(self.others, " {name}={value:?}")
        };
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::UNIX_EPOCH;

    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    /// Keeps the line of each event, as if printed at the epoch.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> Layer<S> for Lines {
        fn on_event(&self, event: &Event<'_>, _ctx: layer::Context<'_, S>) {
            let line =
                Context::map_current(|cx| log_line(UNIX_EPOCH, event, cx.span().span_context()));
            crate::recover::lock(&self.0).push(line);
        }
    }

    fn lines_of(emit: impl FnOnce()) -> Vec<String> {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry().with(lines.clone());
        tracing::subscriber::with_default(subscriber, emit);
        let kept = crate::recover::lock(&lines.0).clone();
        kept
    }

    fn in_span(emit: impl FnOnce()) {
        let span = SpanContext::new(
            TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap_or(TraceId::INVALID),
            SpanId::from_hex("b7ad6b7169203331").unwrap_or(SpanId::INVALID),
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        );
        let _attached = Context::new().with_remote_span_context(span).attach();
        emit();
    }

    #[test]
    fn an_event_in_a_span_carries_its_ids() {
        let lines = lines_of(|| {
            in_span(
                || tracing::info!(url = %"http://127.0.0.1:8081/", attempt = 1, "calling upstream"),
            );
        });
        assert_eq!(
            lines,
            ["1970-01-01T00:00:00.000000Z INFO  otel_runtime::bridge::log_line::tests: calling upstream url=http://127.0.0.1:8081/ attempt=1 trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331\n"]
        );
    }

    #[test]
    fn an_event_outside_spans_has_no_ids_and_stays_on_one_line() {
        let lines = lines_of(|| tracing::warn!(target: "checkout", reason = "a\nb", "two\nlines"));
        assert_eq!(
            lines,
            ["1970-01-01T00:00:00.000000Z WARN  checkout: two\\nlines reason=\"a\\nb\"\n"]
        );
    }

    #[test]
    fn a_log_record_is_named_by_its_own_target() {
        let lines = lines_of(|| {
            in_span(|| {
                let record = log::Record::builder()
                    .args(format_args!("cache miss"))
                    .level(log::Level::Info)
                    .target("store")
                    .module_path_static(Some("store"))
                    .build();
                let _ = tracing_log::format_trace(&record);
            });
        });
        assert_eq!(
            lines,
            ["1970-01-01T00:00:00.000000Z INFO  store: cache miss trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331\n"]
        );
    }
}
