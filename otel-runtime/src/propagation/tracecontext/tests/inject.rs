//! What inject writes: version, flags, `tracestate`, the random trace-id flag and the carried
//! `tracestate`; every accepted row survives extract → inject → extract.

use super::tables::{large_cases, traceparent_cases, tracestate_cases};
use super::*;
use crate::propagation::tracecontext::tracestate::{fits_trace_state, valid_key, valid_value};
use crate::propagation::tracecontext::{mark_new_trace, note_trace_started, RandomTraceId};

fn context(trace_id: u128, span_id: u64, flags: u8, trace_state: TraceState) -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(span_id),
        TraceFlags::new(flags),
        true,
        trace_state,
    ))
}

fn inject(cx: &Context) -> Carrier {
    let mut carrier = Carrier::default();
    TraceContextPropagator::new().inject_context(cx, &mut carrier);
    carrier
}

#[test]
fn inject_writes_version_00_and_masked_flags() {
    let ts = TraceState::from_key_value([("congo", "t61rcWkgMzE"), ("rojo", "00f067aa0ba902b7")])
        .unwrap();
    for (flags, written) in [
        (0x00, "00"),
        (0x01, "01"),
        (0x02, "02"),
        (0x03, "03"),
        (0x04, "00"),
        (0xff, "03"),
        (0xfd, "01"),
    ] {
        let carrier = inject(&context(TRACE_ID, SPAN_ID, flags, ts.clone()));
        assert_eq!(
            carrier.values("traceparent"),
            vec![format!("00-{TID}-{SID}-{written}")],
            "flags {flags:#04x}"
        );
        assert_eq!(
            carrier.values("tracestate"),
            vec!["congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"]
        );
    }
    let carrier = inject(&context(1, 1, 0x01, TraceState::default()));
    assert_eq!(
        carrier.values("traceparent"),
        vec![format!("00-{}1-{}1-01", "0".repeat(31), "0".repeat(15))]
    );
}

#[test]
fn inject_skips_empty_tracestate() {
    let carrier = inject(&context(TRACE_ID, SPAN_ID, 0x01, TraceState::default()));
    assert_eq!(carrier.values("traceparent").len(), 1);
    assert!(carrier.values("tracestate").is_empty());
}

#[test]
fn inject_skips_tracestate_the_grammar_forbids() {
    // opentelemetry accepts these; the W3C grammar does not.
    let invalid: [&[(&str, &str)]; 5] = [
        &[("foo", "")],
        &[("foo", "a\tb")],
        &[("foo", "trailing ")],
        &[("foo", "caf\u{e9}")],
        &[("foo", "1"), ("bar", "2\n")],
    ];
    for members in invalid {
        let ts = TraceState::from_key_value(members.iter().copied()).unwrap();
        let carrier = inject(&context(TRACE_ID, SPAN_ID, 0x01, ts));
        assert_eq!(carrier.values("traceparent").len(), 1, "{members:?}");
        assert!(carrier.values("tracestate").is_empty(), "{members:?}");
    }
}

#[test]
fn inject_drops_repeated_keys_of_a_trace_state() {
    // `TraceState::from_key_value` keeps a key twice; the first one is written.
    let ts = TraceState::from_key_value([("foo", "1"), ("bar", "2"), ("foo", "3")]).unwrap();
    let carrier = inject(&context(TRACE_ID, SPAN_ID, 0x01, ts));
    assert_eq!(carrier.values("tracestate"), vec!["foo=1,bar=2"]);
}

#[test]
fn keys_of_the_current_grammar_survive_extract_and_inject() {
    let long = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    for (received, forwarded) in [
        ("foo@=1,bar=2".to_owned(), "foo@=1,bar=2".to_owned()),
        (format!("foo=1,{long}=2"), format!("foo=1,{long}=2")),
        ("foo=1,foo=1".to_owned(), "foo=1".to_owned()),
        (
            "foo@@bar=1,a@b@c=2,x=3".to_owned(),
            "foo@@bar=1,a@b@c=2,x=3".to_owned(),
        ),
    ] {
        let cx = extract(&Carrier::with(
            &[TP.to_owned()],
            std::slice::from_ref(&received),
        ));
        assert_eq!(
            inject(&cx).values("tracestate"),
            vec![forwarded.as_str()],
            "{received}"
        );
        // And again through a second hop.
        let again = extract(&inject(&cx));
        assert_eq!(
            inject(&again).values("tracestate"),
            vec![forwarded.as_str()]
        );
    }
}

#[test]
fn inject_nothing_for_invalid_context() {
    assert!(inject(&Context::new()).headers.is_empty());
    assert!(inject(&context(0, SPAN_ID, 0x01, TraceState::default()))
        .headers
        .is_empty());
    assert!(inject(&context(TRACE_ID, 0, 0x01, TraceState::default()))
        .headers
        .is_empty());
}

#[test]
fn round_trip_every_valid_row() {
    let mut checked = 0;
    for case in traceparent_cases()
        .into_iter()
        .chain(tracestate_cases())
        .chain(large_cases())
    {
        let Expect::Parent {
            trace_id,
            span_id,
            flags,
            tracestate,
        } = &case.expect
        else {
            continue;
        };
        let cx = extract(&Carrier::with(&case.traceparent, &case.tracestate));
        let injected = inject(&cx);
        assert_eq!(
            injected.values("traceparent"),
            vec![format!("00-{trace_id:032x}-{span_id:016x}-{flags:02x}")],
            "{}",
            case.name
        );
        let expected_ts: Vec<&str> = if tracestate.is_empty() {
            vec![]
        } else {
            vec![tracestate.as_str()]
        };
        assert_eq!(injected.values("tracestate"), expected_ts, "{}", case.name);
        assert_eq!(
            outcome(&extract(&injected)),
            case.expect,
            "{}: second hop",
            case.name
        );
        checked += 1;
    }
    assert!(checked > 60);
}

#[test]
fn future_version_is_downgraded_to_00() {
    let cx = extract(&Carrier::new(&[(
        "traceparent",
        &format!("cc-{TID}-{SID}-03-future-fields"),
    )]));
    assert_eq!(
        inject(&cx).values("traceparent"),
        vec![format!("00-{TID}-{SID}-03")]
    );
}

#[test]
fn fields_are_the_two_headers() {
    let propagator = TraceContextPropagator::new();
    assert_eq!(
        propagator.fields().collect::<Vec<_>>(),
        vec!["traceparent", "tracestate"]
    );
    assert!(format!("{:?}", propagator.clone()).contains("TraceContextPropagator"));
}

#[test]
fn validators_agree_with_trace_state() {
    // `fits_trace_state` says exactly which valid keys opentelemetry's TraceState holds: every
    // key of up to 5 characters over an alphabet of each character class, then long ones.
    let alphabet = ["a", "1", "_", "-", "@", "A", "."];
    let mut keys = vec![String::new()];
    let mut checked = 0;
    for _ in 0..5 {
        keys = keys
            .iter()
            .flat_map(|key| alphabet.iter().map(move |c| format!("{key}{c}")))
            .collect();
        for key in &keys {
            if valid_key(key) {
                let held = TraceState::from_key_value([(key.as_str(), "1")]).is_ok();
                assert_eq!(fits_trace_state(key), held, "{key}");
                checked += 1;
            }
        }
    }
    assert!(checked > 1_000);
    for (key, held) in [
        (format!("t@{}", "v".repeat(13)), true),
        (format!("t@{}", "v".repeat(14)), false),
        (format!("{}@v", "t".repeat(254)), true),
        ("z".repeat(256), true),
    ] {
        assert!(valid_key(&key), "{key}");
        assert_eq!(fits_trace_state(&key), held, "{key}");
        assert_eq!(
            TraceState::from_key_value([(key.as_str(), "1")]).is_ok(),
            held
        );
    }
    for key in ["", "A", "_a", "@foo", "a b", "a=b", "a.b", "caf\u{e9}"] {
        assert!(!valid_key(key), "{key:?}");
    }
    assert!(!valid_key(&"z".repeat(257)));
    let value: String = (0x20u8..=0x7e)
        .filter(|c| !matches!(c, b',' | b'='))
        .map(char::from)
        .collect();
    assert!(valid_value(&value) && TraceState::from_key_value([("k", value.as_str())]).is_ok());
}

/// `cx` with its span replaced by a local one of `trace_id` (a child started under it).
fn local_child(cx: &Context, trace_id: u128, flags: u8) -> Context {
    let span = cx.span();
    let trace_state = span.span_context().trace_state().clone();
    cx.with_remote_span_context(SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(0x1234u64),
        TraceFlags::new(flags),
        false,
        trace_state,
    ))
}

fn injected_flags(cx: &Context) -> String {
    let carrier = inject(cx);
    let traceparent = carrier.values("traceparent");
    traceparent
        .first()
        .map_or_else(String::new, |value| value[53..].to_owned())
}

#[test]
fn random_flag_survives_children_that_drop_it() {
    for (received, child_flags, written) in [
        ("02", 0x00, "02"), // unsampled, random: the SDK's dropped child has flags 00
        ("03", 0x01, "03"), // a child that kept only the sampled bit
        ("03", 0x03, "03"),
        ("00", 0x00, "00"), // continued without the flag: never given it
        ("01", 0x01, "01"),
    ] {
        let cx = extract(&Carrier::with(&[tp("00", TID, SID, received)], &[]));
        let child = local_child(&cx, TRACE_ID, child_flags);
        assert_eq!(injected_flags(&child), written, "received {received}");
    }
    // The note is about one trace: a span of another trace under the same context
    // does not inherit it.
    let cx = extract(&Carrier::with(&[tp("00", TID, SID, "03")], &[]));
    assert_eq!(injected_flags(&local_child(&cx, 77, 0x01)), "01");
}

#[test]
fn new_traces_get_the_random_flag() {
    let root = local_child(&Context::new(), 5, 0x01);
    let marked = mark_new_trace(&Context::new(), root.clone());
    assert_eq!(injected_flags(&root), "01");
    assert_eq!(injected_flags(&marked), "03");
    assert_eq!(injected_flags(&local_child(&marked, 5, 0x00)), "02");

    // A span that continues a trace is not marked, whatever its parent said.
    let parent = extract(&Carrier::with(&[tp("00", TID, SID, "01")], &[]));
    let child = local_child(&parent, TRACE_ID, 0x01);
    assert_eq!(injected_flags(&mark_new_trace(&parent, child)), "01");
    // Nor is an invalid span.
    let invalid = mark_new_trace(&Context::new(), Context::new());
    assert!(invalid.get::<RandomTraceId>().is_none());
}

#[test]
fn carried_tracestate_gives_way_to_a_changed_trace_state() {
    let long = format!("t@{}", "v".repeat(14));
    let cx = extract(&Carrier::with(&[TP.to_owned()], &[format!("a=1,{long}=2")]));
    let span = cx.span();
    assert_eq!(span.span_context().trace_state().header(), "a=1");
    assert_eq!(
        inject(&cx).values("tracestate"),
        vec![format!("a=1,{long}=2")]
    );
    // A sampler that inserts its own member: TraceState alone is written.
    let changed = span
        .span_context()
        .trace_state()
        .insert("ot", "th:8")
        .unwrap();
    let child = cx.with_remote_span_context(SpanContext::new(
        TraceId::from(TRACE_ID),
        SpanId::from(0x1234u64),
        TraceFlags::SAMPLED,
        false,
        changed,
    ));
    assert_eq!(inject(&child).values("tracestate"), vec!["ot=th:8,a=1"]);
    // Another trace under the same context does not get the carried header.
    let other = local_child(&cx, 77, 0x01);
    assert_eq!(inject(&other).values("tracestate"), vec!["a=1"]);
}

/// A span started like the runtime starts `#[traced]` spans (`TracerCell::start`): built by
/// `tracer` under `parent`, its trace noted as started here when it is a root.
fn started<T>(tracer: &T, parent: &Context) -> Context
where
    T: opentelemetry::trace::Tracer,
    T::Span: Send + Sync + 'static,
{
    use opentelemetry::trace::Span as _;
    let span = tracer.start_with_context("span", parent);
    if !parent.span().span_context().is_valid() && span.span_context().is_valid() {
        note_trace_started(span.span_context().trace_id());
    }
    parent.with_span(span)
}

#[test]
fn traces_started_here_carry_the_random_flag() {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};

    let sampled = SdkTracerProvider::builder().build().tracer("test");
    let root = started(&sampled, &Context::new());
    assert_eq!(injected_flags(&root), "03");
    // Its children, recorded or started by hand, belong to the same trace.
    assert_eq!(injected_flags(&started(&sampled, &root)), "03");
    let by_hand = root.with_span(opentelemetry::trace::Tracer::start_with_context(
        &sampled, "child", &root,
    ));
    assert_eq!(injected_flags(&by_hand), "03");

    // Unsampled: the SDK gives a dropped child the flags 00; the trace is still random.
    let dropped = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .build()
        .tracer("test");
    let root = started(&dropped, &Context::new());
    assert_eq!(injected_flags(&root), "02");
    assert_eq!(injected_flags(&started(&dropped, &root)), "02");

    // A trace continued from a traceparent without the flag is never given it.
    let remote = extract(&Carrier::with(&[tp("00", TID, SID, "01")], &[]));
    assert_eq!(injected_flags(&started(&sampled, &remote)), "01");
}
