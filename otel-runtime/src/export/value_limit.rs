//! `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: string attribute values cut to a number of characters
//! before export. The SDK's `SpanLimits` bounds counts only, so the processors apply this to
//! every span they are handed: attributes, event and link attributes, and the status
//! description (which repeats an `err` value).

use std::sync::atomic::{AtomicUsize, Ordering};

use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// The cap on values taken from a request (user agent, path, query, host, method) when
/// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` is unset: a remote caller does not choose how large a
/// span gets.
pub const DEFAULT_REQUEST_VALUE_LIMIT: usize = 4096;

/// The cap on request-derived values now in force (the variable's value once set up).
static REQUEST_VALUE_LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_REQUEST_VALUE_LIMIT);

/// Makes `limit` (or the default cap when `None`) the cap on request-derived values.
pub(crate) fn set_request_value_limit(limit: Option<usize>) {
    REQUEST_VALUE_LIMIT.store(
        limit.unwrap_or(DEFAULT_REQUEST_VALUE_LIMIT),
        Ordering::Relaxed,
    );
}

/// `text` from a request, cut to the cap on request-derived values.
#[cfg_attr(
    not(any(feature = "actix-web", feature = "awc", feature = "reqwest")),
    allow(dead_code)
)]
pub(crate) fn request_value(text: &str) -> String {
    let limit = REQUEST_VALUE_LIMIT.load(Ordering::Relaxed);
    truncated(text, limit).unwrap_or_else(|| text.to_owned())
}

/// The longest string attribute value, in characters (`None`: no limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ValueLengthLimit(pub(crate) Option<usize>);

impl ValueLengthLimit {
    /// Cuts every string value of `span` longer than the limit.
    pub(crate) fn apply(self, span: &mut SpanData) {
        let Some(limit) = self.0 else {
            return;
        };
        truncate_all(&mut span.attributes, limit);
        for event in span.events.events.iter_mut() {
            truncate_all(&mut event.attributes, limit);
        }
        for link in span.links.links.iter_mut() {
            truncate_all(&mut link.attributes, limit);
        }
        if let Status::Error { description } = &mut span.status {
            if let Some(cut) = truncated(description, limit) {
                *description = cut.into();
            }
        }
    }
}

fn truncate_all(attributes: &mut [KeyValue], limit: usize) {
    for attribute in attributes {
        match &mut attribute.value {
            Value::String(text) => {
                if let Some(cut) = truncated(text.as_str(), limit) {
                    *text = StringValue::from(cut);
                }
            }
            Value::Array(Array::String(texts)) => {
                for text in texts {
                    if let Some(cut) = truncated(text.as_str(), limit) {
                        *text = StringValue::from(cut);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The first `limit` characters of `text`, if it has more.
pub(crate) fn truncated(text: &str, limit: usize) -> Option<String> {
    // Only texts longer in bytes can be longer in characters: the common case costs one compare.
    if text.len() <= limit {
        return None;
    }
    text.char_indices()
        .nth(limit)
        .map(|(end, _)| text[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_characters_not_bytes() {
        assert_eq!(truncated("short", 8), None);
        assert_eq!(truncated("exactly8", 8), None);
        assert_eq!(truncated("ninechars", 8).as_deref(), Some("ninechar"));
        assert_eq!(truncated("ééééé", 3).as_deref(), Some("ééé"));
        assert_eq!(truncated("éé", 2), None, "4 bytes but 2 characters");
    }

    #[test]
    fn strings_and_string_arrays_are_cut_other_values_kept() {
        let mut attributes = vec![
            KeyValue::new("text", "a".repeat(100)),
            KeyValue::new("number", 123_456_789_i64),
            KeyValue::new(
                "list",
                Value::Array(Array::String(vec!["b".repeat(100).into(), "c".into()])),
            ),
        ];
        truncate_all(&mut attributes, 64);
        assert_eq!(attributes[0].value.as_str().len(), 64);
        assert_eq!(attributes[1].value, Value::I64(123_456_789));
        let Value::Array(Array::String(list)) = &attributes[2].value else {
            panic!("still a string array");
        };
        assert_eq!(list[0].as_str().len(), 64);
        assert_eq!(list[1].as_str(), "c");
    }
}
