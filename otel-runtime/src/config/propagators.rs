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
    /// `jaeger`: Jaeger's `uber-trace-id` header, deprecated upstream: only in builds with the
    /// `jaeger-propagator` cargo feature (see [`PropagatorKind::is_available`]).
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

    /// Whether this build can propagate it: `jaeger` needs the `jaeger-propagator` cargo
    /// feature; a kind that is not available is dropped from `OTEL_PROPAGATORS` with a warning.
    ///
    /// ```
    /// use otel_runtime::config::PropagatorKind;
    ///
    /// assert!(PropagatorKind::B3.is_available());
    /// assert_eq!(PropagatorKind::Jaeger.is_available(), cfg!(feature = "jaeger-propagator"));
    /// ```
    pub const fn is_available(self) -> bool {
        !matches!(self, Self::Jaeger) || cfg!(feature = "jaeger-propagator")
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

/// Reads `OTEL_PROPAGATORS`: the formats in order, without duplicates. Unknown items, and those
/// this build lacks ([`PropagatorKind::is_available`]), are dropped with a warning; if nothing
/// valid remains, the default is used.
pub(crate) fn propagators(env: &mut Env<'_>) -> Vec<PropagatorKind> {
    const NAME: &str = "OTEL_PROPAGATORS";
    let Some(value) = env.get(NAME) else {
        return PropagatorKind::DEFAULT.to_vec();
    };
    let mut kinds = Vec::new();
    let mut unknown = Vec::new();
    let mut unavailable = Vec::new();
    let mut none = false;
    for item in list(&value) {
        if item.eq_ignore_ascii_case("none") {
            none = true;
            continue;
        }
        match PropagatorKind::parse(item) {
            Some(kind) if !kind.is_available() => unavailable.push(item),
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => unknown.push(item),
        }
    }
    if kinds.is_empty() && none && unknown.is_empty() && unavailable.is_empty() {
        return Vec::new();
    }
    let fallback = |none: bool| {
        if none {
            Vec::new()
        } else {
            PropagatorKind::DEFAULT.to_vec()
        }
    };
    if kinds.is_empty() && unavailable.is_empty() {
        let fallback = fallback(none);
        env.invalid(NAME, &value, PropagatorKind::ACCEPTED, &names(&fallback));
        return fallback;
    }
    let mut problems = Vec::new();
    if !unknown.is_empty() {
        problems.push(format!("names unknown propagators {}", unknown.join(", ")));
    }
    if !unavailable.is_empty() {
        problems.push(format!(
            "names {}, not supported by this build (cargo feature jaeger-propagator)",
            unavailable.join(", ")
        ));
    }
    if none && !kinds.is_empty() {
        problems.push("combines none with propagators".to_owned());
    }
    if kinds.is_empty() {
        kinds = fallback(none);
    }
    if !problems.is_empty() {
        env.warn(Warning::new(
            NAME,
            &value,
            &problems.join("; "),
            PropagatorKind::ACCEPTED,
            &names(&kinds),
        ));
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn resolve(value: &str) -> Config {
        Config::from_lookup(|name| (name == "OTEL_PROPAGATORS").then(|| value.to_owned()))
    }

    #[test]
    fn jaeger_follows_the_cargo_feature() {
        let config = resolve("b3,jaeger,tracecontext");
        if cfg!(feature = "jaeger-propagator") {
            assert!(config.warnings.is_empty(), "{:?}", config.warnings);
            assert_eq!(
                config.propagators,
                [
                    PropagatorKind::B3,
                    PropagatorKind::Jaeger,
                    PropagatorKind::TraceContext
                ]
            );
            return;
        }
        assert_eq!(
            config.propagators,
            [PropagatorKind::B3, PropagatorKind::TraceContext]
        );
        assert_eq!(
            config.warnings,
            [Warning::new(
                "OTEL_PROPAGATORS",
                "b3,jaeger,tracecontext",
                "names jaeger, not supported by this build (cargo feature jaeger-propagator)",
                PropagatorKind::ACCEPTED,
                "b3,tracecontext",
            )]
        );
        // Nothing else named: the default, with the same warning.
        let only = resolve("jaeger");
        assert_eq!(only.propagators, PropagatorKind::DEFAULT);
        assert_eq!(only.warnings.len(), 1);
        assert_eq!(only.warnings[0].fallback, "tracecontext,baggage");
        let with_none = resolve("none,jaeger,xray");
        assert!(with_none.propagators.is_empty());
        assert!(
            with_none.warnings[0]
                .problem
                .contains("unknown propagators xray"),
            "{}",
            with_none.warnings[0]
        );
    }
}
