//! The propagators installed by [`crate::init`] (from `OTEL_PROPAGATORS`) and the helpers that
//! use the installed one.
//!
//! | `OTEL_PROPAGATORS` | propagator |
//! |---|---|
//! | `tracecontext` | [`TraceContextPropagator`]: strict W3C Trace Context Level 2 |
//! | `baggage` | W3C `baggage`: opentelemetry-sdk's `BaggagePropagator`, fed every `baggage` line |
//! | `b3`, `b3multi` | [`B3Propagator`] with [`B3Encoding::Single`] or [`B3Encoding::Multiple`] |
//! | `jaeger` | `JaegerPropagator`, only with the `jaeger-propagator` cargo feature |
//!
//! Jaeger's `uber-trace-id` format is deprecated (Jaeger's own clients are retired in favour of
//! OpenTelemetry SDKs, which default to W3C Trace Context), so it is off by default: a build
//! without the feature ignores `jaeger` in `OTEL_PROPAGATORS` with a warning.

mod b3;
mod baggage;
mod carrier;
mod hex;
#[cfg(feature = "jaeger-propagator")]
mod jaeger;
pub mod tracecontext;

use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::{global, Context};

use crate::config::PropagatorKind;
use baggage::BaggagePropagator;
use tracecontext::TraceContextPropagator;

#[cfg(any(feature = "actix-web", feature = "awc"))]
pub(crate) use carrier::UNREADABLE_VALUE;

pub use b3::{B3Encoding, B3Propagator};
#[cfg(feature = "jaeger-propagator")]
#[cfg_attr(docsrs, doc(cfg(feature = "jaeger-propagator")))]
pub use jaeger::JaegerPropagator;

/// The default propagators: W3C `traceparent`/`tracestate` (the strict
/// [`TraceContextPropagator`]) and W3C `baggage`.
pub fn default_propagator() -> TextMapCompositePropagator {
    from_kinds(&PropagatorKind::DEFAULT)
}

/// The propagators `kinds` name, in order; for an empty list, one that reads and writes nothing.
///
/// A kind this build lacks ([`PropagatorKind::is_available`]: `jaeger` without the
/// `jaeger-propagator` feature) is left out; [`crate::config`] warns about it.
///
/// ```
/// use opentelemetry::propagation::TextMapPropagator;
/// use otel_runtime::config::PropagatorKind;
///
/// let propagator = otel_runtime::propagation::from_kinds(&[PropagatorKind::B3Multi]);
/// let fields: Vec<&str> = propagator.fields().collect();
/// assert!(fields.contains(&"x-b3-traceid"));
/// ```
pub fn from_kinds(kinds: &[PropagatorKind]) -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(kinds.iter().filter_map(|kind| one(*kind)).collect())
}

fn one(kind: PropagatorKind) -> Option<Box<dyn TextMapPropagator + Send + Sync>> {
    Some(match kind {
        PropagatorKind::TraceContext => Box::new(TraceContextPropagator::new()),
        PropagatorKind::Baggage => Box::new(BaggagePropagator::default()),
        PropagatorKind::B3 => Box::new(B3Propagator::new(B3Encoding::Single)),
        PropagatorKind::B3Multi => Box::new(B3Propagator::new(B3Encoding::Multiple)),
        #[cfg(feature = "jaeger-propagator")]
        PropagatorKind::Jaeger => Box::new(jaeger::JaegerPropagator::new()),
        #[cfg(not(feature = "jaeger-propagator"))]
        PropagatorKind::Jaeger => return None,
    })
}

/// Installs `propagator` as the global text-map propagator.
pub fn install(propagator: impl TextMapPropagator + Send + Sync + 'static) {
    global::set_text_map_propagator(propagator);
}

/// The remote context carried by `carrier`, read with the installed propagator.
///
/// The runtime's propagators read every line of a header with [`Extractor::get_all`]; a carrier
/// whose names are case-insensitive (an HTTP header map) should answer it with `Some(vec![])`
/// for a missing header, which spares a scan of [`Extractor::keys`] for other spellings (see
/// [Carriers](tracecontext#carriers)).
pub fn extract(carrier: &dyn Extractor) -> Context {
    global::get_text_map_propagator(|propagator| propagator.extract(carrier))
}

/// Writes `cx` into `carrier` with the installed propagator.
pub fn inject(cx: &Context, carrier: &mut dyn Injector) {
    global::get_text_map_propagator(|propagator| propagator.inject_context(cx, carrier));
}
