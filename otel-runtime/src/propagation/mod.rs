//! The propagators installed by [`crate::init`] and the helpers that use the installed one.

use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::{global, Context};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

/// The default propagators: W3C `traceparent`/`tracestate` and W3C `baggage`.
pub fn default_propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// Installs `propagator` as the global text-map propagator.
pub fn install(propagator: impl TextMapPropagator + Send + Sync + 'static) {
    global::set_text_map_propagator(propagator);
}

/// The remote context carried by `carrier`, read with the installed propagator.
pub fn extract(carrier: &dyn Extractor) -> Context {
    global::get_text_map_propagator(|propagator| propagator.extract(carrier))
}

/// Writes `cx` into `carrier` with the installed propagator.
pub fn inject(cx: &Context, carrier: &mut dyn Injector) {
    global::get_text_map_propagator(|propagator| propagator.inject_context(cx, carrier));
}
