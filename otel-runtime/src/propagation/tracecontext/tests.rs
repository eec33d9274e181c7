//! Extraction and injection tests: the shared carrier and expectations, header-name handling,
//! and (in `tables`) the table of `traceparent` and `tracestate` rows, (in `inject`) what inject
//! writes.

use std::collections::HashMap;

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

use super::{tracestate_header, TraceContextPropagator, TRACEPARENT_HEADER, TRACESTATE_HEADER};

mod inject;
mod tables;

const TRACE_ID: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const SPAN_ID: u64 = 0x00f0_67aa_0ba9_02b7;
const TID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SID: &str = "00f067aa0ba902b7";
const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const KIB64: usize = 64 * 1024;

/// Headers in order, several values per name, names compared case-insensitively.
#[derive(Debug, Default)]
struct Carrier {
    headers: Vec<(String, String)>,
}

impl Carrier {
    fn new(headers: &[(&str, &str)]) -> Self {
        Carrier {
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    fn with(traceparent: &[String], tracestate: &[String]) -> Self {
        let mut headers = Vec::new();
        headers.push(("content-type".to_owned(), "text/plain".to_owned()));
        for value in traceparent {
            headers.push((TRACEPARENT_HEADER.to_owned(), value.clone()));
        }
        for value in tracestate {
            headers.push((TRACESTATE_HEADER.to_owned(), value.clone()));
        }
        Carrier { headers }
    }

    fn values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

impl Extractor for Carrier {
    fn get(&self, key: &str) -> Option<&str> {
        self.values(key).first().copied()
    }

    fn keys(&self) -> Vec<&str> {
        self.headers.iter().map(|(key, _)| key.as_str()).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values = self.values(key);
        (!values.is_empty()).then_some(values)
    }
}

impl Injector for Carrier {
    fn set(&mut self, key: &str, value: String) {
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(key));
        self.headers.push((key.to_owned(), value));
    }
}

/// Like [`Carrier`] but names are compared exactly (a naive map-like carrier).
struct CaseSensitiveCarrier(Vec<(&'static str, &'static str)>);

impl Extractor for CaseSensitiveCarrier {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| *k).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// No remote parent: the context is returned unchanged.
    Invalid,
    /// A remote parent with these ids, flags and `tracestate` header (`""` for none).
    Parent {
        trace_id: u128,
        span_id: u64,
        flags: u8,
        tracestate: String,
    },
}

/// The canonical ids with `flags` and `tracestate`.
fn parent(flags: u8, tracestate: &str) -> Expect {
    Expect::Parent {
        trace_id: TRACE_ID,
        span_id: SPAN_ID,
        flags,
        tracestate: tracestate.to_owned(),
    }
}

struct Case {
    name: String,
    traceparent: Vec<String>,
    tracestate: Vec<String>,
    expect: Expect,
}

fn case(name: &str, traceparent: &[&str], tracestate: &[&str], expect: Expect) -> Case {
    Case {
        name: name.to_owned(),
        traceparent: traceparent.iter().map(|s| (*s).to_owned()).collect(),
        tracestate: tracestate.iter().map(|s| (*s).to_owned()).collect(),
        expect,
    }
}

fn owned_case(
    name: &str,
    traceparent: Vec<String>,
    tracestate: Vec<String>,
    expect: Expect,
) -> Case {
    Case {
        name: name.to_owned(),
        traceparent,
        tracestate,
        expect,
    }
}

fn tp(version: &str, trace_id: &str, span_id: &str, flags: &str) -> String {
    format!("{version}-{trace_id}-{span_id}-{flags}")
}

/// `n` distinct members `k1=v1,...`.
fn members(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| format!("k{i}=v{i}")).collect()
}

fn outcome(cx: &Context) -> Expect {
    let span = cx.span();
    let sc = span.span_context();
    if !sc.is_valid() {
        return Expect::Invalid;
    }
    assert!(sc.is_remote(), "extracted contexts are remote");
    Expect::Parent {
        trace_id: u128::from_be_bytes(sc.trace_id().to_bytes()),
        span_id: u64::from_be_bytes(sc.span_id().to_bytes()),
        flags: sc.trace_flags().to_u8(),
        tracestate: tracestate_header(cx, sc).unwrap_or_default(),
    }
}

fn extract(carrier: &dyn Extractor) -> Context {
    TraceContextPropagator::new().extract_with_context(&Context::new(), carrier)
}

fn run(cases: Vec<Case>) -> usize {
    let count = cases.len();
    let mut failures = Vec::new();
    for case in cases {
        let carrier = Carrier::with(&case.traceparent, &case.tracestate);
        let got = outcome(&extract(&carrier));
        if got != case.expect {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                case.name,
                shorten(&case.expect),
                shorten(&got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing rows:\n{}",
        failures.len(),
        failures.join("\n")
    );
    count
}

fn shorten(expect: &Expect) -> Expect {
    match expect {
        Expect::Parent {
            trace_id,
            span_id,
            flags,
            tracestate,
        } if tracestate.len() > 200 => Expect::Parent {
            trace_id: *trace_id,
            span_id: *span_id,
            flags: *flags,
            tracestate: format!("{}...({} bytes)", &tracestate[..100], tracestate.len()),
        },
        other => other.clone(),
    }
}

/// A row name, the headers in order and the expected outcome.
type NamedHeaders = (&'static str, Vec<(&'static str, &'static str)>, Expect);

#[test]
fn header_names_are_case_insensitive() {
    let cases: Vec<NamedHeaders> = vec![
        (
            "mixed case",
            vec![("TraceParent", TP), ("TraceState", "foo=1")],
            parent(0x01, "foo=1"),
        ),
        (
            "upper case",
            vec![("TRACEPARENT", TP), ("TRACESTATE", "foo=1")],
            parent(0x01, "foo=1"),
        ),
        (
            "differently spelled tracestate lines join in order",
            vec![
                ("tracestate", "a=1"),
                ("TraceParent", TP),
                ("TRACESTATE", "b=2"),
                ("tracestate", "c=3"),
            ],
            parent(0x01, "a=1,b=2,c=3"),
        ),
        (
            "two spellings of traceparent",
            vec![("traceparent", TP), ("TRACEPARENT", TP)],
            Expect::Invalid,
        ),
    ];
    for (name, headers, expect) in cases {
        let got = outcome(&extract(&Carrier::new(&headers)));
        assert_eq!(got, expect, "{name}");
    }
}

#[test]
fn case_sensitive_carriers_fall_back_to_keys() {
    let cases: Vec<NamedHeaders> = vec![
        (
            "lowercase",
            vec![("traceparent", TP), ("tracestate", "foo=1")],
            parent(0x01, "foo=1"),
        ),
        (
            "mixed case",
            vec![("TraceParent", TP), ("TraceState", "foo=1")],
            parent(0x01, "foo=1"),
        ),
        (
            "upper case",
            vec![("TRACEPARENT", TP), ("TRACESTATE", "foo=1")],
            parent(0x01, "foo=1"),
        ),
        (
            "mixed case, listed twice by keys()",
            vec![("TraceParent", TP), ("Accept", "*/*"), ("TraceParent", TP)],
            Expect::Invalid,
        ),
        (
            "two spellings",
            vec![("TraceParent", TP), ("TRACEPARENT", TP)],
            Expect::Invalid,
        ),
        (
            "tracestate under two spellings",
            vec![
                ("traceparent", TP),
                ("TraceState", "a=1"),
                ("TRACESTATE", "b=2"),
            ],
            parent(0x01, "b=2,a=1"),
        ),
        (
            "similar names do not match",
            vec![("traceparent2", TP), ("x-traceparent", TP)],
            Expect::Invalid,
        ),
        ("absent", vec![("accept", "*/*")], Expect::Invalid),
    ];
    for (name, headers, expect) in cases {
        let got = outcome(&extract(&CaseSensitiveCarrier(headers)));
        assert_eq!(got, expect, "{name}");
    }
}

#[test]
fn hashmap_carrier() {
    let mut map = HashMap::new();
    map.insert("traceparent".to_owned(), TP.to_owned());
    map.insert("tracestate".to_owned(), "foo=bar".to_owned());
    assert_eq!(outcome(&extract(&map)), parent(0x01, "foo=bar"));
}

#[test]
fn invalid_input_returns_the_given_context_unchanged() {
    #[derive(Debug, PartialEq)]
    struct Marker(u32);

    let local = SpanContext::new(
        TraceId::from(7u128),
        SpanId::from(9u64),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    );
    let cx = Context::new()
        .with_value(Marker(42))
        .with_remote_span_context(local.clone());
    let propagator = TraceContextPropagator::default();

    let bad = Carrier::with(&[TP.to_owned(), TP.to_owned()], &["foo=1".to_owned()]);
    let got = propagator.extract_with_context(&cx, &bad);
    assert_eq!(got.get::<Marker>(), Some(&Marker(42)));
    assert_eq!(got.span().span_context(), &local);

    let good = Carrier::with(&[TP.to_owned()], &[]);
    let got = propagator.extract_with_context(&cx, &good);
    assert_eq!(
        got.get::<Marker>(),
        Some(&Marker(42)),
        "other values survive"
    );
    assert_eq!(outcome(&got), parent(0x01, ""));
}
