//! The `tracestate` list: header lines combined, validated member by member, and turned into
//! opentelemetry's [`TraceState`] (with the whole list beside it when [`TraceState`] cannot hold
//! it).

use opentelemetry::trace::TraceState;

use super::{is_ows, trim_ows};

/// The specification's limit on `tracestate` list-members.
const MAX_MEMBERS: usize = 32;
/// Longest `tracestate` key and value.
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;
/// opentelemetry's [`TraceState`] rejects more than this many characters after an `@`.
const TRACE_STATE_MAX_AFTER_AT: usize = 13;

/// Combines the `tracestate` header lines; any violation gives an empty [`TraceState`]. A key
/// that occurs again is dropped with its value (the first occurrence is kept).
///
/// When [`TraceState`] cannot hold every member (see [`fits_trace_state`]), it gets those it
/// can, and the normalised header of the whole list comes along.
pub(super) fn parse(lines: &[&str]) -> (TraceState, Option<String>) {
    let mut members = Members::new();
    for line in lines {
        for member in ListMembers::new(line) {
            let Some((key, value)) = member.split_once('=') else {
                return Default::default();
            };
            if !members.push(key, value) {
                return Default::default();
            }
        }
    }
    let members = members.as_slice();
    if let Ok(trace_state) = TraceState::from_key_value(members.iter().copied()) {
        return (trace_state, None);
    }
    // Every other member `Members` accepts, `TraceState` accepts too; should the two ever
    // disagree elsewhere, the tracestate is dropped rather than half-propagated.
    let Ok(representable) = TraceState::from_key_value(
        members
            .iter()
            .copied()
            .filter(|(key, _)| fits_trace_state(key)),
    ) else {
        return Default::default();
    };
    (representable, Some(header(members)))
}

/// The `tracestate` value for `trace_state` when it is non-empty and valid per the grammar,
/// without keys repeated (an application can build a [`TraceState`] with a key twice).
pub(super) fn header_of(trace_state: &TraceState) -> Option<String> {
    let mut members = Members::new();
    let valid = trace_state
        .into_iter()
        .all(|(key, value)| members.push(key, value));
    (valid && !members.as_slice().is_empty()).then(|| header(members.as_slice()))
}

/// `key=value,...`.
fn header(members: &[(&str, &str)]) -> String {
    members
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The non-empty, OWS-trimmed list-members of one `tracestate` line, in order.
///
/// One pass over the bytes: runs of commas and OWS (empty members) are skipped in a tight loop,
/// which keeps padding-heavy headers cheap.
struct ListMembers<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> ListMembers<'a> {
    fn new(line: &'a str) -> Self {
        ListMembers { line, pos: 0 }
    }
}

impl<'a> Iterator for ListMembers<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.line.as_bytes();
        let start = self.pos
            + bytes
                .get(self.pos..)?
                .iter()
                .position(|&c| c != b',' && !is_ows(c))?;
        let end = self
            .line
            .get(start..)?
            .find(',')
            .map_or(bytes.len(), |offset| start + offset);
        self.pos = end;
        // `start` and `end` border ASCII bytes, so they are character boundaries; the member
        // starts with a non-OWS byte, so trimming only touches its end.
        Some(trim_ows(self.line.get(start..end)?))
    }
}

/// Up to [`MAX_MEMBERS`] validated `tracestate` list-members with distinct keys, kept on the
/// stack.
struct Members<'a> {
    items: [(&'a str, &'a str); MAX_MEMBERS],
    len: usize,
    /// Members pushed, repeated keys included (the limit is on the list as received).
    received: usize,
}

impl<'a> Members<'a> {
    fn new() -> Self {
        Members {
            items: [("", ""); MAX_MEMBERS],
            len: 0,
            received: 0,
        }
    }

    /// Adds a member, or drops it when its key is already there; `false` when the key or value
    /// is invalid or the list already had [`MAX_MEMBERS`].
    fn push(&mut self, key: &'a str, value: &'a str) -> bool {
        self.received += 1;
        if self.received > MAX_MEMBERS || !valid_key(key) || !valid_value(value) {
            return false;
        }
        if self.as_slice().iter().any(|(seen, _)| *seen == key) {
            return true;
        }
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = (key, value);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn as_slice(&self) -> &[(&'a str, &'a str)] {
        self.items.get(..self.len).unwrap_or_default()
    }
}

/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
fn is_keychar(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/' | b'@')
}

/// `key = ( lcalpha / DIGIT ) 0*255( keychar )`.
pub(super) fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    bytes.len() <= MAX_KEY_LEN
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && rest.iter().all(|&c| is_keychar(c))
}

/// Whether opentelemetry's [`TraceState`] can hold the valid key `key`: it still applies the
/// Level 1 vendor rule to keys with an `@` (one `@`, then at most 13 characters, the first a
/// lowercase letter or a digit).
pub(super) fn fits_trace_state(key: &str) -> bool {
    let Some((_, after)) = key.split_once('@') else {
        return true;
    };
    after.len() <= TRACE_STATE_MAX_AFTER_AT
        && !after.contains('@')
        && after
            .bytes()
            .next()
            .is_none_or(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// `value = 0*255(chr) nblk-chr`: 1 to 256 printable ASCII characters other than `,` and `=`,
/// not ending in a space.
pub(super) fn valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() <= MAX_VALUE_LEN
        && bytes.last().is_some_and(|&c| c != b' ')
        && bytes
            .iter()
            .all(|&c| matches!(c, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}
