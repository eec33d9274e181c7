//! Fuzzing (proptest) of every propagator that reads request headers: the strict W3C
//! `traceparent` / `tracestate` reader, W3C `baggage` (the SDK's, through our installed
//! propagator), B3 (single and multiple headers) and Jaeger's `uber-trace-id` (with the
//! `jaeger-propagator` feature).
//!
//! Each target feeds arbitrary text and near-valid variants, one header line or several, and
//! checks: no panic; whatever is accepted is valid, bounded (at most 32 `tracestate` members,
//! 64 baggage entries of 8192 bytes in all) and survives inject → extract unchanged. Cases per
//! target: `PROPTEST_CASES` (256 by default). The 64 KiB headers at the end are timed and
//! printed; the only time assertion is a hang bound.

use std::time::{Duration, Instant};

use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry::Context;
use otel_runtime::config::PropagatorKind;
#[cfg(feature = "jaeger-propagator")]
use otel_runtime::propagation::JaegerPropagator;
use otel_runtime::propagation::{self, B3Encoding, B3Propagator};
use otel_runtime::tracecontext::TraceContextPropagator;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// `PROPTEST_CASES` cases (256 by default); a failing case is kept beside this file.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

/// Header lines as received: names in any case, repeats kept in order.
#[derive(Clone, Debug, Default)]
struct Headers(Vec<(String, String)>);

impl Headers {
    fn new(lines: &[(&str, String)]) -> Self {
        Self(
            lines
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
        )
    }
}

impl Extractor for Headers {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value.as_str())
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

/// What inject writes, as header lines.
fn injected(propagator: &dyn TextMapPropagator, cx: &Context) -> Headers {
    let mut map = std::collections::HashMap::new();
    propagator.inject_context(cx, &mut map);
    Headers(map.into_iter().collect())
}

/// Checks what `propagator` made of `headers`: a valid remote context that comes back the same
/// through inject and extract, or none.
fn check_round_trip(propagator: &dyn TextMapPropagator, headers: &Headers) -> SpanContext {
    let cx = propagator.extract(headers);
    let span_context = cx.span().span_context().clone();
    if span_context.is_valid() {
        assert!(span_context.is_remote());
        let again = propagator.extract(&injected(propagator, &cx));
        let again = again.span().span_context().clone();
        assert_eq!(again.trace_id(), span_context.trace_id());
        assert_eq!(again.span_id(), span_context.span_id());
        assert_eq!(again.is_sampled(), span_context.is_sampled());
        assert_eq!(again.trace_state(), span_context.trace_state());
    }
    span_context
}

/// The baggage of `cx`, sorted.
fn entries(cx: &Context) -> Vec<(String, String, String)> {
    let mut entries: Vec<_> = cx
        .baggage()
        .iter()
        .map(|(key, (value, metadata))| {
            (
                key.to_string(),
                value.to_string(),
                metadata.as_str().to_owned(),
            )
        })
        .collect();
    entries.sort();
    entries
}

/// Any text of printable ASCII (what header values mostly are) or any Unicode at all.
fn header_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).expect("a regex"),
        proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter),
    ]
}

/// A hex field of `len` digits, sometimes with a wrong length, case or character.
fn hexish(len: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::string::string_regex(&format!("[0-9a-f]{{{len}}}")).expect("a regex"),
        1 => proptest::string::string_regex(&format!("[0-9a-fA-F]{{{},{}}}", len.saturating_sub(2), len + 2)).expect("a regex"),
        1 => proptest::string::string_regex(&format!("[0-9a-z. -]{{0,{len}}}")).expect("a regex"),
        1 => Just("0".repeat(len)),
    ]
}

fn traceparent() -> impl Strategy<Value = String> {
    let near_valid = (
        hexish(2),
        hexish(32),
        hexish(16),
        hexish(2),
        "(-[ -~]{0,12})?",
    )
        .prop_map(|(version, trace, span, flags, rest)| {
            format!("{version}-{trace}-{span}-{flags}{rest}")
        });
    prop_oneof![4 => near_valid, 1 => header_text(80)]
}

fn tracestate_member() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_*/-]{0,20}=[!-+--<>-~]{1,20}",
        // `@` anywhere after the first character, as often as it comes.
        "[a-z0-9][a-z0-9_*/@-]{0,20}=[!-+--<>-~]{0,10}",
        "(k|k@|k@@)[a-z]{0,3}=[0-9]",
        "[ -~]{0,30}",
    ]
}

fn tracestate() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (
            proptest::collection::vec(tracestate_member(), 0..40),
            "[ \t]{0,2},[ \t]{0,2}"
        )
            .prop_map(|(members, separator)| members.join(&separator)),
        1 => header_text(300),
    ]
}

const VALID_TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn traceparent_lines(lines in proptest::collection::vec(traceparent(), 0..3)) {
        let propagator = TraceContextPropagator::new();
        let headers = Headers::new(&lines.iter().map(|line| ("traceparent", line.clone())).collect::<Vec<_>>());
        let span_context = check_round_trip(&propagator, &headers);
        if lines.len() != 1 {
            prop_assert!(!span_context.is_valid(), "missing or repeated traceparent accepted");
        }
    }

    #[test]
    fn tracestate_lines(lines in proptest::collection::vec(tracestate(), 0..4), name in "tracestate|TraceState|TRACESTATE") {
        let propagator = TraceContextPropagator::new();
        let mut headers = vec![("traceparent", VALID_TRACEPARENT.to_owned())];
        headers.extend(lines.iter().map(|line| (name.as_str(), line.clone())));
        let headers = Headers::new(&headers);
        let span_context = check_round_trip(&propagator, &headers);
        prop_assert!(span_context.is_valid(), "a valid traceparent stays valid whatever tracestate says");
        let cx = propagator.extract(&headers);
        let written = injected(&propagator, &cx);
        if let Some(state) = written.get("tracestate") {
            prop_assert!(state.split(',').count() <= 32, "{state}");
            prop_assert!(state.is_ascii());
            let mut keys: Vec<&str> = state.split(',').filter_map(|member| member.split_once('=')).map(|(key, _)| key).collect();
            let count = keys.len();
            keys.sort_unstable();
            keys.dedup();
            prop_assert_eq!(keys.len(), count, "a key written twice: {}", state);
        }
    }

    #[test]
    fn baggage_through_the_installed_propagator(
        lines in proptest::collection::vec(
            prop_oneof![
                3 => proptest::collection::vec("[!#-+--:<>-~]{1,12}=[!#-+--:<-~%]{0,24}(;[a-z]{1,5}(=[a-z0-9]{0,5})?)?", 0..80)
                    .prop_map(|entries| entries.join(",")),
                1 => header_text(400),
            ],
            0..3,
        )
    ) {
        propagation::install(propagation::default_propagator());
        let headers = Headers::new(&lines.iter().map(|line| ("baggage", line.clone())).collect::<Vec<_>>());
        let cx = propagation::extract(&headers);
        let baggage = cx.baggage();
        prop_assert!(baggage.len() <= 64, "{} entries", baggage.len());
        let bytes: usize = baggage.iter().map(|(key, (value, _))| key.as_str().len() + value.as_str().len()).sum();
        prop_assert!(bytes <= 8192, "{bytes} bytes");
        // Several lines read as the SDK reads them joined into one, in order.
        if !lines.is_empty() {
            let joined = Headers::new(&[("baggage", lines.join(","))]);
            let sdk = opentelemetry_sdk::propagation::BaggagePropagator::new().extract(&joined);
            prop_assert_eq!(entries(&cx), entries(&sdk));
        }
    }

    #[test]
    fn b3_single_header(value in prop_oneof![
        3 => (hexish(32), hexish(16), "(-(0|1|d|x|))?", "(-[0-9a-f]{16})?")
            .prop_map(|(trace, span, sampled, parent)| format!("{trace}-{span}{sampled}{parent}")),
        1 => "(0|1|d)",
        1 => header_text(80),
    ]) {
        for encoding in [B3Encoding::Single, B3Encoding::Multiple] {
            check_round_trip(&B3Propagator::new(encoding), &Headers::new(&[("b3", value.clone())]));
        }
    }

    #[test]
    fn b3_multiple_headers(
        trace in prop_oneof![hexish(32), hexish(16), header_text(40)],
        span in prop_oneof![hexish(16), header_text(20)],
        sampled in "(0|1|true|false|d|[ -~]{0,3})",
        flags in "(0|1|[ -~]{0,3})",
    ) {
        let headers = Headers::new(&[
            ("X-B3-TraceId", trace),
            ("X-B3-SpanId", span),
            ("X-B3-Sampled", sampled),
            ("X-B3-Flags", flags),
        ]);
        for encoding in [B3Encoding::Single, B3Encoding::Multiple] {
            check_round_trip(&B3Propagator::new(encoding), &headers);
        }
    }

    #[cfg(feature = "jaeger-propagator")]
    #[test]
    fn jaeger_header(
        value in prop_oneof![
            3 => (hexish(32), hexish(16), hexish(1), "[0-9a-f]{1,2}", "(:|%3A|%3a)")
                .prop_map(|(trace, span, parent, flags, separator)| [trace, span, parent, flags].join(&separator)),
            1 => header_text(80),
        ],
        context in proptest::collection::vec(("uberctx-[a-z]{1,8}", header_text(30)), 0..4),
    ) {
        let mut lines = vec![("uber-trace-id".to_owned(), value)];
        lines.extend(context);
        check_round_trip(&JaegerPropagator::new(), &Headers(lines));
    }

    #[test]
    fn every_propagator_at_once(
        traceparent in traceparent(),
        tracestate in tracestate(),
        b3 in header_text(60),
        jaeger in header_text(60),
        baggage in header_text(200),
    ) {
        let propagator = propagation::from_kinds(&[
            PropagatorKind::TraceContext,
            PropagatorKind::Baggage,
            PropagatorKind::B3,
            PropagatorKind::B3Multi,
            PropagatorKind::Jaeger,
        ]);
        let headers = Headers::new(&[
            ("traceparent", traceparent),
            ("tracestate", tracestate),
            ("b3", b3),
            ("uber-trace-id", jaeger),
            ("baggage", baggage),
        ]);
        let cx = propagator.extract(&headers);
        let _ = injected(&propagator, &cx);
    }
}

/// Far above what any of the headers below takes: only detects quadratic or worse behaviour
/// gone very wrong (they take microseconds; see TESTING.md).
const HANG: Duration = Duration::from_secs(2);

/// Extracts `headers` `rounds` times with the installed default propagator and returns the
/// time of one extraction.
fn time_extract(headers: &Headers, rounds: u32) -> Duration {
    propagation::install(propagation::default_propagator());
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(propagation::extract(headers));
    }
    started.elapsed() / rounds
}

#[test]
fn sixty_four_kib_headers_are_handled_quickly() {
    const SIZE: usize = 64 * 1024;
    let many_members: String = (0..)
        .map(|i| format!("k{i}=v{i}"))
        .scan(0, |len, member| {
            *len += member.len() + 1;
            (*len <= SIZE).then_some(member)
        })
        .collect::<Vec<_>>()
        .join(",");
    let one_member = format!("k={}", "v".repeat(SIZE - 2));
    let many_entries: String = (0..)
        .map(|i| format!("key{i}=value{i}"))
        .scan(0, |len, entry| {
            *len += entry.len() + 1;
            (*len <= SIZE).then_some(entry)
        })
        .collect::<Vec<_>>()
        .join(",");
    let one_entry = format!("k={}", "v".repeat(SIZE - 2));
    let commas = ",".repeat(SIZE);
    let ows = " \t".repeat(SIZE / 4);
    let future_version = format!("cc{}-{}", &VALID_TRACEPARENT[2..], "x".repeat(SIZE));
    let cases = [
        ("tracestate", "many members", many_members),
        ("tracestate", "one member", one_member),
        ("tracestate", "only commas", commas.clone()),
        ("baggage", "many entries", many_entries),
        ("baggage", "one entry", one_entry),
        ("baggage", "only commas", commas),
        (
            "traceparent",
            "OWS around it",
            format!("{ows}{VALID_TRACEPARENT}{ows}"),
        ),
        (
            "traceparent",
            "a future version's extra fields",
            future_version,
        ),
    ];
    for (header, shape, value) in cases {
        let mut headers = vec![(header, value.clone())];
        if header != "traceparent" {
            headers.push(("traceparent", VALID_TRACEPARENT.to_owned()));
        }
        let headers = Headers::new(&headers);
        let per_extract = time_extract(&headers, 50);
        println!(
            "64 KiB {header} ({shape}, {} bytes): {:.1} µs per extract",
            value.len(),
            per_extract.as_secs_f64() * 1e6
        );
        assert!(
            per_extract < HANG,
            "{header} ({shape}) took {per_extract:?}"
        );
        let cx = propagation::extract(&headers);
        assert!(cx.span().span_context().is_valid(), "{header} ({shape})");
        assert!(cx.baggage().len() <= 64);
    }
}
