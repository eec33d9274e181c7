//! Formatting shared by the console forms: span kinds and timestamps.

use std::time::SystemTime;

use opentelemetry::trace::SpanKind;

/// `SERVER`, `CLIENT`, ... as the Python SDK names span kinds.
pub(crate) fn kind_name(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "CLIENT",
        SpanKind::Server => "SERVER",
        SpanKind::Producer => "PRODUCER",
        SpanKind::Consumer => "CONSUMER",
        SpanKind::Internal => "INTERNAL",
    }
}

/// RFC 3339 in UTC with microseconds, e.g. `2026-11-25T19:12:01.123456Z`.
pub(crate) fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_micros(time).to_string()
}
