//! Reading header lines from a carrier: every value of a name, in order, whatever the case of
//! the name.

use opentelemetry::propagation::Extractor;

/// What a carrier's [`Extractor::get_all`] gives for a header value that is not text (bytes
/// outside visible ASCII, which actix-http's `HeaderValue::to_str` refuses): the line still
/// counts, and counts as invalid, since no format accepts U+FFFD. An empty string instead would
/// be an empty `tracestate` line, which the specification tells receivers to skip.
#[cfg_attr(not(any(feature = "actix-web", feature = "awc")), allow(dead_code))]
pub(crate) const UNREADABLE_VALUE: &str = "\u{fffd}";

/// All values of header `name` (lowercase), in order; `None` when there are none.
///
/// A carrier whose [`Extractor::get_all`] answers `Some`, even with no value, has looked the
/// name up in any case itself (HTTP header maps do), and that answer is final. When it answers
/// `None`, the carrier may be case-sensitive: its [`Extractor::keys`] are scanned once for
/// other spellings (for example `TraceParent`) and all their values are used, in the order of
/// the spellings sorted. That scan allocates and visits every key, so a case-insensitive
/// carrier answers `Some(vec![])` for a missing header (no allocation) to skip it.
pub(crate) fn header_values<'a>(extractor: &'a dyn Extractor, name: &str) -> Option<Vec<&'a str>> {
    if let Some(values) = extractor.get_all(name) {
        return (!values.is_empty()).then_some(values);
    }
    let mut spellings: Vec<&str> = extractor
        .keys()
        .into_iter()
        .filter(|key| *key != name && key.eq_ignore_ascii_case(name))
        .collect();
    if spellings.is_empty() {
        return None;
    }
    spellings.sort_unstable();
    spellings.dedup();
    let mut values = Vec::new();
    for spelling in spellings {
        values.extend(extractor.get_all(spelling).unwrap_or_default());
    }
    (!values.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Names compared exactly; `get_all` answers `Some(vec![])` for a missing name when
    /// `final_answer` is set (as a case-insensitive carrier does), else `None`.
    struct Lines {
        lines: Vec<(&'static str, &'static str)>,
        final_answer: bool,
    }

    impl Extractor for Lines {
        fn get(&self, key: &str) -> Option<&str> {
            self.lines.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        }

        fn keys(&self) -> Vec<&str> {
            self.lines.iter().map(|(k, _)| *k).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            let values: Vec<&str> = self
                .lines
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .collect();
            (self.final_answer || !values.is_empty()).then_some(values)
        }
    }

    #[test]
    fn other_spellings_only_when_the_carrier_has_no_final_answer() {
        let lines = vec![
            ("TraceState", "a=1"),
            ("accept", "*/*"),
            ("TRACESTATE", "b=2"),
        ];
        let sensitive = Lines {
            lines: lines.clone(),
            final_answer: false,
        };
        assert_eq!(
            header_values(&sensitive, "tracestate"),
            Some(vec!["b=2", "a=1"])
        );
        assert_eq!(header_values(&sensitive, "traceparent"), None);
        let insensitive = Lines {
            lines,
            final_answer: true,
        };
        assert_eq!(header_values(&insensitive, "tracestate"), None);
    }

    #[test]
    fn the_lowercase_name_wins_and_every_line_counts() {
        let carrier = Lines {
            lines: vec![("baggage", "a=1"), ("Baggage", "b=2"), ("baggage", "")],
            final_answer: false,
        };
        assert_eq!(header_values(&carrier, "baggage"), Some(vec!["a=1", ""]));
        // opentelemetry's `HashMap` carrier lowercases the names it looks up (its `Injector`
        // stores them lowercase): one value, and no other spelling to find.
        let mut map = HashMap::new();
        map.insert("baggage".to_owned(), "c=3".to_owned());
        assert_eq!(header_values(&map, "baggage"), Some(vec!["c=3"]));
        assert_eq!(header_values(&map, "tracestate"), None);
    }
}
