//! Shared by the tests of this binary: an OTLP receiver on loopback (http/protobuf, http/json
//! and gRPC, plaintext or TLS, decoding with the official protobuf definitions of
//! `opentelemetry-proto`), certificates made at test time, the real demo binaries, a load
//! generator, and the lock that lets the load tests run alone.

pub mod demos;
pub mod load;
pub mod receiver;
pub mod tls;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use otel_runtime::testing::SpanShape;

/// OTLP span flag bits saying whether the parent was remote (and that this is known).
const CONTEXT_HAS_IS_REMOTE: u32 = 0x100;
const CONTEXT_IS_REMOTE: u32 = 0x200;

/// Held by every test of this binary: shared by most, exclusive for the load tests.
static LOAD: RwLock<()> = RwLock::new(());

/// For a test that counts dropped spans under load or measures throughput: no other test of
/// this binary runs meanwhile (their processes would compete for the CPU, and one could take
/// the port of a collector that is to come back).
pub fn alone() -> RwLockWriteGuard<'static, ()> {
    LOAD.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// For every other test: runs beside the others, never during a test that runs [`alone`].
pub fn shared() -> RwLockReadGuard<'static, ()> {
    LOAD.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Trace and span ids as received (bytes) in the lower-case hex of `traceparent` and log lines.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A span as received, with the resource attributes it came with.
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    pub span: Span,
    pub resource: Vec<(String, String)>,
}

impl ReceivedSpan {
    /// A resource attribute, as text.
    pub fn resource(&self, key: &str) -> Option<&str> {
        self.resource
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// What the whole-trace assertion of `otel_runtime::testing` compares.
    pub fn shape(&self) -> SpanShape {
        let span = &self.span;
        let bytes16: [u8; 16] = span.trace_id.as_slice().try_into().unwrap_or([0; 16]);
        let id = |bytes: &[u8]| SpanId::from_bytes(bytes.try_into().unwrap_or([0; 8]));
        let kind = match ProtoKind::try_from(span.kind) {
            Ok(ProtoKind::Server) => SpanKind::Server,
            Ok(ProtoKind::Client) => SpanKind::Client,
            Ok(ProtoKind::Producer) => SpanKind::Producer,
            Ok(ProtoKind::Consumer) => SpanKind::Consumer,
            _ => SpanKind::Internal,
        };
        assert_ne!(
            span.flags & CONTEXT_HAS_IS_REMOTE,
            0,
            "the exporter says whether the parent of {:?} is remote",
            span.name
        );
        SpanShape {
            trace_id: TraceId::from_bytes(bytes16),
            span_id: id(&span.span_id),
            parent_span_id: if span.parent_span_id.is_empty() {
                SpanId::INVALID
            } else {
                id(&span.parent_span_id)
            },
            parent_is_remote: span.flags & CONTEXT_IS_REMOTE != 0,
            name: span.name.clone(),
            kind,
            error: span
                .status
                .as_ref()
                .is_some_and(|status| status.code == StatusCode::Error as i32),
            start: SystemTime::UNIX_EPOCH + Duration::from_nanos(span.start_time_unix_nano),
        }
    }
}

/// Attribute values as text (strings as they are, other kinds in their debug form).
pub fn attributes_as_text(attributes: &[KeyValue]) -> Vec<(String, String)> {
    attributes
        .iter()
        .map(|kv| {
            let value = match kv.value.as_ref().and_then(|value| value.value.as_ref()) {
                Some(Value::StringValue(text)) => text.clone(),
                Some(Value::IntValue(number)) => number.to_string(),
                Some(Value::BoolValue(flag)) => flag.to_string(),
                Some(other) => format!("{other:?}"),
                None => String::new(),
            };
            (kv.key.clone(), value)
        })
        .collect()
}

/// The demo's four-span trace, as `otel_runtime::testing::shape` draws it.
pub const FOUR_SPAN_TRACE: &str = "
    GET (CLIENT)
      GET / (SERVER, remote parent)
        parent (INTERNAL)
          GET (CLIENT)
";
