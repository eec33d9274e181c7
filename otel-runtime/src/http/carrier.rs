//! actix-http's `HeaderMap` as a propagation carrier (shared by the actix-web and awc glue).

use actix_http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector};

use crate::propagation::UNREADABLE_VALUE;

/// Reads propagation headers from a request's headers (names are case-insensitive).
#[derive(Debug)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        first_value(self.0, key)
    }

    fn keys(&self) -> Vec<&str> {
        names(self.0)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        all_values(self.0, key)
    }
}

/// The first value of `key`, if it is text.
fn first_value<'a>(headers: &'a HeaderMap, key: &str) -> Option<&'a str> {
    let value = match known_name(key) {
        Some(name) => headers.get(name),
        None => headers.get(key),
    };
    value.and_then(|value| value.to_str().ok())
}

/// Every header name.
fn names(headers: &HeaderMap) -> Vec<&str> {
    headers.keys().map(HeaderName::as_str).collect()
}

/// Every value of `key`, in order.
fn all_values<'a>(headers: &'a HeaderMap, key: &str) -> Option<Vec<&'a str>> {
    // A value that is not visible ASCII still counts, as an invalid one, so that a second
    // `traceparent` or a bad `tracestate` line cannot hide behind bad bytes. `Some` even
    // when empty: the lookup ignores case, so propagators need not scan `keys()`.
    let values = match known_name(key) {
        Some(name) => headers.get_all(name),
        None => headers.get_all(key),
    };
    Some(
        values
            .map(|value| value.to_str().unwrap_or(UNREADABLE_VALUE))
            .collect(),
    )
}

/// The headers every request is searched for, parsed once: a lookup by `&str` parses and
/// validates the name each time (about half of an extraction without `traceparent`).
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
static TRACESTATE: HeaderName = HeaderName::from_static("tracestate");
static BAGGAGE: HeaderName = HeaderName::from_static("baggage");

/// `key` as one of the static header names, if it is one (the propagators ask in lowercase).
fn known_name(key: &str) -> Option<&'static HeaderName> {
    match key {
        "traceparent" => Some(&TRACEPARENT),
        "tracestate" => Some(&TRACESTATE),
        "baggage" => Some(&BAGGAGE),
        _ => None,
    }
}

/// Which of the headers the default propagators read a request has, noted while the server glue
/// goes over the request's headers once anyway ([`Self::note`]).
#[cfg(feature = "actix-web")]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PropagationHeaders {
    traceparent: bool,
    tracestate: bool,
    baggage: bool,
}

#[cfg(feature = "actix-web")]
impl PropagationHeaders {
    /// Notes a request header's name.
    #[inline]
    pub(crate) fn note(&mut self, name: &HeaderName) {
        match name.as_str() {
            "traceparent" => self.traceparent = true,
            "tracestate" => self.tracestate = true,
            "baggage" => self.baggage = true,
            _ => {}
        }
    }

    /// Whether `key` is one of these headers and the request has none.
    fn absent(&self, key: &str) -> bool {
        match key {
            "traceparent" => !self.traceparent,
            "tracestate" => !self.tracestate,
            "baggage" => !self.baggage,
            _ => false,
        }
    }
}

/// [`HeaderExtractor`] for a request whose [`PropagationHeaders`] are known: a lookup of one it
/// lacks (most requests carry no trace context) answers at once, without hashing the name.
#[cfg(feature = "actix-web")]
#[derive(Debug)]
pub(crate) struct ScannedHeaders<'a> {
    pub(crate) headers: &'a HeaderMap,
    pub(crate) present: PropagationHeaders,
}

#[cfg(feature = "actix-web")]
impl Extractor for ScannedHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        if self.present.absent(key) {
            return None;
        }
        first_value(self.headers, key)
    }

    fn keys(&self) -> Vec<&str> {
        names(self.headers)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        if self.present.absent(key) {
            // Final, like `HeaderExtractor`'s: the names were compared ignoring case.
            return Some(Vec::new());
        }
        all_values(self.headers, key)
    }
}

/// Writes propagation headers into an outgoing request's headers, replacing earlier values.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        // A propagator writes only valid names and visible ASCII; anything else is skipped.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(all(test, feature = "actix-web"))]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("a valid name"),
                HeaderValue::from_static(value),
            );
        }
        headers
    }

    fn scanned(headers: &HeaderMap) -> ScannedHeaders<'_> {
        let mut present = PropagationHeaders::default();
        for name in headers.keys() {
            present.note(name);
        }
        ScannedHeaders { headers, present }
    }

    #[test]
    fn scanned_headers_answer_like_the_header_extractor() {
        let with = headers(&[
            (
                "TraceParent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            ("tracestate", "a=1"),
            ("tracestate", "b=2"),
            ("accept", "*/*"),
        ]);
        let without = headers(&[("accept", "*/*")]);
        for map in [&with, &without] {
            let plain = HeaderExtractor(map);
            let scanned = scanned(map);
            for key in ["traceparent", "tracestate", "baggage", "accept", "x-other"] {
                assert_eq!(scanned.get(key), plain.get(key), "{key}");
                assert_eq!(scanned.get_all(key), plain.get_all(key), "{key}");
            }
            assert_eq!(scanned.keys().len(), plain.keys().len());
        }
        assert_eq!(
            scanned(&with).get_all("tracestate"),
            Some(vec!["a=1", "b=2"])
        );
        assert_eq!(scanned(&without).get_all("traceparent"), Some(vec![]));
    }
}
