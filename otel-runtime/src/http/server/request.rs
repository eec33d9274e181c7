//! The stable HTTP server attributes read from an incoming request (all but the method and the
//! route, which also name the span): URL, server and client addresses, peer, user agent,
//! protocol version.

use std::net::IpAddr;

use actix_web::http::header::{
    HeaderMap, FORWARDED, HOST, USER_AGENT, X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO,
};
use actix_web::HttpRequest;
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, NETWORK_PEER_ADDRESS, NETWORK_PEER_PORT, SERVER_ADDRESS, SERVER_PORT, URL_PATH,
    URL_QUERY, URL_SCHEME, USER_AGENT_ORIGINAL,
};

use crate::export::value_limit::request_value;
use crate::http::attributes::{default_port, protocol_version, redacted_query};

/// Appends every request attribute of `request` to `attributes`.
pub(super) fn request_attributes(request: &HttpRequest, attributes: &mut Vec<KeyValue>) {
    url_attributes(request, attributes);
    let peer_ip = request.peer_addr().map(|peer| ip_string(peer.ip()));
    if has_proxy_headers(request.headers()) {
        proxied_attributes(request, attributes);
    } else {
        direct_attributes(request, peer_ip.as_deref(), attributes);
    }
    if let (Some(peer), Some(ip)) = (request.peer_addr(), peer_ip) {
        attributes.push(KeyValue::new(NETWORK_PEER_ADDRESS, ip));
        attributes.push(KeyValue::new(NETWORK_PEER_PORT, i64::from(peer.port())));
    }
    if let Some(agent) = header_str(request.headers(), &USER_AGENT) {
        attributes.push(KeyValue::new(USER_AGENT_ORIGINAL, request_value(agent)));
    }
    attributes.extend(protocol_version(request.version()));
}

/// `url.path`, and `url.query` (redacted) when there is one.
fn url_attributes(request: &HttpRequest, attributes: &mut Vec<KeyValue>) {
    attributes.push(KeyValue::new(URL_PATH, request_value(request.path())));
    if !request.query_string().is_empty() {
        attributes.push(KeyValue::new(
            URL_QUERY,
            request_value(&redacted_query(request.query_string())),
        ));
    }
}

/// Whether a proxy said who the client and the server are (then actix's `ConnectionInfo` reads
/// it; without them the cheaper [`direct_attributes`] says the same).
fn has_proxy_headers(headers: &HeaderMap) -> bool {
    [
        FORWARDED,
        X_FORWARDED_FOR,
        X_FORWARDED_HOST,
        X_FORWARDED_PROTO,
    ]
    .iter()
    .any(|name| headers.contains_key(name))
}

/// Scheme, server and client as the proxy headers give them.
fn proxied_attributes(request: &HttpRequest, attributes: &mut Vec<KeyValue>) {
    let info = request.connection_info();
    attributes.push(KeyValue::new(URL_SCHEME, request_value(info.scheme())));
    push_server(info.host(), info.scheme(), attributes);
    if let Some(client) = info.realip_remote_addr() {
        let (client, _) = split_host_port(client);
        attributes.push(KeyValue::new(CLIENT_ADDRESS, request_value(client)));
    }
}

/// What `ConnectionInfo` would say without proxy headers, without its allocations.
fn direct_attributes(request: &HttpRequest, peer_ip: Option<&str>, attributes: &mut Vec<KeyValue>) {
    let config = request.app_config();
    let scheme: &'static str = match request.uri().scheme_str() {
        Some("https") => "https",
        Some(_) => "http",
        None if config.secure() => "https",
        None => "http",
    };
    attributes.push(KeyValue::new(URL_SCHEME, scheme));
    let host = header_str(request.headers(), &HOST)
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or_else(|| config.host());
    push_server(host, scheme, attributes);
    if let Some(ip) = peer_ip {
        attributes.push(KeyValue::new(CLIENT_ADDRESS, ip.to_owned()));
    }
}

/// `server.address` and `server.port` (the scheme's default port when `host` has none).
fn push_server(host: &str, scheme: &str, attributes: &mut Vec<KeyValue>) {
    let (address, port) = split_host_port(host);
    attributes.push(KeyValue::new(SERVER_ADDRESS, request_value(address)));
    if let Some(port) = port.or_else(|| default_port(scheme)) {
        attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
    }
}

/// A header's value, if it is visible ASCII.
fn header_str<'a>(
    headers: &'a HeaderMap,
    name: &actix_web::http::header::HeaderName,
) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Splits `host[:port]` (with `[v6]` brackets) into the address and the port, if any.
fn split_host_port(host: &str) -> (&str, Option<u16>) {
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

/// An IP address as text, without `fmt` for IPv4 (the common case, ~20x cheaper).
fn ip_string(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let mut text = String::with_capacity(15);
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.push('.');
                }
                if octet >= 100 {
                    text.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    text.push(char::from(b'0' + octet / 10 % 10));
                }
                text.push(char::from(b'0' + octet % 10));
            }
            text
        }
        IpAddr::V6(v6) => v6.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::net::SocketAddr;

    use actix_web::test::TestRequest;
    use opentelemetry::Value;

    use super::*;

    fn attributes_of(request: TestRequest) -> HashMap<String, Value> {
        let mut attributes = Vec::new();
        request_attributes(&request.to_http_request(), &mut attributes);
        attributes
            .into_iter()
            .map(|kv| (kv.key.as_str().to_owned(), kv.value))
            .collect()
    }

    fn peer() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 40_000))
    }

    #[test]
    fn direct_request_attributes() {
        let attributes = attributes_of(
            TestRequest::get()
                .uri("/items/7?sig=secret&page=2")
                .insert_header((HOST, "127.0.0.1:8080"))
                .insert_header((USER_AGENT, "test-agent/1"))
                .peer_addr(peer()),
        );
        assert_eq!(attributes[URL_PATH], Value::from("/items/7"));
        assert_eq!(attributes[URL_SCHEME], Value::from("http"));
        assert_eq!(attributes[SERVER_ADDRESS], Value::from("127.0.0.1"));
        assert_eq!(attributes[SERVER_PORT], Value::I64(8080));
        assert_eq!(attributes[CLIENT_ADDRESS], Value::from("127.0.0.1"));
        assert_eq!(attributes[NETWORK_PEER_ADDRESS], Value::from("127.0.0.1"));
        assert_eq!(attributes[NETWORK_PEER_PORT], Value::I64(40_000));
        assert_eq!(attributes[USER_AGENT_ORIGINAL], Value::from("test-agent/1"));
        assert!(attributes.contains_key(URL_QUERY));
        assert!(!attributes[URL_QUERY].as_str().contains("secret"));
    }

    #[test]
    fn without_host_header_the_configured_host_and_no_query() {
        let attributes = attributes_of(TestRequest::get().uri("/").peer_addr(peer()));
        // actix's `AppConfig` host (TestRequest's default: localhost:8080).
        assert_eq!(attributes[SERVER_ADDRESS], Value::from("localhost"));
        assert_eq!(attributes[SERVER_PORT], Value::I64(8080));
        assert!(!attributes.contains_key(URL_QUERY));
        assert!(!attributes.contains_key(USER_AGENT_ORIGINAL));
    }

    #[test]
    fn proxy_headers_name_the_client_and_server() {
        let attributes = attributes_of(
            TestRequest::get()
                .uri("/")
                .insert_header((X_FORWARDED_FOR, "203.0.113.9"))
                .insert_header((X_FORWARDED_PROTO, "https"))
                .insert_header((X_FORWARDED_HOST, "example.test"))
                .peer_addr(peer()),
        );
        assert_eq!(attributes[URL_SCHEME], Value::from("https"));
        assert_eq!(attributes[SERVER_ADDRESS], Value::from("example.test"));
        assert_eq!(attributes[SERVER_PORT], Value::I64(443));
        assert_eq!(attributes[CLIENT_ADDRESS], Value::from("203.0.113.9"));
        assert_eq!(attributes[NETWORK_PEER_ADDRESS], Value::from("127.0.0.1"));
    }

    #[test]
    fn splits_hosts_and_ports() {
        assert_eq!(split_host_port("127.0.0.1:8082"), ("127.0.0.1", Some(8082)));
        assert_eq!(split_host_port("example.com"), ("example.com", None));
        assert_eq!(split_host_port("[::1]:80"), ("::1", Some(80)));
        assert_eq!(split_host_port("[::1]"), ("::1", None));
        assert_eq!(split_host_port("::1"), ("::1", None));
    }

    #[test]
    fn request_values_are_capped() {
        let long_agent = "a".repeat(10_000);
        let attributes = attributes_of(
            TestRequest::get()
                .uri(&format!("/{}", "p".repeat(10_000)))
                .insert_header((USER_AGENT, long_agent.as_str()))
                .peer_addr(peer()),
        );
        let cap = crate::export::value_limit::DEFAULT_REQUEST_VALUE_LIMIT;
        assert_eq!(attributes[USER_AGENT_ORIGINAL].as_str().len(), cap);
        assert_eq!(attributes[URL_PATH].as_str().len(), cap);
    }

    #[test]
    fn ipv4_text_matches_display() {
        for ip in ["0.0.0.0", "9.10.99.100", "255.255.255.255", "127.0.0.1"] {
            let parsed: IpAddr = ip.parse().expect("a valid address");
            assert_eq!(ip_string(parsed), ip);
        }
    }
}
