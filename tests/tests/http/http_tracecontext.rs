//! W3C Trace Context over real HTTP: crafted `traceparent` / `tracestate` request headers sent
//! to the traced demo server (`GET /` → `parent` → CLIENT GET to a local receiver), checked on
//! the spans it records and on the headers its outbound call carries.

use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::SpanData;
use otel_runtime::testing::{self, describe, is_child_of, is_root};

use crate::support::{raw_request, Receiver};

const TID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SID: &str = "00f067aa0ba902b7";
const OTHER_TID: &str = "12345678901234567890123456789012";

fn tp(version: &str, trace_id: &str, parent_id: &str, flags: &str) -> String {
    format!("{version}-{trace_id}-{parent_id}-{flags}")
}

#[derive(Clone, Debug)]
enum Expect {
    /// The server span continues trace `TID` as a child of `SID` (a recorded, sampled trace); the
    /// outbound call carries the CLIENT span's id, `flags`, and `tracestate` (one line).
    Continues {
        flags: &'static str,
        tracestate: Option<String>,
    },
    /// Unsampled: nothing is recorded, yet the outbound call continues trace `TID` with a new
    /// parent-id, `flags` and `tracestate`.
    ContinuesUnsampled {
        flags: &'static str,
        tracestate: Option<String>,
    },
    /// A new trace: the server span is a root; the outbound call carries its new trace-id with
    /// the sampled and random flags (`03`, a trace we started), and no `tracestate`.
    Restarts,
}

struct Row {
    name: &'static str,
    headers: Vec<(&'static str, String)>,
    expect: Expect,
}

fn row(name: &'static str, headers: &[(&'static str, &str)], expect: Expect) -> Row {
    Row {
        name,
        headers: headers
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect(),
        expect,
    }
}

fn continues(flags: &'static str, tracestate: Option<&str>) -> Expect {
    Expect::Continues {
        flags,
        tracestate: tracestate.map(str::to_owned),
    }
}

fn unsampled(flags: &'static str, tracestate: Option<&str>) -> Expect {
    Expect::ContinuesUnsampled {
        flags,
        tracestate: tracestate.map(str::to_owned),
    }
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let valid = tp("00", TID, SID, "01");
    let system_14 = format!("a=1,t@{}=2", "v".repeat(14));
    let members_33 = (1..=33).map(|i| format!("k{i}={i}")).collect::<Vec<_>>().join(",");
    vec![
        row("no traceparent", &[], Expect::Restarts),
        row("tracestate without traceparent", &[("tracestate", "foo=1")], Expect::Restarts),
        row("valid, sampled", &[("traceparent", &valid)], continues("01", None)),
        row("valid with tracestate", &[("traceparent", &valid), ("tracestate", "foo=1,bar=2")], continues("01", Some("foo=1,bar=2"))),
        // Duplicates and joins.
        row("two traceparent lines (identical)", &[("traceparent", &valid), ("traceparent", &valid), ("tracestate", "foo=1")], Expect::Restarts),
        row("two traceparent lines (different)", &[("traceparent", &valid), ("traceparent", &tp("00", OTHER_TID, SID, "01"))], Expect::Restarts),
        row("several tracestate lines joined in order, empty ones ignored", &[("traceparent", &valid), ("tracestate", "foo=1,bar=2"), ("tracestate", "rojo=1,congo=2"), ("tracestate", ""), ("tracestate", "baz=3")],
            continues("01", Some("foo=1,bar=2,rojo=1,congo=2,baz=3"))),
        row("duplicate key across tracestate lines keeps its first occurrence", &[("traceparent", &valid), ("tracestate", "foo=1"), ("tracestate", "foo=2")], continues("01", Some("foo=1"))),
        // Invalid traceparent: new trace, tracestate not propagated.
        row("upper-case trace-id", &[("traceparent", &tp("00", &TID.to_uppercase(), SID, "01")), ("tracestate", "foo=1")], Expect::Restarts),
        row("version ff", &[("traceparent", &tp("ff", TID, SID, "01")), ("tracestate", "foo=1")], Expect::Restarts),
        row("version 00 with trailing data", &[("traceparent", &format!("{valid}-what-the-future-will-be-like")), ("tracestate", "foo=1")], Expect::Restarts),
        row("all-zero trace-id", &[("traceparent", &tp("00", &"0".repeat(32), SID, "01"))], Expect::Restarts),
        row("all-zero parent-id", &[("traceparent", &tp("00", TID, &"0".repeat(16), "01"))], Expect::Restarts),
        row("short parent-id", &[("traceparent", &tp("00", TID, &SID[1..], "01"))], Expect::Restarts),
        row("wrong header name", &[("trace-parent", &valid)], Expect::Restarts),
        // Names, OWS, versions.
        row("mixed-case header names", &[("TraceParent", &valid), ("TRACESTATE", "a=1")], continues("01", Some("a=1"))),
        row("OWS around traceparent", &[("traceparent", &format!("\t {valid} \t"))], continues("01", None)),
        row("OWS around tracestate members", &[("traceparent", &valid), ("tracestate", "foo=1 \t , \t bar=2")], continues("01", Some("foo=1,bar=2"))),
        row("future version cc with extra fields (written back as 00)", &[("traceparent", &format!("{}-what-the-future-will-be-like", tp("cc", TID, SID, "01")))], continues("01", None)),
        // Flags.
        row("sampled and random", &[("traceparent", &tp("00", TID, SID, "03"))], continues("03", None)),
        row("unknown flags cleared", &[("traceparent", &tp("00", TID, SID, "ff"))], continues("03", None)),
        row("unsampled propagates", &[("traceparent", &tp("00", TID, SID, "00")), ("tracestate", "foo=1")], unsampled("00", Some("foo=1"))),
        row("unsampled, random kept", &[("traceparent", &tp("00", TID, SID, "02"))], unsampled("02", None)),
        // tracestate limits.
        row("invalid tracestate dropped, traceparent kept", &[("traceparent", &valid), ("tracestate", "foo=1,FOO=2")], continues("01", None)),
        row("33 members dropped", &[("traceparent", &valid), ("tracestate", &members_33)], continues("01", None)),
        row("14-character system-id forwarded whole", &[("traceparent", &valid), ("tracestate", &system_14)], continues("01", Some(&system_14))),
    ]
}

fn one<'a>(
    spans: &'a [SpanData],
    what: &str,
    pick: impl Fn(&SpanData) -> bool,
) -> Result<&'a SpanData, String> {
    let matching: Vec<&SpanData> = spans.iter().filter(|span| pick(span)).collect();
    match matching.as_slice() {
        [span] => Ok(span),
        _ => Err(format!("expected one {what}; spans: {}", describe(spans))),
    }
}

fn check(row: &Row, spans: &[SpanData], received: &crate::support::Received) -> Result<(), String> {
    let [version, trace_id, parent_id, flags] = received.traceparent_fields();
    if version != "00" {
        return Err(format!("outgoing version {version}, expected 00"));
    }
    let tracestate = received.tracestate_joined();
    match &row.expect {
        Expect::Continues {
            flags: expected_flags,
            tracestate: expected_tracestate,
        } => {
            let server = one(spans, "SERVER span", |span| {
                span.span_kind == SpanKind::Server
            })?;
            let parent = one(spans, "INTERNAL span", |span| {
                span.span_kind == SpanKind::Internal
            })?;
            let client = one(spans, "CLIENT span", |span| {
                span.span_kind == SpanKind::Client
            })?;
            let expected_trace = TraceId::from_hex(TID).map_err(|e| e.to_string())?;
            if server.span_context.trace_id() != expected_trace
                || server.parent_span_id != SpanId::from_hex(SID).map_err(|e| e.to_string())?
                || !server.parent_span_is_remote
            {
                return Err(format!(
                    "the server span does not continue {TID}/{SID}: {}",
                    describe(spans)
                ));
            }
            if !is_child_of(parent, server) || !is_child_of(client, parent) {
                return Err(format!("broken parent chain: {}", describe(spans)));
            }
            let expected = (
                TID.to_owned(),
                client.span_context.span_id().to_string(),
                expected_flags.to_string(),
            );
            if (trace_id.clone(), parent_id.clone(), flags.clone()) != expected {
                return Err(format!(
                    "outgoing traceparent {:?}, expected {expected:?}",
                    received.traceparent
                ));
            }
            if &tracestate != expected_tracestate {
                return Err(format!(
                    "outgoing tracestate {tracestate:?}, expected {expected_tracestate:?}"
                ));
            }
        }
        Expect::ContinuesUnsampled {
            flags: expected_flags,
            tracestate: expected_tracestate,
        } => {
            if !spans.is_empty() {
                return Err(format!(
                    "an unsampled request recorded spans: {}",
                    describe(spans)
                ));
            }
            if trace_id != TID
                || parent_id == SID
                || parent_id == "0".repeat(16)
                || flags != *expected_flags
            {
                return Err(format!(
                    "outgoing traceparent {:?}, expected 00-{TID}-<new id>-{expected_flags}",
                    received.traceparent
                ));
            }
            if &tracestate != expected_tracestate {
                return Err(format!(
                    "outgoing tracestate {tracestate:?}, expected {expected_tracestate:?}"
                ));
            }
        }
        Expect::Restarts => {
            let server = one(spans, "SERVER span", |span| {
                span.span_kind == SpanKind::Server
            })?;
            let client = one(spans, "CLIENT span", |span| {
                span.span_kind == SpanKind::Client
            })?;
            if !is_root(server) || server.parent_span_is_remote {
                return Err(format!(
                    "the server span should start a new trace: {}",
                    describe(spans)
                ));
            }
            let new_trace = server.span_context.trace_id().to_string();
            if new_trace == TID || new_trace == OTHER_TID {
                return Err(format!(
                    "the trace-id {new_trace} was taken from an invalid header"
                ));
            }
            let expected = (
                new_trace,
                client.span_context.span_id().to_string(),
                "03".to_owned(),
            );
            if (trace_id, parent_id, flags) != expected {
                return Err(format!(
                    "outgoing traceparent {:?}, expected {expected:?}",
                    received.traceparent
                ));
            }
            if tracestate.is_some() {
                return Err(format!(
                    "tracestate {tracestate:?} propagated into a new trace"
                ));
            }
        }
    }
    Ok(())
}

#[actix_rt::test]
async fn crafted_trace_context_headers_through_a_traced_handler() {
    let capture = testing::capture_all();
    let receiver = Receiver::start();
    let (server, address) =
        demo_server::start("127.0.0.1:0", receiver.url("/wiki/Rabbit")).expect("server starts");
    let handle = server.handle();
    actix_rt::spawn(server);

    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        capture.reset();
        receiver.reset();
        let headers: Vec<(&str, &str)> = row
            .headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let response = raw_request(address, "GET", "/", &headers, b"").await;
        if response.status != Some(200) {
            failures.push(format!("{}: answered {:?}", row.name, response.head));
            continue;
        }
        let received = receiver.received();
        let [received] = received.as_slice() else {
            failures.push(format!("{}: the receiver got {received:?}", row.name));
            continue;
        };
        if let Err(failure) = check(row, &capture.spans(), received) {
            failures.push(format!("{}: {failure}", row.name));
        }
    }
    handle.stop(true).await;
    receiver.stop().await;
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// A request sent with `send_traced` outside any span starts a trace of its own: its CLIENT
/// span is a root, and the `traceparent` it sends carries the sampled and random flags.
#[actix_rt::test]
async fn a_standalone_traced_request_starts_a_random_trace() {
    use otel_runtime::TracedRequest;

    let capture = testing::capture_all();
    let receiver = Receiver::start();
    let response = awc::Client::default()
        .get(receiver.url("/standalone"))
        .send_traced()
        .await
        .expect("the receiver answers");
    assert_eq!(response.status().as_u16(), 200);
    let received = receiver.only("/standalone");
    receiver.stop().await;

    let spans = capture.spans();
    let client = one(&spans, "CLIENT span", |span| {
        span.span_kind == SpanKind::Client
    })
    .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(is_root(client));
    assert_eq!(client.name, "GET");
    let [version, trace_id, parent_id, flags] = received.traceparent_fields();
    assert_eq!(
        [version.as_str(), &trace_id, &parent_id, &flags],
        [
            "00",
            &client.span_context.trace_id().to_string(),
            &client.span_context.span_id().to_string(),
            "03"
        ]
    );
}
