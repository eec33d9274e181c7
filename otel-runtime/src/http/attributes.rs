//! HTTP semantic-convention values shared by the server and client glue.

use std::borrow::Cow;
use std::sync::LazyLock;

use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL,
};

/// The well-known methods of RFC 9110, RFC 5789 (`PATCH`) and the safe-method-with-body draft
/// (`QUERY`); anything else is `_OTHER`.
const DEFAULT_KNOWN_METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
];

/// The variable that replaces the list of known methods, as the conventions name it: a
/// comma-separated, case-sensitive list that overrides (does not extend) the default one.
pub(crate) const KNOWN_METHODS_VARIABLE: &str = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";

/// The known methods, read once from [`KNOWN_METHODS_VARIABLE`].
static KNOWN_METHODS: LazyLock<Vec<Cow<'static, str>>> =
    LazyLock::new(|| known_methods(std::env::var(KNOWN_METHODS_VARIABLE).ok().as_deref()));

/// The known methods for a value of [`KNOWN_METHODS_VARIABLE`] (`None`: unset): its
/// comma-separated entries, trimmed, empty ones skipped. Set but empty, it knows no method.
/// The default ones are borrowed, so that recording one per request allocates nothing.
pub(crate) fn known_methods(variable: Option<&str>) -> Vec<Cow<'static, str>> {
    match variable {
        None => DEFAULT_KNOWN_METHODS.map(Cow::Borrowed).to_vec(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|method| !method.is_empty())
            .map(|method| Cow::Owned(method.to_owned()))
            .collect(),
    }
}

/// The known methods of the process (from [`KNOWN_METHODS_VARIABLE`] or the default ones).
#[cfg(feature = "actix-web")]
pub(crate) fn known_methods_in_use() -> &'static [Cow<'static, str>] {
    &KNOWN_METHODS
}

/// Whether [`KNOWN_METHODS_VARIABLE`] is unset, read once: then the known methods are the
/// default ones, matched without going through the list.
static DEFAULT_METHODS_KNOWN: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os(KNOWN_METHODS_VARIABLE).is_none());

/// The method as recorded (`_OTHER` for an unknown one) and for span names (`HTTP` if unknown).
pub(crate) fn method_attributes(method: &str, attributes: &mut Vec<KeyValue>) -> &'static str {
    if *DEFAULT_METHODS_KNOWN {
        if let Some(known) = default_known_method(method) {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, known));
            return known;
        }
    }
    method_attributes_in(&KNOWN_METHODS, method, attributes)
}

/// `method` as one of [`DEFAULT_KNOWN_METHODS`], if it is one.
fn default_known_method(method: &str) -> Option<&'static str> {
    DEFAULT_KNOWN_METHODS
        .iter()
        .copied()
        .find(|known| *known == method)
}

fn method_attributes_in<'k>(
    known_methods: &'k [Cow<'static, str>],
    method: &str,
    attributes: &mut Vec<KeyValue>,
) -> &'k str {
    match known_methods.iter().find(|known| *known == method) {
        Some(known) => {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, known.clone()));
            known
        }
        None => {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, "_OTHER"));
            attributes.push(KeyValue::new(
                HTTP_REQUEST_METHOD_ORIGINAL,
                crate::export::value_limit::request_value(method),
            ));
            "HTTP"
        }
    }
}

/// `network.protocol.version` for an HTTP version (`1.1`, `2`, ...).
#[cfg(any(feature = "actix-web", feature = "awc"))]
pub(crate) fn protocol_version(version: actix_http::Version) -> Option<KeyValue> {
    use opentelemetry_semantic_conventions::attribute::NETWORK_PROTOCOL_VERSION;

    let text = match version {
        actix_http::Version::HTTP_09 => "0.9",
        actix_http::Version::HTTP_10 => "1.0",
        actix_http::Version::HTTP_11 => "1.1",
        actix_http::Version::HTTP_2 => "2",
        actix_http::Version::HTTP_3 => "3",
        _ => return None,
    };
    Some(KeyValue::new(NETWORK_PROTOCOL_VERSION, text))
}

/// Query-string keys whose values the conventions ask to replace by `REDACTED` (matched
/// case-sensitively) in `url.query` and `url.full`.
const SENSITIVE_QUERY_KEYS: [&str; 5] = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "sig",
    "X-Goog-Signature",
];

/// `query` (without its `?`) with the values of [`SENSITIVE_QUERY_KEYS`] replaced by `REDACTED`;
/// the keys stay. Borrowed as is when there is nothing to redact.
pub(crate) fn redacted_query(query: &str) -> Cow<'_, str> {
    let sensitive = |pair: &str| {
        let key = pair.split_once('=').map_or(pair, |(key, _)| key);
        SENSITIVE_QUERY_KEYS.contains(&key)
    };
    if !query.split('&').any(sensitive) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if sensitive(pair) => Cow::Owned(format!("{key}=REDACTED")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// The default port of a URL scheme.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_query_values_are_redacted() {
        assert_eq!(redacted_query("q=1&b=2"), "q=1&b=2");
        assert!(matches!(redacted_query("q=1"), Cow::Borrowed(_)));
        assert_eq!(
            redacted_query("color=blue&sig=abc&X-Amz-Signature=x&X-Goog-Signature="),
            "color=blue&sig=REDACTED&X-Amz-Signature=REDACTED&X-Goog-Signature=REDACTED"
        );
        // Keys match case-sensitively; a key without `=` has no value to hide.
        assert_eq!(redacted_query("SIG=abc&sig"), "SIG=abc&sig");
        assert_eq!(
            redacted_query("X-Amz-Credential=a%2Fb&X-Amz-Security-Token=t"),
            "X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED"
        );
    }

    #[test]
    fn known_methods_can_be_overridden() {
        let defaults = known_methods(None);
        assert!(defaults.iter().any(|method| method == "QUERY"));
        let custom = known_methods(Some(" GET, PURGE ,,"));
        assert_eq!(custom, ["GET", "PURGE"]);
        let mut attributes = Vec::new();
        assert_eq!(
            method_attributes_in(&custom, "PURGE", &mut attributes),
            "PURGE"
        );
        assert_eq!(attributes.len(), 1);
        let mut attributes = Vec::new();
        assert_eq!(
            method_attributes_in(&custom, "POST", &mut attributes),
            "HTTP"
        );
        assert_eq!(attributes[0].value.as_str(), "_OTHER");
        assert_eq!(attributes[1].value.as_str(), "POST");
        // Set but empty: nothing is known.
        assert!(known_methods(Some("")).is_empty());
    }

    #[test]
    fn unknown_methods_are_other() {
        let mut attributes = Vec::new();
        assert_eq!(method_attributes("PURGE", &mut attributes), "HTTP");
        assert_eq!(attributes[0].value.as_str(), "_OTHER");
        assert_eq!(attributes[1].value.as_str(), "PURGE");
        let mut attributes = Vec::new();
        assert_eq!(method_attributes("GET", &mut attributes), "GET");
        assert_eq!(attributes.len(), 1);
        // Methods are case-sensitive.
        let mut attributes = Vec::new();
        assert_eq!(method_attributes("get", &mut attributes), "HTTP");
        assert_eq!(attributes[1].value.as_str(), "get");
    }
}
