//! HTTP semantic-convention values shared by the server and client glue.

use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL, NETWORK_PROTOCOL_VERSION,
};

/// The well-known methods of RFC 9110 and RFC 5789; anything else is `_OTHER`.
const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The method as recorded (`_OTHER` for an unknown one) and for span names (`HTTP` if unknown).
pub(crate) fn method_attributes(method: &str, attributes: &mut Vec<KeyValue>) -> &'static str {
    match KNOWN_METHODS.iter().find(|known| **known == method) {
        Some(known) => {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, *known));
            known
        }
        None => {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, "_OTHER"));
            attributes.push(KeyValue::new(
                HTTP_REQUEST_METHOD_ORIGINAL,
                method.to_owned(),
            ));
            "HTTP"
        }
    }
}

/// `network.protocol.version` for an HTTP version (`1.1`, `2`, ...).
pub(crate) fn protocol_version(version: actix_http::Version) -> Option<KeyValue> {
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

/// Splits `host[:port]` (with `[v6]` brackets) into the address and the port, if any.
pub(crate) fn split_host_port(host: &str) -> (&str, Option<u16>) {
    if let Some(rest) = host.strip_prefix('[') {
        if let Some((address, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|port| port.parse().ok());
            return (address, port);
        }
        return (host, None);
    }
    match host.rsplit_once(':') {
        Some((address, port)) if !address.contains(':') => (address, port.parse().ok()),
        _ => (host, None),
    }
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
    fn splits_hosts_and_ports() {
        assert_eq!(split_host_port("127.0.0.1:8082"), ("127.0.0.1", Some(8082)));
        assert_eq!(split_host_port("example.com"), ("example.com", None));
        assert_eq!(split_host_port("[::1]:80"), ("::1", Some(80)));
        assert_eq!(split_host_port("[::1]"), ("::1", None));
        assert_eq!(split_host_port("::1"), ("::1", None));
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
    }
}
