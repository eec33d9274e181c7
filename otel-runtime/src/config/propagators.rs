//! `OTEL_PROPAGATORS`.

use std::fmt;

use super::env::{list, Env};
use super::Warning;

/// A context propagation format, as `OTEL_PROPAGATORS` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PropagatorKind {
    /// `tracecontext`: W3C `traceparent` / `tracestate`
    /// ([`TraceContextPropagator`](crate::tracecontext::TraceContextPropagator)).
    TraceContext,
    /// `baggage`: W3C `baggage`.
    Baggage,
    /// `b3`: Zipkin B3, the single `b3` header.
    B3,
    /// `b3multi`: Zipkin B3, the `X-B3-*` headers.
    B3Multi,
    /// `jaeger`: Jaeger's `uber-trace-id` header
    /// ([`JaegerPropagator`](crate::propagation::JaegerPropagator)).
    Jaeger,
}

impl PropagatorKind {
    /// The values `OTEL_PROPAGATORS` accepts, for messages.
    pub const ACCEPTED: &'static str =
        "tracecontext, baggage, b3, b3multi, jaeger, none (comma-separated)";

    /// The default: `tracecontext,baggage`.
    pub const DEFAULT: [PropagatorKind; 2] = [Self::TraceContext, Self::Baggage];

    /// Parses one item (case-insensitive); `none` is not a propagator and gives `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tracecontext" => Some(Self::TraceContext),
            "baggage" => Some(Self::Baggage),
            "b3" => Some(Self::B3),
            "b3multi" => Some(Self::B3Multi),
            "jaeger" => Some(Self::Jaeger),
            _ => None,
        }
    }

    /// The name `OTEL_PROPAGATORS` uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::TraceContext => "tracecontext",
            Self::Baggage => "baggage",
            Self::B3 => "b3",
            Self::B3Multi => "b3multi",
            Self::Jaeger => "jaeger",
        }
    }
}

impl fmt::Display for PropagatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `tracecontext,baggage` for messages; `none` for an empty list.
pub(crate) fn names(kinds: &[PropagatorKind]) -> String {
    if kinds.is_empty() {
        return "none".to_owned();
    }
    kinds
        .iter()
        .map(|kind| kind.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads `OTEL_PROPAGATORS`: the formats in order, without duplicates. Unknown items are dropped
/// with a warning; if nothing valid remains, the default is used.
pub(crate) fn propagators(env: &mut Env<'_>) -> Vec<PropagatorKind> {
    const NAME: &str = "OTEL_PROPAGATORS";
    let Some(value) = env.get(NAME) else {
        return PropagatorKind::DEFAULT.to_vec();
    };
    let mut kinds = Vec::new();
    let mut unknown = Vec::new();
    let mut none = false;
    for item in list(&value) {
        if item.eq_ignore_ascii_case("none") {
            none = true;
            continue;
        }
        match PropagatorKind::parse(item) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => unknown.push(item),
        }
    }
    if kinds.is_empty() && none && unknown.is_empty() {
        return Vec::new();
    }
    if kinds.is_empty() {
        let fallback = if none {
            Vec::new()
        } else {
            PropagatorKind::DEFAULT.to_vec()
        };
        env.invalid(NAME, &value, PropagatorKind::ACCEPTED, &names(&fallback));
        return fallback;
    }
    if !unknown.is_empty() || none {
        let problem = if unknown.is_empty() {
            "combines none with propagators".to_owned()
        } else {
            format!("names unknown propagators {}", unknown.join(", "))
        };
        env.warn(Warning::new(
            NAME,
            &value,
            &problem,
            PropagatorKind::ACCEPTED,
            &names(&kinds),
        ));
    }
    kinds
}
