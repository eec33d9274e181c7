//! Capturing the spans a test makes, through the same global provider `#[traced]` uses, and
//! asserting a whole trace's shape in one readable statement ([`assert_trace_shape`]).
//!
//! [`capture`] sees only the spans started under it, so tests that each hold one run in
//! parallel; [`capture_all`] sees every span of the process, for checks that need that, and
//! runs alone. [`capture_metrics`] reads the HTTP metrics the runtime records.

mod capture;
mod metrics;
mod router;
mod shape;

pub use capture::{capture, capture_all, Capture, CaptureAll};
pub use metrics::{capture_metrics, MetricsCapture};
pub use shape::{
    assert_shape, assert_trace_shape, describe, has_kind, is_child_of, is_root, shape, trace_shape,
    SpanShape,
};
