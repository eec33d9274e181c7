//! The demo server's `POST /verify-tracecontext` against a local stand-in for the public W3C
//! trace-context test harness (github.com/w3c/trace-context, `test/test.py`, which is not on
//! PyPI): every test case of that suite at strictness level 2, sent with the same request
//! headers, with callbacks received on loopback and checked the way the harness checks them
//! (its `traceparent` format and its `tracestate` grammar, including the multi-tenant keys),
//! plus the contract itself: calls in order, each from its own CLIENT span, before answering;
//! bad input refused with a 4xx and a message.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use opentelemetry::trace::SpanKind;
use otel_runtime::testing::{self, describe, is_child_of};

use crate::support::{attribute, raw_request, Received, Receiver};

const TRACE_ID: &str = "12345678901234567890123456789012";
const PARENT_ID: &str = "1234567890123456";
const VALID: &str = "00-12345678901234567890123456789012-1234567890123456-01";

/// A callback as the harness reads it.
#[derive(Debug)]
struct Callback {
    trace_id: String,
    parent_id: String,
    flags: String,
    /// The `tracestate` members in order, parsed like the harness's `Tracestate.from_string`.
    tracestate: Vec<(String, String)>,
}

impl Callback {
    fn get(&self, key: &str) -> Option<&str> {
        self.tracestate
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
    }

    fn tracestate_string(&self) -> String {
        self.tracestate
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// `[_0-9a-z\-\*\/@]`
fn harness_keychar(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/' | b'@')
}

/// The harness's key regex since "Fix tracestate key grammar tests" (the current W3C draft):
/// `[0-9a-z][_0-9a-z\-\*\/@]{0,255}` — `@` is an ordinary key character.
fn harness_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 256
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes[1..].iter().all(|&c| harness_keychar(c))
}

/// The harness's value regex: up to 256 printable characters but `,` and `=`, not ending in a
/// space.
fn harness_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 256
        && bytes.last() != Some(&b' ')
        && bytes
            .iter()
            .all(|&c| matches!(c, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

/// What the harness does with a callback's headers: exactly one `traceparent` of the version-00
/// format, and every `tracestate` line parsed in order (a malformed member is an error there;
/// a repeated key keeps its first value).
fn as_harness_reads_it(received: &Received) -> Result<Callback, String> {
    let [traceparent] = received.traceparent.as_slice() else {
        return Err(format!(
            "expect one traceparent header, got {:?}",
            received.traceparent
        ));
    };
    let fields: Vec<&str> = traceparent.split('-').collect();
    let [version, trace_id, parent_id, flags] = fields.as_slice() else {
        return Err(format!("traceparent {traceparent:?} has not four fields"));
    };
    if !(is_lower_hex(version, 2)
        && is_lower_hex(trace_id, 32)
        && is_lower_hex(parent_id, 16)
        && is_lower_hex(flags, 2))
    {
        return Err(format!("traceparent {traceparent:?} is malformed"));
    }
    let mut tracestate: Vec<(String, String)> = Vec::new();
    for line in &received.tracestate {
        for member in line
            .split(',')
            .map(|member| member.trim_matches([' ', '\t']))
        {
            if member.is_empty() {
                continue;
            }
            let (key, value) = member
                .split_once('=')
                .filter(|(key, value)| harness_key(key) && harness_value(value))
                .ok_or_else(|| format!("illegal key-value format {member:?} in {line:?}"))?;
            if !tracestate.iter().any(|(k, _)| k == key) {
                tracestate.push((key.to_owned(), value.to_owned()));
            }
        }
    }
    Ok(Callback {
        trace_id: (*trace_id).to_owned(),
        parent_id: (*parent_id).to_owned(),
        flags: (*flags).to_owned(),
        tracestate,
    })
}

type Check = Box<dyn Fn(&[Callback]) -> Result<(), String>>;

struct Case {
    name: String,
    headers: Vec<(String, String)>,
    count: usize,
    check: Check,
}

fn case(
    name: &str,
    headers: &[(&str, &str)],
    count: usize,
    check: impl Fn(&[Callback]) -> Result<(), String> + 'static,
) -> Case {
    Case {
        name: name.to_owned(),
        headers: headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect(),
        count,
        check: Box::new(check),
    }
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message())
    }
}

/// The trace continues: same trace-id, a new parent-id.
fn continues(callbacks: &[Callback]) -> Result<(), String> {
    let callback = &callbacks[0];
    ensure(callback.trace_id == TRACE_ID, || {
        format!("trace-id {} was not inherited", callback.trace_id)
    })?;
    ensure(callback.parent_id != PARENT_ID, || {
        "the parent-id was passed on unchanged".to_owned()
    })
}

/// A new trace: none of the trace-ids the request carried.
fn restarts(callbacks: &[Callback]) -> Result<(), String> {
    let callback = &callbacks[0];
    ensure(
        callback.trace_id != TRACE_ID
            && callback.trace_id != "12345678901234567890123456789011"
            && callback.trace_id != "0".repeat(32),
        || {
            format!(
                "trace-id {} was taken from an invalid header",
                callback.trace_id
            )
        },
    )
}

fn has(key: &'static str, value: &'static str) -> impl Fn(&[Callback]) -> Result<(), String> {
    move |callbacks| {
        let got = callbacks[0].get(key);
        ensure(got == Some(value), || {
            format!(
                "tracestate[{key:?}] is {got:?}, expected {value:?} (tracestate {:?})",
                callbacks[0].tracestate_string()
            )
        })
    }
}

fn has_key(key: &'static str) -> impl Fn(&[Callback]) -> Result<(), String> {
    move |callbacks| {
        ensure(callbacks[0].get(key).is_some(), || {
            format!(
                "tracestate lacks {key:?}: {:?}",
                callbacks[0].tracestate_string()
            )
        })
    }
}

fn lacks(key: &'static str) -> impl Fn(&[Callback]) -> Result<(), String> {
    move |callbacks| {
        ensure(callbacks[0].get(key).is_none(), || {
            format!(
                "tracestate has {key:?}: {:?}",
                callbacks[0].tracestate_string()
            )
        })
    }
}

fn tp(traceparent: &str) -> (&'static str, String) {
    ("traceparent", traceparent.to_owned())
}

/// The suite's test cases (`TraceContextTest` and `AdvancedTest`), in its order.
#[rustfmt::skip]
fn suite() -> Vec<Case> {
    let unsampled = "00-12345678901234567890123456789012-1234567890123456-00";
    let mut cases = vec![
        case("both_traceparent_and_tracestate_missing", &[], 1, |callbacks| {
            // The suite checks the format only; a trace we start is sampled, with a random id.
            ensure(callbacks[0].flags == "03", || format!("flags {} on a new trace", callbacks[0].flags))
        }),
        case("traceparent_included_tracestate_missing", &[("traceparent", VALID)], 1, continues),
        case("traceparent_duplicated", &[("traceparent", "00-12345678901234567890123456789011-1234567890123456-01"), ("traceparent", VALID)], 1, restarts),
        case("traceparent_header_name trace-parent", &[("trace-parent", VALID)], 1, restarts),
        case("traceparent_header_name trace.parent", &[("trace.parent", VALID)], 1, restarts),
    ];
    for name in ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"] {
        cases.push(case(&format!("traceparent_header_name_valid_casing {name}"), &[(name, VALID)], 1, continues));
    }
    for value in [
        format!("{VALID}."),
        format!("{VALID}-what-the-future-will-be-like"),
        "ff-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        ".0-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        "0.-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        "000-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        "0000-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        "0-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like".to_owned(),
        "00-00000000000000000000000000000000-1234567890123456-01".to_owned(),
        "00-.2345678901234567890123456789012-1234567890123456-01".to_owned(),
        "00-1234567890123456789012345678901.-1234567890123456-01".to_owned(),
        "00-123456789012345678901234567890123-1234567890123456-01".to_owned(),
        "00-1234567890123456789012345678901-1234567890123456-01".to_owned(),
        "00-12345678901234567890123456789012-0000000000000000-01".to_owned(),
        "00-12345678901234567890123456789012-.234567890123456-01".to_owned(),
        "00-12345678901234567890123456789012-123456789012345.-01".to_owned(),
        "00-12345678901234567890123456789012-12345678901234567-01".to_owned(),
        "00-12345678901234567890123456789012-123456789012345-01".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-.0".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-0.".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-001".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-1".to_owned(),
    ] {
        let headers = [tp(&value)];
        cases.push(Case { name: format!("invalid traceparent {value:?}"), headers: headers.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect(), count: 1, check: Box::new(restarts) });
    }
    for value in [
        "cc-12345678901234567890123456789012-1234567890123456-01".to_owned(),
        "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like".to_owned(),
        format!(" {VALID}"),
        format!("\t{VALID}"),
        format!("{VALID} "),
        format!("{VALID}\t"),
        format!("\t {VALID} \t"),
    ] {
        cases.push(Case { name: format!("valid traceparent {value:?}"), headers: vec![("traceparent".to_owned(), value)], count: 1, check: Box::new(continues) });
    }
    cases.push(case("tracestate_included_traceparent_missing", &[("tracestate", "foo=1,bar=2")], 1, |callbacks| {
        ensure(callbacks[0].tracestate.is_empty(), || format!("tracestate {:?} without a traceparent", callbacks[0].tracestate_string()))
    }));
    cases.push(case("tracestate_included_traceparent_included", &[("traceparent", unsampled), ("tracestate", "foo=1,bar=2")], 1, |callbacks| {
        continues(callbacks)?;
        has("foo", "1")(callbacks)?;
        has("bar", "2")(callbacks)
    }));
    for name in ["trace-state", "trace.state"] {
        cases.push(case(&format!("tracestate_header_name {name}"), &[("traceparent", unsampled), (name, "foo=1")], 1, lacks("foo")));
    }
    for name in ["TraceState", "TrAcEsTaTe", "TRACESTATE"] {
        cases.push(case(&format!("tracestate_header_name_valid_casing {name}"), &[("traceparent", unsampled), (name, "foo=1")], 1, has("foo", "1")));
    }
    cases.push(case("tracestate_empty_header", &[("traceparent", unsampled), ("tracestate", "")], 1, continues));
    cases.push(case("tracestate_empty_header then foo=1", &[("traceparent", unsampled), ("tracestate", "foo=1"), ("tracestate", "")], 1, has("foo", "1")));
    cases.push(case("tracestate_empty_header before foo=1", &[("traceparent", unsampled), ("tracestate", ""), ("tracestate", "foo=1")], 1, has("foo", "1")));
    cases.push(case("tracestate_multiple_headers_different_keys", &[("traceparent", unsampled), ("tracestate", "foo=1,bar=2"), ("tracestate", "rojo=1,congo=2"), ("tracestate", "baz=3")], 1, |callbacks| {
        continues(callbacks)?;
        let text = callbacks[0].tracestate_string();
        let positions: Vec<Option<usize>> = ["foo=1", "bar=2", "rojo=1", "congo=2", "baz=3"].iter().map(|member| text.find(member)).collect();
        ensure(positions.iter().all(Option::is_some) && positions.windows(2).all(|pair| pair[0] < pair[1]), || format!("tracestate {text:?} lost members or their order"))
    }));
    for lines in [&["foo=1,foo=1"][..], &["foo=1,foo=2"], &["foo=1", "foo=1"], &["foo=1", "foo=2"]] {
        let mut headers = vec![("traceparent", unsampled)];
        headers.extend(lines.iter().map(|line| ("tracestate", *line)));
        // The current draft allows keeping one of the duplicates (the runtime keeps the first).
        cases.push(case(&format!("tracestate_duplicated_keys {lines:?}"), &headers, 1, |callbacks| { continues(callbacks)?; has_key("foo")(callbacks) }));
    }
    let key_without_vendor = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    let key_with_vendor: &'static str = Box::leak(format!("{key_without_vendor}@a-z0-9_-*/").into_boxed_str());
    let value: &'static str = Box::leak((0x20u8..=0x7e).filter(|c| !matches!(c, b',' | b'=')).map(char::from).collect::<String>().into_boxed_str());
    for key in [key_without_vendor, key_with_vendor] {
        cases.push(case(&format!("tracestate_all_allowed_characters {key}"), &[("traceparent", unsampled), ("tracestate", &format!("{key}={value}"))], 1, has(key, value)));
    }
    for line in ["foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3"] {
        cases.push(case(&format!("tracestate_ows_handling {line:?}"), &[("traceparent", unsampled), ("tracestate", line)], 1, |callbacks| {
            has("foo", "1")(callbacks)?; has("bar", "2")(callbacks)?; has("baz", "3")(callbacks)
        }));
    }
    for line in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
        cases.push(case(&format!("tracestate_ows_handling {line:?}"), &[("traceparent", unsampled), ("tracestate", line)], 1, |callbacks| { continues(callbacks)?; has("foo", "1")(callbacks) }));
    }
    for (line, key) in [("foo =1", "foo "), ("FOO=1", "FOO"), ("foo.bar=1", "foo.bar")] {
        cases.push(case(&format!("tracestate_key_illegal_characters {line:?}"), &[("traceparent", unsampled), ("tracestate", line)], 1, lacks(key)));
    }
    // `@` is a key character after the first: only a key starting with `@` is invalid.
    for (line, key) in [("foo@=1,bar=2", "foo@"), ("foo@@bar=1,bar=2", "foo@@bar"), ("foo@bar@baz=1,bar=2", "foo@bar@baz")] {
        cases.push(case(&format!("tracestate_key_vendor_format {line:?}"), &[("traceparent", unsampled), ("tracestate", line)], 1, move |callbacks| {
            has_key(key)(callbacks)?;
            has("bar", "2")(callbacks)
        }));
    }
    cases.push(case("tracestate_key_illegal_vendor_format \"@foo=1,bar=2\"", &[("traceparent", unsampled), ("tracestate", "@foo=1,bar=2")], 1, lacks("bar")));
    let bars = |range: std::ops::RangeInclusive<u32>| range.map(|i| format!("bar{i:02}={i:02}")).collect::<Vec<_>>().join(",");
    let (b10, b20, b30) = (bars(1..=10), bars(11..=20), bars(21..=30));
    let (b32, b33) = (bars(31..=32), bars(31..=33));
    cases.push(case("tracestate_member_count_limit 32", &[("traceparent", unsampled), ("tracestate", &b10), ("tracestate", &b20), ("tracestate", &b30), ("tracestate", &b32)], 1, |callbacks| {
        has("bar01", "01")(callbacks)?;
        ensure(callbacks[0].tracestate.len() == 32, || format!("{} members", callbacks[0].tracestate.len()))
    }));
    cases.push(case("tracestate_member_count_limit 33", &[("traceparent", unsampled), ("tracestate", &b10), ("tracestate", &b20), ("tracestate", &b30), ("tracestate", &b33)], 1, lacks("bar01")));
    for (key, kept) in [
        ("z".repeat(256), true),
        ("z".repeat(257), false),
        (format!("{}@{}", "t".repeat(241), "v".repeat(14)), true),
        (format!("{}@v", "t".repeat(242)), true),
        (format!("t@{}", "v".repeat(15)), true),
    ] {
        let key: &'static str = Box::leak(key.into_boxed_str());
        let check: Check = if kept {
            Box::new(move |callbacks: &[Callback]| {
                has("foo", "1")(callbacks)?;
                has_key(key)(callbacks)
            })
        } else {
            Box::new(lacks("foo"))
        };
        cases.push(Case {
            name: format!("tracestate_key_length_limit {} characters, kept: {kept}", key.len()),
            headers: vec![("traceparent".to_owned(), unsampled.to_owned()), ("tracestate".to_owned(), "foo=1".to_owned()), ("tracestate".to_owned(), format!("{key}=1"))],
            count: 1,
            check,
        });
    }
    cases.push(case("tracestate_value_illegal_characters foo=bar=baz", &[("traceparent", unsampled), ("tracestate", "foo=bar=baz")], 1, lacks("foo")));
    cases.push(case("tracestate_value_illegal_characters foo=,bar=3", &[("traceparent", unsampled), ("tracestate", "foo=,bar=3")], 1, |callbacks| { lacks("foo")(callbacks)?; lacks("bar")(callbacks) }));
    cases.push(case("test_propagates_random_flag", &[("traceparent", "00-12345678901234567890123456789012-1234567890123456-02")], 1, |callbacks| {
        continues(callbacks)?;
        let flags = u8::from_str_radix(&callbacks[0].flags, 16).unwrap_or(0);
        ensure(flags & 0x02 == 0x02, || format!("flags {} lost the random bit", callbacks[0].flags))
    }));
    // AdvancedTest: three callbacks per request.
    cases.push(case("multiple_requests_with_valid_traceparent", &[("traceparent", VALID)], 3, |callbacks| {
        let trace_ids: BTreeSet<&str> = callbacks.iter().map(|c| c.trace_id.as_str()).collect();
        let parent_ids: BTreeSet<&str> = callbacks.iter().map(|c| c.parent_id.as_str()).collect();
        ensure(trace_ids == BTreeSet::from([TRACE_ID]) && parent_ids.len() == 3, || format!("{callbacks:?}"))
    }));
    cases.push(case("multiple_requests_without_traceparent", &[], 3, |callbacks| {
        let trace_ids: BTreeSet<&str> = callbacks.iter().map(|c| c.trace_id.as_str()).collect();
        let parent_ids: BTreeSet<&str> = callbacks.iter().map(|c| c.parent_id.as_str()).collect();
        ensure(trace_ids.len() == 1 && parent_ids.len() == 3, || format!("{callbacks:?}"))
    }));
    cases.push(case("multiple_requests_with_illegal_traceparent", &[("traceparent", "00-00000000000000000000000000000000-1234567890123456-01")], 3, |callbacks| {
        let parent_ids: BTreeSet<&str> = callbacks.iter().map(|c| c.parent_id.as_str()).collect();
        ensure(callbacks.iter().all(|c| c.trace_id != "0".repeat(32)) && parent_ids.len() == 3, || format!("{callbacks:?}"))
    }));
    cases
}

/// Posts the harness's body for `count` callbacks (under `/callback/{scope}.{i}`) with `headers`
/// and returns the answer's status and the callbacks, in order.
async fn make_request(
    service: SocketAddr,
    receiver: &Receiver,
    scope: usize,
    headers: &[(String, String)],
    count: usize,
) -> (Option<u16>, Vec<Received>) {
    let paths: Vec<String> = (0..count)
        .map(|i| format!("/callback/{scope}.{i}"))
        .collect();
    let body = serde_json::Value::Array(
        paths
            .iter()
            .map(|path| serde_json::json!({ "url": receiver.url(path), "arguments": [] }))
            .collect(),
    )
    .to_string();
    let mut all: Vec<(&str, &str)> = vec![
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    all.extend(
        headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let response = raw_request(
        service,
        "POST",
        "/verify-tracecontext",
        &all,
        body.as_bytes(),
    )
    .await;
    let received = receiver.received();
    let callbacks = paths
        .iter()
        .filter_map(|path| received.iter().find(|request| &request.path == path))
        .cloned()
        .collect();
    (response.status, callbacks)
}

/// The demo server with the conformance endpoint on (`demo-server --conformance`).
fn conformance_server() -> (actix_web::dev::Server, SocketAddr) {
    let conformance = demo_server::conformance::Conformance::default();
    demo_server::start_with(
        "127.0.0.1:0",
        "http://127.0.0.1:9/".to_owned(),
        Some(conformance),
    )
    .expect("starts")
}

#[actix_rt::test]
async fn the_w3c_suite_passes_against_verify_tracecontext() {
    let _capture = testing::capture();
    let receiver = Receiver::start();
    let (server, address) = conformance_server();
    let handle = server.handle();
    actix_rt::spawn(server);

    let cases = suite();
    let mut failures = Vec::new();
    for (scope, case) in cases.iter().enumerate() {
        let (status, received) =
            make_request(address, &receiver, scope, &case.headers, case.count).await;
        if status != Some(200) {
            failures.push(format!("{}: the service answered {status:?}", case.name));
            continue;
        }
        if received.len() != case.count {
            failures.push(format!(
                "{}: {} of {} callbacks made",
                case.name,
                received.len(),
                case.count
            ));
            continue;
        }
        let outcome = received
            .iter()
            .map(as_harness_reads_it)
            .collect::<Result<Vec<_>, _>>()
            .and_then(|callbacks| (case.check)(&callbacks));
        if let Err(failure) = outcome {
            failures.push(format!("{}: {failure}", case.name));
        }
    }
    handle.stop(true).await;
    receiver.stop().await;
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 75, "{} cases", cases.len());
}

#[actix_rt::test]
async fn each_callback_comes_from_its_own_client_span_in_order_before_the_answer() {
    let capture = testing::capture_all();
    let receiver = Receiver::start();
    let (server, address) = conformance_server();
    let handle = server.handle();
    actix_rt::spawn(server);
    let headers = [
        ("traceparent".to_owned(), VALID.to_owned()),
        ("tracestate".to_owned(), "foo=1".to_owned()),
    ];
    // Nested arguments travel as the callback's body, untouched.
    let body = serde_json::json!([
        { "url": receiver.url("/a"), "arguments": [{ "url": "http://127.0.0.1:1/next", "arguments": [] }] },
        { "url": receiver.url("/b") },
        { "url": receiver.url("/c"), "arguments": null },
    ])
    .to_string();
    let response = raw_request(
        address,
        "POST",
        "/verify-tracecontext",
        &[
            ("Content-Type", "application/json"),
            (headers[0].0.as_str(), headers[0].1.as_str()),
            (headers[1].0.as_str(), headers[1].1.as_str()),
        ],
        body.as_bytes(),
    )
    .await;
    // Every callback arrived before the answer was sent.
    let received = receiver.received();
    handle.stop(true).await;
    receiver.stop().await;
    assert_eq!(response.status, Some(200), "{response:?}");
    let results: serde_json::Value =
        serde_json::from_slice(&response.body).expect("the answer is JSON");
    assert_eq!(
        results,
        serde_json::json!([
            { "url": format!("http://{}/a", receiver.address), "status": 200 },
            { "url": format!("http://{}/b", receiver.address), "status": 200 },
            { "url": format!("http://{}/c", receiver.address), "status": 200 },
        ])
    );

    let paths: Vec<&str> = received.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/a", "/b", "/c"], "in order");
    for request in &received {
        assert_eq!(request.method, "POST");
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
    }
    assert_eq!(
        String::from_utf8_lossy(&received[0].body),
        r#"[{"arguments":[],"url":"http://127.0.0.1:1/next"}]"#
    );
    assert_eq!(String::from_utf8_lossy(&received[1].body), "[]");
    assert_eq!(String::from_utf8_lossy(&received[2].body), "[]");

    let spans = capture.spans();
    let servers: Vec<_> = spans
        .iter()
        .filter(|span| span.span_kind == SpanKind::Server)
        .collect();
    assert_eq!(servers.len(), 1, "{}", describe(&spans));
    let server = servers[0];
    assert_eq!(server.name, "POST /verify-tracecontext");
    assert_eq!(server.span_context.trace_id().to_string(), TRACE_ID);
    assert_eq!(server.parent_span_id.to_string(), PARENT_ID);
    let clients: Vec<_> = spans
        .iter()
        .filter(|span| span.span_kind == SpanKind::Client)
        .collect();
    assert_eq!(clients.len(), 3, "{}", describe(&spans));
    for ((client, request), path) in clients.iter().zip(&received).zip(["/a", "/b", "/c"]) {
        assert!(is_child_of(client, server), "{}", describe(&spans));
        assert_eq!(client.name, "POST");
        assert_eq!(
            attribute(client, "url.full"),
            Some(format!("http://{}{path}", receiver.address).into())
        );
        assert_eq!(
            request.traceparent,
            [format!(
                "00-{TRACE_ID}-{}-01",
                client.span_context.span_id()
            )],
            "the callback's parent is its own CLIENT span"
        );
        assert_eq!(request.tracestate, ["foo=1"]);
    }
}

/// A request the endpoint must refuse, and how.
struct Refused {
    name: &'static str,
    method: &'static str,
    content_type: Option<&'static str>,
    body: String,
    status: u16,
    message: String,
}

#[actix_rt::test]
async fn bad_input_is_refused_with_a_message_and_no_call() {
    let capture = testing::capture_all();
    let receiver = Receiver::start();
    let (server, address) = conformance_server();
    let handle = server.handle();
    actix_rt::spawn(server);
    let callback = receiver.url("/never");
    let huge = format!(
        r#"[{{"url": "{callback}", "arguments": "{}"}}]"#,
        "x".repeat(70 * 1024)
    );
    let refused = |name: &'static str,
                   method: &'static str,
                   content_type: Option<&'static str>,
                   body: String,
                   status: u16,
                   message: &str| Refused {
        name,
        method,
        content_type,
        body,
        status,
        message: message.to_owned(),
    };
    let json = Some("application/json");
    let cases = vec![
        refused(
            "not JSON",
            "POST",
            json,
            "[{".to_owned(),
            400,
            "the body is not JSON",
        ),
        refused(
            "an object",
            "POST",
            json,
            format!(r#"{{"url": "{callback}"}}"#),
            400,
            "expected a JSON array",
        ),
        refused(
            "a number url",
            "POST",
            json,
            r#"[{"url": 5}]"#.to_owned(),
            400,
            r#"element 0: "url" must be a string, got a number"#,
        ),
        refused(
            "a non-http url",
            "POST",
            json,
            format!(r#"[{{"url": "{callback}"}}, {{"url": "ftp://127.0.0.1/x"}}]"#),
            400,
            r#"element 1: "url" "ftp://127.0.0.1/x": scheme "ftp" is not supported: use http or https"#,
        ),
        refused(
            "a huge body",
            "POST",
            json,
            huge,
            413,
            "larger than 65536 bytes",
        ),
        refused(
            "a text body",
            "POST",
            Some("text/plain"),
            "[]".to_owned(),
            415,
            "is refused: send application/json",
        ),
        refused(
            "no content type",
            "POST",
            None,
            "[]".to_owned(),
            415,
            "no content type: send Content-Type: application/json",
        ),
        refused("GET", "GET", None, String::new(), 405, "use POST"),
    ];
    let mut failures = Vec::new();
    for Refused {
        name,
        method,
        content_type,
        body,
        status,
        message,
    } in &cases
    {
        capture.reset();
        let headers: Vec<(&str, &str)> = content_type
            .iter()
            .map(|value| ("Content-Type", *value))
            .collect();
        let response = raw_request(
            address,
            method,
            "/verify-tracecontext",
            &headers,
            body.as_bytes(),
        )
        .await;
        let text = String::from_utf8_lossy(&response.body);
        if response.status != Some(*status) || !text.contains(message.as_str()) {
            failures.push(format!(
                "{name}: expected {status} with {message:?}, got {:?} {text:?}",
                response.status
            ));
        }
        // The refusal is on the SERVER span too (not an error: the client's mistake).
        let spans = capture.spans();
        if *method == "POST" {
            let server = spans.iter().find(|span| span.span_kind == SpanKind::Server);
            let recorded = server.and_then(|span| attribute(span, "http.response.status_code"));
            if recorded != Some(i64::from(*status).into()) {
                failures.push(format!(
                    "{name}: server span status {recorded:?}; {}",
                    describe(&spans)
                ));
            }
        }
    }
    let calls = receiver.received();
    handle.stop(true).await;
    receiver.stop().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(calls.is_empty(), "refused requests made calls: {calls:?}");
}
