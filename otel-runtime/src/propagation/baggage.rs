//! W3C `baggage`: opentelemetry-sdk's `BaggagePropagator`, given every `baggage` header line.

use std::borrow::Cow;

use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::BaggagePropagator as SdkBaggagePropagator;

use super::carrier::header_values;

const HEADER: &str = "baggage";

/// W3C `baggage` from every `baggage` header line.
///
/// The SDK's propagator reads the first line only ([`Extractor::get`]); this one combines the
/// lines in order as if joined with `,` (RFC 9110 field order), as `tracestate` lines are
/// combined, and finds the header name the same way (see
/// [Carriers](super::tracecontext#carriers)). The combined value is then the SDK's to judge: an
/// invalid entry (a line that is not text, for one) is dropped on its own, and a value over
/// 8192 bytes drops the whole baggage. Inject is the SDK's.
#[derive(Debug, Default)]
pub(crate) struct BaggagePropagator {
    sdk: SdkBaggagePropagator,
}

impl TextMapPropagator for BaggagePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        self.sdk.inject_context(cx, injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some(lines) = header_values(extractor, HEADER) else {
            return cx.clone();
        };
        let value = match lines.as_slice() {
            [line] => Cow::Borrowed(*line),
            _ => Cow::Owned(lines.join(",")),
        };
        self.sdk.extract_with_context(cx, &Combined(&value))
    }

    fn fields(&self) -> FieldIter<'_> {
        self.sdk.fields()
    }
}

/// The combined `baggage` value as the only header of a carrier.
struct Combined<'a>(&'a str);

impl Extractor for Combined<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        key.eq_ignore_ascii_case(HEADER).then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec![HEADER]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use opentelemetry::baggage::BaggageExt;

    use super::*;
    use crate::propagation::carrier::UNREADABLE_VALUE;

    /// Header lines in order, names compared in any case.
    struct Lines(Vec<(&'static str, &'static str)>);

    impl Extractor for Lines {
        fn get(&self, key: &str) -> Option<&str> {
            self.get_all(key)?.first().copied()
        }

        fn keys(&self) -> Vec<&str> {
            self.0.iter().map(|(k, _)| *k).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            let values = self.0.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key));
            Some(values.map(|(_, v)| *v).collect())
        }
    }

    fn entries(lines: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
        let cx = BaggagePropagator::default().extract(&Lines(lines.to_vec()));
        let mut entries: Vec<(String, String)> = cx
            .baggage()
            .iter()
            .map(|(key, (value, _))| (key.to_string(), value.to_string()))
            .collect();
        entries.sort();
        entries
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_line_counts_in_order() {
        assert_eq!(
            entries(&[
                ("baggage", "a=1,b=2"),
                ("accept", "*/*"),
                ("Baggage", "c=3")
            ]),
            pairs(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
        // A later line cannot be hidden by a first line that is not text; the bad line's entry
        // alone is dropped.
        assert_eq!(
            entries(&[("baggage", UNREADABLE_VALUE), ("baggage", "c=3")]),
            pairs(&[("c", "3")])
        );
        // The same key twice: the SDK keeps the last value.
        assert_eq!(
            entries(&[("baggage", "k=1"), ("baggage", "k=2")]),
            pairs(&[("k", "2")])
        );
        assert!(entries(&[("accept", "*/*")]).is_empty());
    }

    #[test]
    fn the_limit_applies_to_the_combined_value() {
        let half = "k=".to_owned() + &"v".repeat(4200);
        let half: &'static str = Box::leak(half.into_boxed_str());
        assert_eq!(entries(&[("baggage", half)]).len(), 1);
        assert!(entries(&[("baggage", half), ("baggage", half)]).is_empty());
    }

    #[test]
    fn inject_and_fields_are_the_sdks() {
        let propagator = BaggagePropagator::default();
        assert_eq!(propagator.fields().collect::<Vec<_>>(), ["baggage"]);
        let cx = Context::new().with_baggage([opentelemetry::KeyValue::new("k", "v w")]);
        let mut headers = HashMap::new();
        propagator.inject_context(&cx, &mut headers);
        assert_eq!(headers["baggage"], "k=v%20w");
    }
}
