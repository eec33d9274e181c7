//! `OTEL_EXPORTER_OTLP_*`: where and how OTLP export goes. Each setting reads its `_TRACES_`
//! variable first, then the generic one, then the specified default.

use std::fmt;
use std::time::Duration;

use super::env::{key_values, Env};
use super::Warning;

/// The default OTLP port for http/protobuf.
pub const HTTP_DEFAULT_ENDPOINT: &str = "http://localhost:4318/v1/traces";
/// The default OTLP endpoint for gRPC.
pub const GRPC_DEFAULT_ENDPOINT: &str = "http://localhost:4317";
/// The default time one export may take (`OTEL_EXPORTER_OTLP_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(10_000);

/// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Protobuf over HTTP/1.1 `POST {endpoint}` (the default; port 4318).
    #[default]
    HttpProtobuf,
    /// gRPC (port 4317).
    Grpc,
}

impl Protocol {
    /// The values the protocol variables accept, for messages.
    pub const ACCEPTED: &'static str = "http/protobuf, grpc";

    /// Parses `http/protobuf` or `grpc` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" => Some(Self::HttpProtobuf),
            "grpc" => Some(Self::Grpc),
            _ => None,
        }
    }

    /// The name the specification uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::HttpProtobuf => "http/protobuf",
            Self::Grpc => "grpc",
        }
    }

    /// Where spans go when no endpoint is configured.
    pub fn default_endpoint(self) -> &'static str {
        match self {
            Self::HttpProtobuf => HTTP_DEFAULT_ENDPOINT,
            Self::Grpc => GRPC_DEFAULT_ENDPOINT,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Payload compression (`OTEL_EXPORTER_OTLP_COMPRESSION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Uncompressed (the default).
    #[default]
    None,
    /// gzip.
    Gzip,
}

impl Compression {
    /// The values the compression variables accept, for messages.
    pub const ACCEPTED: &'static str = "gzip, none";

    /// Parses `gzip` or `none` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "gzip" => Some(Self::Gzip),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The name the specification uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
        }
    }
}

/// Where and how OTLP export goes, resolved from the `OTEL_EXPORTER_OTLP_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The transport.
    pub protocol: Protocol,
    /// The full URL spans are sent to: for http/protobuf including the `/v1/traces` path.
    pub endpoint: String,
    /// Extra request headers (gRPC metadata), e.g. an API key.
    pub headers: Vec<(String, String)>,
    /// How long one export may take, retries included, before it is given up.
    pub timeout: Duration,
    /// Payload compression.
    pub compression: Compression,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            protocol: Protocol::HttpProtobuf,
            endpoint: HTTP_DEFAULT_ENDPOINT.to_owned(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            compression: Compression::None,
        }
    }
}

const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
const TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
const HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
const TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
const TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
const TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
const COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
const TRACES_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";

const URL_ACCEPTED: &str =
    "an http:// URL with a host, e.g. http://localhost:4318 (this build has no TLS for OTLP)";

/// Reads every `OTEL_EXPORTER_OTLP_*` trace setting.
pub(crate) fn otlp(env: &mut Env<'_>) -> OtlpConfig {
    let protocol = protocol(env);
    OtlpConfig {
        protocol,
        endpoint: endpoint(env, protocol),
        headers: headers(env),
        timeout: timeout(env),
        compression: compression(env),
    }
}

fn protocol(env: &mut Env<'_>) -> Protocol {
    let generic = env.get(PROTOCOL).map(|value| {
        let parsed = Protocol::parse(&value);
        (value, parsed)
    });
    let generic_or_default = match &generic {
        Some((_, Some(protocol))) => *protocol,
        _ => Protocol::default(),
    };
    if let Some(value) = env.get(TRACES_PROTOCOL) {
        match Protocol::parse(&value) {
            Some(protocol) => {
                if let Some((value, None)) = &generic {
                    // Not used, but still wrong: say so.
                    env.invalid(PROTOCOL, value, Protocol::ACCEPTED, protocol.name());
                }
                return protocol;
            }
            None => env.invalid(
                TRACES_PROTOCOL,
                &value,
                Protocol::ACCEPTED,
                generic_or_default.name(),
            ),
        }
    }
    if let Some((value, None)) = &generic {
        env.invalid(
            PROTOCOL,
            value,
            Protocol::ACCEPTED,
            Protocol::default().name(),
        );
    }
    generic_or_default
}

fn endpoint(env: &mut Env<'_>, protocol: Protocol) -> String {
    let generic = env.get(ENDPOINT).and_then(|value| match check_url(&value) {
        Ok(()) => Some(match protocol {
            // The generic endpoint is the collector's base URL: the signal path is appended.
            Protocol::HttpProtobuf => append_traces_path(&value),
            Protocol::Grpc => value.trim().to_owned(),
        }),
        Err(problem) => {
            env.warn(Warning::new(
                ENDPOINT,
                &value,
                problem,
                URL_ACCEPTED,
                protocol.default_endpoint(),
            ));
            None
        }
    });
    if let Some(value) = env.get(TRACES_ENDPOINT) {
        match check_url(&value) {
            // The signal endpoint is used as is.
            Ok(()) => return value.trim().to_owned(),
            Err(problem) => {
                let fallback = generic
                    .clone()
                    .unwrap_or_else(|| protocol.default_endpoint().to_owned());
                env.warn(Warning::new(
                    TRACES_ENDPOINT,
                    &value,
                    problem,
                    URL_ACCEPTED,
                    &fallback,
                ));
            }
        }
    }
    generic.unwrap_or_else(|| protocol.default_endpoint().to_owned())
}

/// `http://host:4318` → `http://host:4318/v1/traces`; `http://host/base/` → `http://host/base/v1/traces`.
pub(crate) fn append_traces_path(base: &str) -> String {
    let base = base.trim();
    if base.ends_with('/') {
        format!("{base}v1/traces")
    } else {
        format!("{base}/v1/traces")
    }
}

/// Whether `text` is a URL OTLP export can use; the problem otherwise.
pub(crate) fn check_url(text: &str) -> Result<(), &'static str> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("http://") {
        rest
    } else if lower.starts_with("https://") {
        return Err("is not supported by this build (https needs TLS)");
    } else {
        return Err("is not an http:// URL");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || text.chars().any(char::is_whitespace) || authority.contains('@') {
        return Err("is not a valid URL");
    }
    // `host:port`, `[::1]:port`; a port must be a number.
    let port = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => {
            if host.is_empty() {
                return Err("is not a valid URL");
            }
            Some(port)
        }
        _ => None,
    };
    if let Some(port) = port {
        if port.parse::<u16>().is_err() {
            return Err("has an invalid port");
        }
    }
    Ok(())
}

fn headers(env: &mut Env<'_>) -> Vec<(String, String)> {
    // The signal variable replaces the generic one (it is not merged).
    let name = if env.get(TRACES_HEADERS).is_some() {
        TRACES_HEADERS
    } else {
        HEADERS
    };
    let Some(value) = env.get(name) else {
        return Vec::new();
    };
    let (pairs, mut bad) = key_values(&value);
    let mut headers = Vec::new();
    for (key, value) in pairs {
        if is_header_name(&key) && is_header_value(&value) {
            headers.push((key.to_ascii_lowercase(), value));
        } else {
            bad.push(format!("{key}={value}"));
        }
    }
    if !bad.is_empty() {
        let kept = headers
            .iter()
            .map(|(key, _)| key.as_str())
            .collect::<Vec<_>>();
        let fallback = if kept.is_empty() {
            "no headers".to_owned()
        } else {
            format!("only {}", kept.join(", "))
        };
        env.warn(Warning::new(
            name,
            &value,
            &format!("has malformed entries {}", bad.join(", ")),
            "comma-separated name=value pairs, values percent-encoded",
            &fallback,
        ));
    }
    headers
}

/// An HTTP token (RFC 9110): what a header name may be.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// Visible ASCII, spaces and tabs: what every HTTP stack and gRPC metadata accept.
fn is_header_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte == b'\t' || (b' '..=b'~').contains(&byte))
}

fn timeout(env: &mut Env<'_>) -> Duration {
    let generic = env.millis(TIMEOUT, DEFAULT_TIMEOUT);
    env.millis(TRACES_TIMEOUT, generic)
}

fn compression(env: &mut Env<'_>) -> Compression {
    let generic = match env.get(COMPRESSION) {
        Some(value) => Compression::parse(&value).unwrap_or_else(|| {
            env.invalid(COMPRESSION, &value, Compression::ACCEPTED, "none");
            Compression::None
        }),
        None => Compression::None,
    };
    match env.get(TRACES_COMPRESSION) {
        Some(value) => Compression::parse(&value).unwrap_or_else(|| {
            env.invalid(
                TRACES_COMPRESSION,
                &value,
                Compression::ACCEPTED,
                generic.name(),
            );
            generic
        }),
        None => generic,
    }
}
