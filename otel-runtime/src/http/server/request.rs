//! The stable HTTP server attributes read from an incoming request (all but the method and the
//! route, which also name the span): URL, server and client addresses, peer, user agent,
//! protocol version.

use std::net::IpAddr;
use std::sync::Arc;

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
use crate::http::carrier::PropagationHeaders;

/// Appends every request attribute of `request` (whose headers read `headers`) to `attributes`.
pub(super) fn request_attributes(
    request: &HttpRequest,
    headers: &ReadHeaders<'_>,
    attributes: &mut Vec<KeyValue>,
) {
    recent::with(|kept| {
        url_attributes(request, kept, attributes);
        // One value for `network.peer.address` and (without a proxy) `client.address`.
        let peer = request.peer_addr();
        let peer_ip = peer.map(|peer| kept.ip(peer.ip()));
        if headers.proxied {
            proxied_attributes(request, kept, attributes);
        } else {
            direct_attributes(request, headers.host, peer_ip.as_ref(), kept, attributes);
        }
        if let (Some(peer), Some(ip)) = (peer, peer_ip) {
            attributes.push(KeyValue::new(NETWORK_PEER_ADDRESS, ip));
            attributes.push(KeyValue::new(NETWORK_PEER_PORT, i64::from(peer.port())));
        }
        if let Some(agent) = headers.user_agent {
            attributes.push(KeyValue::new(
                USER_AGENT_ORIGINAL,
                kept.value(recent::Kind::UserAgent, agent),
            ));
        }
    });
    attributes.extend(protocol_version(request.version()));
}

/// The request headers the span reads, found in one pass over the request's (few) headers, names
/// compared without hashing: cheaper than a hashed lookup per name.
#[derive(Debug, Default)]
pub(super) struct ReadHeaders<'a> {
    /// The first `Host` value, if it is visible ASCII.
    host: Option<&'a str>,
    /// The first `User-Agent` value, if it is visible ASCII.
    user_agent: Option<&'a str>,
    /// Whether a proxy said who the client and the server are (then actix's `ConnectionInfo`
    /// reads it; without them the cheaper [`direct_attributes`] says the same).
    proxied: bool,
    /// The propagation headers present.
    pub(super) propagation: PropagationHeaders,
}

impl<'a> ReadHeaders<'a> {
    /// Reads `headers`.
    pub(super) fn of(headers: &'a HeaderMap) -> Self {
        let mut read = Self::default();
        let (mut host_seen, mut user_agent_seen) = (false, false);
        for (name, value) in headers.iter() {
            if *name == HOST {
                if !host_seen {
                    host_seen = true;
                    read.host = value.to_str().ok();
                }
            } else if *name == USER_AGENT {
                if !user_agent_seen {
                    user_agent_seen = true;
                    read.user_agent = value.to_str().ok();
                }
            } else if *name == FORWARDED
                || *name == X_FORWARDED_FOR
                || *name == X_FORWARDED_HOST
                || *name == X_FORWARDED_PROTO
            {
                read.proxied = true;
            } else {
                read.propagation.note(name);
            }
        }
        read
    }
}

/// `url.path`, and `url.query` (redacted) when there is one.
fn url_attributes(request: &HttpRequest, kept: &mut recent::Kept, attributes: &mut Vec<KeyValue>) {
    attributes.push(KeyValue::new(
        URL_PATH,
        kept.value(recent::Kind::Path, request.path()),
    ));
    if !request.query_string().is_empty() {
        attributes.push(KeyValue::new(
            URL_QUERY,
            request_value(&redacted_query(request.query_string())),
        ));
    }
}

/// Scheme, server and client as the proxy headers give them.
fn proxied_attributes(
    request: &HttpRequest,
    kept: &mut recent::Kept,
    attributes: &mut Vec<KeyValue>,
) {
    let info = request.connection_info();
    attributes.push(KeyValue::new(URL_SCHEME, request_value(info.scheme())));
    push_server(info.host(), info.scheme(), kept, attributes);
    if let Some(client) = info.realip_remote_addr() {
        let (client, _) = split_host_port(client);
        attributes.push(KeyValue::new(CLIENT_ADDRESS, request_value(client)));
    }
}

/// What `ConnectionInfo` would say without proxy headers, without its allocations.
fn direct_attributes(
    request: &HttpRequest,
    host_header: Option<&str>,
    peer_ip: Option<&Arc<str>>,
    kept: &mut recent::Kept,
    attributes: &mut Vec<KeyValue>,
) {
    let config = request.app_config();
    let scheme: &'static str = match request.uri().scheme_str() {
        Some("https") => "https",
        Some(_) => "http",
        None if config.secure() => "https",
        None => "http",
    };
    attributes.push(KeyValue::new(URL_SCHEME, scheme));
    let host = host_header
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or_else(|| config.host());
    push_server(host, scheme, kept, attributes);
    if let Some(ip) = peer_ip {
        attributes.push(KeyValue::new(CLIENT_ADDRESS, Arc::clone(ip)));
    }
}

/// `server.address` and `server.port` (the scheme's default port when `host` has none).
fn push_server(host: &str, scheme: &str, kept: &mut recent::Kept, attributes: &mut Vec<KeyValue>) {
    let (address, port) = kept.server(host);
    attributes.push(KeyValue::new(SERVER_ADDRESS, address));
    if let Some(port) = port.or_else(|| default_port(scheme)) {
        attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
    }
}

/// Splits `host[:port]` (with `[v6]` brackets) into the address and the port, if any.
fn split_host_port(host: &str) -> (&str, Option<u16>) {
    if let Some(rest) = host.strip_prefix('[') {
        if let Some((address, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(port_number);
            return (address, port);
        }
        return (host, None);
    }
    // One byte scan: the generic `str` searchers cost more than the whole of a short host.
    let (mut colons, mut last) = (0_usize, 0);
    for (i, &b) in host.as_bytes().iter().enumerate() {
        if b == b':' {
            colons += 1;
            last = i;
        }
    }
    match (colons, host.split_at_checked(last)) {
        (1, Some((address, port))) => (address, port_number(&port[1..])),
        _ => (host, None),
    }
}

/// A port: 1 to 5 decimal digits, at most 65535.
fn port_number(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 {
        return None;
    }
    let mut port: u32 = 0;
    for &b in text.as_bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        port = port * 10 + u32::from(b - b'0');
    }
    u16::try_from(port).ok()
}

/// The values of the last requests a thread served, shared with the next ones that repeat them
/// (the host, the path, the peer address, the user agent of a busy client usually do).
///
/// A value made per request is an allocation on the request's thread freed on the exporter's
/// thread, which takes the allocator's slow path on both sides (~300 instructions in all); a
/// repeated one is a reference count. Kept values are exact: they are dropped when a provider
/// is installed (the setup that installs it may change the cap on request values).
mod recent {
    use std::cell::RefCell;
    use std::net::IpAddr;
    use std::sync::Arc;

    use opentelemetry::Value;

    use crate::export::value_limit::request_value;

    /// Values kept per kind (a few clients, hosts, paths in turn).
    const WAYS: usize = 4;
    /// Longer values are made per request: their copy costs more than the allocation.
    const LONGEST_KEPT: usize = 256;

    /// What a value is, so that paths do not push user agents out.
    #[derive(Clone, Copy, Debug)]
    pub(super) enum Kind {
        Path = 0,
        UserAgent = 1,
    }

    const KINDS: usize = 2;

    /// A `host[:port]` text, its `server.address` value and its port.
    type Server = (Box<str>, Value, Option<u16>);

    /// A thread's kept values.
    pub(super) struct Kept {
        /// The provider generation the values were kept in.
        generation: u64,
        texts: [[Option<Arc<str>>; WAYS]; KINDS],
        ips: [Option<(IpAddr, Arc<str>)>; WAYS],
        servers: [Option<Server>; WAYS],
        /// The way to fill next, per kind, then for addresses and servers.
        next: [usize; KINDS + 2],
    }

    thread_local! {
        static KEPT: RefCell<Kept> = const {
            RefCell::new(Kept {
                generation: u64::MAX,
                texts: [const { [const { None }; WAYS] }; KINDS],
                ips: [const { None }; WAYS],
                servers: [const { None }; WAYS],
                next: [0; KINDS + 2],
            })
        };
    }

    impl Kept {
        /// Forgets everything kept under another provider generation.
        fn current(&mut self) -> &mut Self {
            let generation = crate::instrument::provider_generation();
            if self.generation != generation {
                *self = Kept {
                    generation,
                    texts: Default::default(),
                    ips: Default::default(),
                    servers: Default::default(),
                    next: [0; KINDS + 2],
                };
            }
            self
        }
    }

    /// Runs `f` with this thread's kept values (one thread-local access per request).
    pub(super) fn with<T>(f: impl FnOnce(&mut Kept) -> T) -> T {
        KEPT.with(|kept| f(kept.borrow_mut().current()))
    }

    impl Kept {
        /// The attribute value of `text` from a request (capped like every request value).
        pub(super) fn value(&mut self, kind: Kind, text: &str) -> Value {
            if text.len() > LONGEST_KEPT {
                return Value::from(request_value(text));
            }
            let texts = &mut self.texts[kind as usize];
            if let Some(found) = texts.iter().flatten().find(|found| ***found == *text) {
                return Value::from(Arc::clone(found));
            }
            let capped = request_value(text);
            if capped.len() != text.len() {
                return Value::from(capped); // cut to the cap: not kept
            }
            let shared = Arc::<str>::from(capped);
            let way = &mut self.next[kind as usize];
            texts[*way] = Some(Arc::clone(&shared));
            *way = (*way + 1) % WAYS;
            Value::from(shared)
        }

        /// `server.address` and the port of a `host[:port]` text (the `Host` header, mostly
        /// the same on every request).
        pub(super) fn server(&mut self, host: &str) -> (Value, Option<u16>) {
            if let Some((_, address, port)) = self
                .servers
                .iter()
                .flatten()
                .find(|(kept, _, _)| **kept == *host)
            {
                return (address.clone(), *port);
            }
            let (address, port) = super::split_host_port(host);
            let capped = request_value(address);
            if host.len() > LONGEST_KEPT || capped.len() != address.len() {
                return (Value::from(capped), port);
            }
            let address = Value::from(Arc::<str>::from(capped));
            let way = &mut self.next[KINDS + 1];
            self.servers[*way] = Some((host.into(), address.clone(), port));
            *way = (*way + 1) % WAYS;
            (address, port)
        }

        /// `ip` as text.
        pub(super) fn ip(&mut self, ip: IpAddr) -> Arc<str> {
            if let Some((_, found)) = self.ips.iter().flatten().find(|(kept, _)| *kept == ip) {
                return Arc::clone(found);
            }
            let text = super::ip_text(ip);
            let way = &mut self.next[KINDS];
            self.ips[*way] = Some((ip, Arc::clone(&text)));
            *way = (*way + 1) % WAYS;
            text
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn repeated_values_are_shared_and_new_ones_made() {
            let value = |kind, text: &str| with(|kept| kept.value(kind, text));
            let ip = |ip| with(|kept| kept.ip(ip));
            let first = value(Kind::Path, "/kept");
            let again = value(Kind::Path, "/kept");
            assert_eq!(first, Value::from("/kept"));
            assert_eq!(again, first);
            // Five others push it out of the four ways; it comes back the same text.
            for path in ["/a", "/b", "/c", "/d", "/e"] {
                assert_eq!(value(Kind::Path, path), Value::from(path));
            }
            assert_eq!(value(Kind::Path, "/kept"), Value::from("/kept"));
            // Another kind does not answer for this one.
            assert_eq!(value(Kind::UserAgent, "/kept"), Value::from("/kept"));
            let server = |host: &str| with(|kept| kept.server(host));
            for _ in 0..2 {
                assert_eq!(
                    server("example.test:8080"),
                    (Value::from("example.test"), Some(8080))
                );
                assert_eq!(server("example.test"), (Value::from("example.test"), None));
            }
            let long = "x".repeat(LONGEST_KEPT + 1);
            assert_eq!(value(Kind::UserAgent, &long), Value::from(long.clone()));
            let address: IpAddr = [10, 0, 0, 1].into();
            assert_eq!(&*ip(address), "10.0.0.1");
            assert!(Arc::ptr_eq(&ip(address), &ip(address)));
        }
    }
}

/// An IP address as text, without `fmt` for IPv4 (the common case, ~20x cheaper), allocated
/// once at its exact length (a `String` grown to it would be shrunk again by the attribute).
fn ip_text(ip: IpAddr) -> Arc<str> {
    match ip {
        IpAddr::V4(v4) => {
            let mut text = [0_u8; 15];
            let mut len = 0;
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text[len] = b'.';
                    len += 1;
                }
                if octet >= 100 {
                    text[len] = b'0' + octet / 100;
                    len += 1;
                }
                if octet >= 10 {
                    text[len] = b'0' + octet / 10 % 10;
                    len += 1;
                }
                text[len] = b'0' + octet % 10;
                len += 1;
            }
            // Digits and dots only.
            Arc::from(std::str::from_utf8(&text[..len]).unwrap_or_default())
        }
        IpAddr::V6(v6) => Arc::from(v6.to_string()),
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
        let request = request.to_http_request();
        request_attributes(
            &request,
            &ReadHeaders::of(request.headers()),
            &mut attributes,
        );
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
        assert_eq!(split_host_port("host:"), ("host", None));
        assert_eq!(split_host_port("host:65536"), ("host", None));
        assert_eq!(split_host_port("host:+80"), ("host", None));
        assert_eq!(split_host_port("[::1]:65535"), ("::1", Some(65535)));
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
        for ip in [
            "0.0.0.0",
            "9.10.99.100",
            "255.255.255.255",
            "127.0.0.1",
            "::1",
        ] {
            let parsed: IpAddr = ip.parse().expect("a valid address");
            assert_eq!(&*ip_text(parsed), ip);
        }
    }
}
