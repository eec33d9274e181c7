//! actix-http's `HeaderMap` as a propagation carrier (shared by the actix-web and awc glue).

use actix_http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector};

use crate::propagation::UNREADABLE_VALUE;

/// Reads propagation headers from a request's headers (names are case-insensitive).
#[derive(Debug)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let value = match known_name(key) {
            Some(name) => self.0.get(name),
            None => self.0.get(key),
        };
        value.and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        // A value that is not visible ASCII still counts, as an invalid one, so that a second
        // `traceparent` or a bad `tracestate` line cannot hide behind bad bytes. `Some` even
        // when empty: the lookup ignores case, so propagators need not scan `keys()`.
        let values = match known_name(key) {
            Some(name) => self.0.get_all(name),
            None => self.0.get_all(key),
        };
        Some(
            values
                .map(|value| value.to_str().unwrap_or(UNREADABLE_VALUE))
                .collect(),
        )
    }
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
