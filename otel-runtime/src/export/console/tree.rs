//! The trace-tree console form: the spans of a trace, grouped once its local root ends, drawn as
//! an indented waterfall with durations and bars.

use std::collections::{HashMap, VecDeque};
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry_sdk::trace::SpanData;

use super::format::kind_name;
use crate::warn::OneLine;

/// Width of the waterfall bars, in terminal cells.
const BAR_WIDTH: usize = 40;
/// Left-aligned eighth blocks, for the fractional end of a bar.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/// Spans kept waiting for their root at most; past this the oldest trace is printed as it is.
const MAX_BUFFERED_SPANS: usize = 8_192;

/// A group of spans of one trace drawn as a waterfall: one line per span, children indented
/// under their parent in start order, with the span's kind, duration and a bar placed on the
/// group's timeline.
///
/// ```
/// use opentelemetry::trace::{Tracer, TracerProvider};
/// use opentelemetry_sdk::trace::SdkTracerProvider;
/// use otel_runtime::{InMemoryExporter, TraceTree};
///
/// let exporter = InMemoryExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let tracer = provider.tracer("doc");
/// tracer.in_span("checkout", |_| tracer.in_span("charge", |_| {}));
/// let text = TraceTree::new(&exporter.finished_spans()).to_string();
/// assert!(text.contains("checkout"));
/// assert!(text.contains("└─ charge"));
/// ```
#[derive(Debug)]
pub struct TraceTree<'a> {
    spans: &'a [SpanData],
    service: Option<&'a str>,
}

impl<'a> TraceTree<'a> {
    /// Draws `spans` (normally all of one trace).
    pub fn new(spans: &'a [SpanData]) -> Self {
        Self {
            spans,
            service: None,
        }
    }

    /// Names the service in the heading line.
    pub fn with_service(mut self, service: Option<&'a str>) -> Self {
        self.service = service;
        self
    }
}

struct Row<'a> {
    label: String,
    span: &'a SpanData,
    note: Option<String>,
}

impl TraceTree<'_> {
    /// `trace <id> · <service> · <n> spans · <duration>`
    fn write_header(
        &self,
        f: &mut fmt::Formatter<'_>,
        first: &SpanData,
        total: Duration,
    ) -> fmt::Result {
        write!(f, "trace {}", first.span_context.trace_id())?;
        if let Some(service) = self.service {
            write!(f, " · {}", OneLine(service))?;
        }
        let count = self.spans.len();
        writeln!(
            f,
            " · {count} span{} · {}",
            if count == 1 { "" } else { "s" },
            human_duration(total)
        )
    }
}

impl fmt::Display for TraceTree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spans = self.spans;
        let Some(first) = spans.first() else {
            return Ok(());
        };
        let start = spans
            .iter()
            .map(|span| span.start_time)
            .min()
            .unwrap_or(first.start_time);
        let end = spans
            .iter()
            .map(|span| span.end_time)
            .max()
            .unwrap_or(first.end_time);
        let total = end.duration_since(start).unwrap_or_default();

        self.write_header(f, first, total)?;
        let rows = rows(spans);
        let label_width = rows
            .iter()
            .map(|row| row.label.chars().count())
            .max()
            .unwrap_or(0);
        let durations: Vec<String> = rows
            .iter()
            .map(|row| human_duration(elapsed(row.span)))
            .collect();
        let duration_width = durations.iter().map(String::len).max().unwrap_or(0);
        for (row, duration) in rows.iter().zip(&durations) {
            let bar = bar(row.span, start, total);
            write!(
                f,
                "{label:<label_width$}  {kind:<8}  {duration:>duration_width$}  {bar}",
                label = row.label,
                kind = kind_name(&row.span.span_kind),
            )?;
            if let Status::Error { description } = &row.span.status {
                if description.is_empty() {
                    f.write_str("  ✗ error")?;
                } else {
                    write!(f, "  ✗ error: {}", OneLine(description))?;
                }
            }
            if let Some(note) = &row.note {
                write!(f, "  ({})", OneLine(note))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The lines of the tree, depth first, siblings in start order.
fn rows(spans: &[SpanData]) -> Vec<Row<'_>> {
    let ids: HashMap<SpanId, &SpanData> = spans
        .iter()
        .map(|span| (span.span_context.span_id(), span))
        .collect();
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let mut roots = Vec::new();
    for span in spans {
        if span.parent_span_id != SpanId::INVALID && ids.contains_key(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(span);
        } else {
            roots.push(span);
        }
    }
    let by_start = |a: &&SpanData, b: &&SpanData| {
        a.start_time
            .cmp(&b.start_time)
            .then_with(|| a.name.cmp(&b.name))
    };
    roots.sort_by(by_start);
    for list in children.values_mut() {
        list.sort_by(by_start);
    }

    let mut rows = Vec::with_capacity(spans.len());
    for root in roots {
        let note = if root.parent_span_id == SpanId::INVALID {
            None
        } else if root.parent_span_is_remote {
            Some(format!("remote parent {}", root.parent_span_id))
        } else {
            Some(format!("parent {} not exported here", root.parent_span_id))
        };
        rows.push(Row {
            label: OneLine(&root.name).to_string(),
            span: root,
            note,
        });
        descend(root, "", &children, &mut rows);
    }
    rows
}

fn descend<'a>(
    parent: &SpanData,
    indent: &str,
    children: &HashMap<SpanId, Vec<&'a SpanData>>,
    rows: &mut Vec<Row<'a>>,
) {
    let Some(list) = children.get(&parent.span_context.span_id()) else {
        return;
    };
    for (index, child) in list.iter().enumerate() {
        let last = index + 1 == list.len();
        let branch = if last { "└─ " } else { "├─ " };
        rows.push(Row {
            label: format!("{indent}{branch}{}", OneLine(&child.name)),
            span: child,
            note: None,
        });
        let deeper = format!("{indent}{}", if last { "   " } else { "│  " });
        descend(child, &deeper, children, rows);
    }
}

fn elapsed(span: &SpanData) -> Duration {
    span.end_time
        .duration_since(span.start_time)
        .unwrap_or_default()
}

/// The span's bar on the group's timeline: full blocks, then an eighth block for the remainder.
fn bar(span: &SpanData, start: SystemTime, total: Duration) -> String {
    let total_ns = total.as_nanos().max(1) as f64;
    let offset_ns = span
        .start_time
        .duration_since(start)
        .unwrap_or_default()
        .as_nanos() as f64;
    let end_ns = offset_ns + elapsed(span).as_nanos() as f64;
    let cells = BAR_WIDTH as f64;
    let first_cell = ((offset_ns / total_ns) * cells).floor() as usize;
    let first_cell = first_cell.min(BAR_WIDTH - 1);
    let end_eighths = ((end_ns / total_ns) * cells * 8.0).ceil() as usize;
    let end_eighths = end_eighths.clamp(first_cell * 8 + 1, BAR_WIDTH * 8);
    let length = end_eighths - first_cell * 8;
    let mut text = String::with_capacity(BAR_WIDTH * 3);
    text.extend(std::iter::repeat_n(' ', first_cell));
    text.extend(std::iter::repeat_n('█', length / 8));
    if !length.is_multiple_of(8) {
        text.push(EIGHTHS[length % 8]);
    }
    text
}

/// `734 µs`, `12.41 ms`, `1.234 s`.
pub(crate) fn human_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = if micros < 1_000.0 {
        write!(text, "{micros:.0} µs")
    } else if micros < 1_000_000.0 {
        write!(text, "{:.2} ms", micros / 1_000.0)
    } else {
        write!(text, "{:.3} s", micros / 1_000_000.0)
    };
    text
}

/// Spans waiting for the local root of their trace.
#[derive(Debug, Default)]
pub(crate) struct TraceBuffer {
    traces: HashMap<TraceId, Vec<SpanData>>,
    order: VecDeque<TraceId>,
    buffered: usize,
}

impl TraceBuffer {
    /// Adds an ended span; returns the groups now complete: its trace's spans if it is a local
    /// root (no parent, or a parent in another process), and the oldest traces if too many spans
    /// are waiting.
    pub(crate) fn push(&mut self, span: SpanData) -> Vec<Vec<SpanData>> {
        let trace_id = span.span_context.trace_id();
        let local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
        let group = self.traces.entry(trace_id).or_insert_with(|| {
            self.order.push_back(trace_id);
            Vec::new()
        });
        group.push(span);
        self.buffered += 1;
        let mut complete = Vec::new();
        if local_root {
            complete.extend(self.take(trace_id));
        }
        while self.buffered > MAX_BUFFERED_SPANS {
            let Some(oldest) = self.order.front().copied() else {
                break;
            };
            complete.extend(self.take(oldest));
        }
        complete
    }

    /// Every waiting group, oldest first (at flush and shutdown).
    pub(crate) fn drain(&mut self) -> Vec<Vec<SpanData>> {
        let order: Vec<TraceId> = self.order.iter().copied().collect();
        order
            .into_iter()
            .filter_map(|trace_id| self.take(trace_id))
            .collect()
    }

    fn take(&mut self, trace_id: TraceId) -> Option<Vec<SpanData>> {
        let group = self.traces.remove(&trace_id)?;
        self.order.retain(|id| *id != trace_id);
        self.buffered -= group.len();
        Some(group)
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{Span as _, Status, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::TraceTree;
    use crate::InMemoryExporter;

    #[test]
    fn names_errors_and_service_cannot_forge_lines_or_escapes() {
        let exporter = InMemoryExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("test");
        let mut span = tracer.start("GET /\nSpan(name=\"forged\")\u{1b}[31m");
        span.set_status(Status::error("bad\r\nsecond line\u{7}"));
        span.end();
        let spans = exporter.finished_spans();
        let text = TraceTree::new(&spans)
            .with_service(Some("svc\nforged"))
            .to_string();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{7}'));
        assert!(text.contains(r"GET /\nSpan"), "{text}");
        assert!(text.contains(r"svc\nforged"), "{text}");
        assert!(text.contains(r"bad\r\nsecond line"), "{text}");
    }
}
