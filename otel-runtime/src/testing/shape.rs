//! Readable assertions on spans: one-line descriptions, parent links, and a whole trace's shape
//! in one statement ([`assert_trace_shape`]).

use std::time::SystemTime;

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry_sdk::trace::SpanData;

/// `name (KIND) parent=…` for each span, for assertion messages.
pub fn describe(spans: &[SpanData]) -> String {
    spans
        .iter()
        .map(|span| {
            format!(
                "{:?} ({:?}, span {}, parent {})",
                span.name,
                span.span_kind,
                span.span_context.span_id(),
                span.parent_span_id
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `child`'s parent is `parent`, in the same trace.
pub fn is_child_of(child: &SpanData, parent: &SpanData) -> bool {
    child.parent_span_id == parent.span_context.span_id()
        && child.span_context.trace_id() == parent.span_context.trace_id()
}

/// Whether `span` is a root (no parent).
pub fn is_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID
}

/// Whether `span` has the given kind.
pub fn has_kind(span: &SpanData, kind: SpanKind) -> bool {
    span.span_kind == kind
}

/// What a whole-trace assertion compares of a span: ids, parent link, name, kind, status and
/// start (for the order of siblings). Build it from [`SpanData`] with `From`, or fill it from
/// another representation (spans decoded from OTLP, say) to use [`assert_shape`] on those.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanShape {
    /// The trace the span belongs to.
    pub trace_id: TraceId,
    /// The span's own id.
    pub span_id: SpanId,
    /// Its parent's id, [`SpanId::INVALID`] for a root.
    pub parent_span_id: SpanId,
    /// Whether the parent came from another process (propagation).
    pub parent_is_remote: bool,
    /// The span name.
    pub name: String,
    /// The span kind.
    pub kind: SpanKind,
    /// Whether the span's status is an error.
    pub error: bool,
    /// When it started: siblings are listed in start order.
    pub start: SystemTime,
}

impl From<&SpanData> for SpanShape {
    fn from(span: &SpanData) -> Self {
        Self {
            trace_id: span.span_context.trace_id(),
            span_id: span.span_context.span_id(),
            parent_span_id: span.parent_span_id,
            parent_is_remote: span.parent_span_is_remote,
            name: span.name.to_string(),
            kind: span.span_kind.clone(),
            error: matches!(span.status, Status::Error { .. }),
            start: span.start_time,
        }
    }
}

/// The spans drawn as indented text, one line per span: `name (KIND)`, children indented two
/// spaces under their parent in start order, with `, remote parent` when the parent link came
/// from another process, `, parent missing` for a span whose local parent is not among `spans`,
/// and `, error` for an error status. Each trace is one block; blocks are separated by an empty
/// line, in start order.
///
/// ```text
/// GET (CLIENT)
///   GET / (SERVER, remote parent)
///     parent (INTERNAL)
///       GET (CLIENT)
/// ```
pub fn shape(spans: &[SpanShape]) -> String {
    let mut traces: Vec<TraceId> = Vec::new();
    let mut ordered: Vec<&SpanShape> = spans.iter().collect();
    ordered.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.name.cmp(&b.name)));
    for span in &ordered {
        if !traces.contains(&span.trace_id) {
            traces.push(span.trace_id);
        }
    }
    let blocks: Vec<String> = traces
        .iter()
        .map(|trace_id| {
            let members: Vec<&SpanShape> = ordered
                .iter()
                .copied()
                .filter(|span| span.trace_id == *trace_id)
                .collect();
            let mut lines = Vec::new();
            for root in members.iter().filter(|span| {
                span.parent_span_id == SpanId::INVALID
                    || !members
                        .iter()
                        .any(|other| other.span_id == span.parent_span_id)
            }) {
                shape_lines(root, &members, 0, &mut lines);
            }
            lines.join("\n")
        })
        .collect();
    blocks.join("\n\n")
}

fn shape_lines(span: &SpanShape, members: &[&SpanShape], depth: usize, lines: &mut Vec<String>) {
    let mut marks = vec![crate::export::console::kind_name(&span.kind).to_owned()];
    if span.parent_span_id != SpanId::INVALID {
        let parent_here = members
            .iter()
            .any(|other| other.span_id == span.parent_span_id);
        if span.parent_is_remote {
            marks.push("remote parent".to_owned());
        } else if !parent_here {
            marks.push("parent missing".to_owned());
        }
    }
    if span.error {
        marks.push("error".to_owned());
    }
    lines.push(format!(
        "{}{} ({})",
        "  ".repeat(depth),
        span.name,
        marks.join(", ")
    ));
    for child in members
        .iter()
        .filter(|other| other.parent_span_id == span.span_id && other.span_id != span.span_id)
    {
        shape_lines(child, members, depth + 1, lines);
    }
}

/// [`shape`] of ended spans.
pub fn trace_shape(spans: &[SpanData]) -> String {
    let shapes: Vec<SpanShape> = spans.iter().map(SpanShape::from).collect();
    shape(&shapes)
}

/// Asserts that `spans` form exactly the trees `expected` draws, in the form [`shape`] prints.
/// `expected` may be indented as a whole (the common indentation is removed) and use any
/// consistent indentation step; leading and trailing empty lines are ignored.
///
/// # Panics
/// If the shapes differ, showing both and every span with its ids.
pub fn assert_shape(spans: &[SpanShape], expected: &str) {
    let actual = shape(spans);
    let expected = normalize_shape(expected);
    if actual != expected {
        let ids: Vec<String> = spans
            .iter()
            .map(|span| {
                format!(
                    "  {:?}: trace {} span {} parent {}{}",
                    span.name,
                    span.trace_id,
                    span.span_id,
                    span.parent_span_id,
                    if span.parent_is_remote {
                        " (remote)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        panic!(
            "the trace does not have the expected shape\n--- expected\n{expected}\n--- actual\n{actual}\n--- spans\n{}",
            ids.join("\n")
        );
    }
}

/// [`assert_shape`] for ended spans.
///
/// ```
/// use otel_runtime::traced;
///
/// #[traced]
/// fn checkout() { charge() }
/// #[traced(kind = client)]
/// fn charge() {}
///
/// let capture = otel_runtime::testing::capture();
/// checkout();
/// otel_runtime::testing::assert_trace_shape(&capture.spans(), "
///     checkout (INTERNAL)
///       charge (CLIENT)
/// ");
/// ```
///
/// # Panics
/// If the shapes differ, showing both.
pub fn assert_trace_shape(spans: &[SpanData], expected: &str) {
    let shapes: Vec<SpanShape> = spans.iter().map(SpanShape::from).collect();
    assert_shape(&shapes, expected);
}

/// Removes the common indentation, rescales the indentation step to two spaces, trims line ends
/// and the empty lines around the text.
fn normalize_shape(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let start = lines.iter().position(|line| !line.is_empty());
    let end = lines.iter().rposition(|line| !line.is_empty());
    let (Some(start), Some(end)) = (start, end) else {
        return String::new();
    };
    let lines = &lines[start..=end];
    let indent = |line: &str| line.len() - line.trim_start().len();
    let common = lines
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| indent(line))
        .min()
        .unwrap_or(0);
    let step = lines
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| indent(line) - common)
        .filter(|width| *width > 0)
        .min()
        .unwrap_or(2);
    lines
        .iter()
        .map(|line| {
            if line.is_empty() {
                return String::new();
            }
            let width = indent(line) - common;
            let depth_indent = if width % step == 0 {
                "  ".repeat(width / step)
            } else {
                " ".repeat(width)
            };
            format!("{depth_indent}{}", line.trim_start())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanKind, TraceId};

    use super::*;

    fn span(id: u64, parent: u64, remote: bool, name: &str, kind: SpanKind, at: u64) -> SpanShape {
        SpanShape {
            trace_id: TraceId::from(7u128),
            span_id: SpanId::from(id),
            parent_span_id: SpanId::from(parent),
            parent_is_remote: remote,
            name: name.to_owned(),
            kind,
            error: false,
            start: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(at),
        }
    }

    fn demo() -> Vec<SpanShape> {
        // In the order they end, as exporters see them.
        vec![
            span(4, 3, false, "GET", SpanKind::Client, 3),
            span(3, 2, false, "parent", SpanKind::Internal, 2),
            span(2, 1, true, "GET /", SpanKind::Server, 1),
            span(1, 0, false, "GET", SpanKind::Client, 0),
        ]
    }

    #[test]
    fn draws_the_four_span_trace() {
        assert_eq!(
            shape(&demo()),
            "GET (CLIENT)\n  GET / (SERVER, remote parent)\n    parent (INTERNAL)\n      GET (CLIENT)"
        );
    }

    #[test]
    fn accepts_indented_expectations_with_any_step() {
        assert_shape(
            &demo(),
            "
            GET (CLIENT)
                GET / (SERVER, remote parent)
                    parent (INTERNAL)
                        GET (CLIENT)
            ",
        );
    }

    #[test]
    fn marks_missing_parents_errors_and_separates_traces() {
        let mut spans = vec![
            span(3, 2, false, "orphan", SpanKind::Internal, 5),
            span(9, 0, false, "other", SpanKind::Producer, 1),
        ];
        spans[0].error = true;
        spans[1].trace_id = TraceId::from(8u128);
        assert_eq!(
            shape(&spans),
            "other (PRODUCER)\n\norphan (INTERNAL, parent missing, error)"
        );
    }

    #[test]
    #[should_panic(expected = "--- expected\nGET (CLIENT)\n  GET / (SERVER)\n")]
    fn a_missing_remote_flag_fails() {
        assert_shape(
            &demo(),
            "GET (CLIENT)\n  GET / (SERVER)\n    parent (INTERNAL)\n      GET (CLIENT)",
        );
    }
}
