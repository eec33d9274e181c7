//! The JSON-lines console form: one JSON object per span and line.

use std::fmt;

use opentelemetry::trace::{Event, Link, SpanId, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::Resource;
use serde_json::{json, Map, Value as Json};

use super::format::{kind_name, timestamp};

/// One span as a single line of JSON:
///
/// ```json
/// {"name":"GET /","kind":"SERVER","trace_id":"4bf9…","span_id":"00f0…","parent_span_id":"…",
///  "parent_is_remote":true,"start_time":"2026-11-25T19:12:01.123456Z","end_time":"…",
///  "duration_ns":1234567,"status":{"code":"UNSET"},"attributes":{"http.request.method":"GET"},
///  "events":[],"links":[],"scope":{"name":"demo_server","version":"0.1.0"},
///  "resource":{"service.name":"demo-server"}}
/// ```
///
/// `parent_span_id` is `null` for a root; `resource` is present when the exporter knows it.
#[derive(Debug)]
pub struct SpanJson<'a> {
    span: &'a SpanData,
    resource: Option<&'a Resource>,
}

impl<'a> SpanJson<'a> {
    /// The JSON form of `span`, with the `resource` it was exported with, if known.
    pub fn new(span: &'a SpanData, resource: Option<&'a Resource>) -> Self {
        Self { span, resource }
    }

    /// The JSON value.
    pub fn to_value(&self) -> Json {
        let span = self.span;
        let context = &span.span_context;
        let parent =
            (span.parent_span_id != SpanId::INVALID).then(|| span.parent_span_id.to_string());
        let status = status_json(&span.status);
        let events: Vec<Json> = span.events.iter().map(event_json).collect();
        let links: Vec<Json> = span.links.iter().map(link_json).collect();
        let duration_ns = span
            .end_time
            .duration_since(span.start_time)
            .map(|duration| u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut object = json!({
            "name": span.name.as_ref(),
            "kind": kind_name(&span.span_kind),
            "trace_id": context.trace_id().to_string(),
            "span_id": context.span_id().to_string(),
            "parent_span_id": parent,
            "parent_is_remote": span.parent_span_is_remote,
            "start_time": timestamp(span.start_time),
            "end_time": timestamp(span.end_time),
            "duration_ns": duration_ns,
            "status": status,
            "attributes": attributes(&span.attributes),
            "events": events,
            "links": links,
            "scope": {
                "name": span.instrumentation_scope.name(),
                "version": span.instrumentation_scope.version(),
            },
        });
        if let (Some(resource), Json::Object(map)) = (self.resource, &mut object) {
            let resource: Map<String, Json> = resource
                .iter()
                .map(|(key, value)| (key.to_string(), value_json(value)))
                .collect();
            map.insert("resource".to_owned(), Json::Object(resource));
        }
        object
    }
}

/// `{"code": "UNSET" | "OK" | "ERROR", "message": ...}`.
fn status_json(status: &Status) -> Json {
    match status {
        Status::Unset => json!({ "code": "UNSET" }),
        Status::Ok => json!({ "code": "OK" }),
        Status::Error { description } => {
            json!({ "code": "ERROR", "message": description.as_ref() })
        }
    }
}

fn event_json(event: &Event) -> Json {
    json!({
        "name": event.name.as_ref(),
        "time": timestamp(event.timestamp),
        "attributes": attributes(&event.attributes),
    })
}

fn link_json(link: &Link) -> Json {
    json!({
        "trace_id": link.span_context.trace_id().to_string(),
        "span_id": link.span_context.span_id().to_string(),
        "attributes": attributes(&link.attributes),
    })
}

/// The order keys are printed in: what a person scans for first.
const KEY_ORDER: [&str; 15] = [
    "name",
    "kind",
    "trace_id",
    "span_id",
    "parent_span_id",
    "parent_is_remote",
    "start_time",
    "end_time",
    "duration_ns",
    "status",
    "attributes",
    "events",
    "links",
    "scope",
    "resource",
];

impl fmt::Display for SpanJson<'_> {
    /// One line, keys in a fixed order (`name`, `kind`, ids, times, then the rest).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Json::Object(map) = self.to_value() else {
            return Ok(());
        };
        f.write_str("{")?;
        let mut first = true;
        for key in KEY_ORDER {
            if let Some(value) = map.get(key) {
                if !first {
                    f.write_str(",")?;
                }
                first = false;
                write!(f, "{}:{value}", Json::from(key))?;
            }
        }
        f.write_str("}")
    }
}

fn attributes(attributes: &[KeyValue]) -> Json {
    Json::Object(
        attributes
            .iter()
            .map(|kv| (kv.key.to_string(), value_json(&kv.value)))
            .collect(),
    )
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Bool(value) => json!(value),
        Value::I64(value) => json!(value),
        // Non-finite floats have no JSON form: `json!` makes them `null`.
        Value::F64(value) => json!(value),
        Value::String(value) => json!(value.as_str()),
        Value::Array(Array::Bool(values)) => json!(values),
        Value::Array(Array::I64(values)) => json!(values),
        Value::Array(Array::F64(values)) => json!(values),
        Value::Array(Array::String(values)) => {
            Json::Array(values.iter().map(|value| json!(value.as_str())).collect())
        }
        // Value and Array are non-exhaustive: print what a new kind displays as.
        other => json!(other.to_string()),
    }
}
