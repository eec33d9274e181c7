//! `OTEL_EXPORTER_OTLP_*`: where and how OTLP export goes, for one [`Signal`]. Each setting
//! reads its signal variable (`_TRACES_`, `_METRICS_`, `_LOGS_`) first, then the generic one,
//! then the specified default.
//!
//! The TLS variables only name files: reading and checking them is the exporter's job (this
//! module does no I/O), and a problem there is reported when export starts.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::env::{key_values, Env};
use super::signal::{Signal, SignalVariables};
use super::Warning;

/// The default OTLP traces endpoint for http/protobuf and http/json (see
/// [`Signal::default_endpoint`] for the other signals).
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
    /// The protobuf messages' JSON form over HTTP/1.1 `POST {endpoint}` (port 4318).
    HttpJson,
    /// gRPC (port 4317).
    Grpc,
}

impl Protocol {
    /// The values the protocol variables accept, for messages.
    pub const ACCEPTED: &'static str = "http/protobuf, http/json, grpc";

    /// Parses `http/protobuf`, `http/json` or `grpc` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" => Some(Self::HttpProtobuf),
            "http/json" => Some(Self::HttpJson),
            "grpc" => Some(Self::Grpc),
            _ => None,
        }
    }

    /// The name the specification uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::HttpProtobuf => "http/protobuf",
            Self::HttpJson => "http/json",
            Self::Grpc => "grpc",
        }
    }

    /// Whether it is sent over HTTP/1.1 to a URL that ends in the signal path (`/v1/traces`,
    /// `/v1/metrics`, `/v1/logs`).
    pub fn is_http(self) -> bool {
        matches!(self, Self::HttpProtobuf | Self::HttpJson)
    }

    /// Where spans go when no endpoint is configured ([`Signal::default_endpoint`] for any
    /// signal).
    pub fn default_endpoint(self) -> &'static str {
        Signal::Traces.default_endpoint(self)
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

/// A PEM file named by one of the TLS variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemFile {
    /// The variable that named it, e.g. `OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE`: warnings about
    /// the file name it.
    pub variable: &'static str,
    /// The path as given.
    pub path: PathBuf,
}

/// The client's certificate and private key, for collectors that require mutual TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdentity {
    /// `OTEL_EXPORTER_OTLP_[{signal}_]CLIENT_CERTIFICATE`: the certificate chain (PEM), leaf first.
    pub certificate: PemFile,
    /// `OTEL_EXPORTER_OTLP_[{signal}_]CLIENT_KEY`: its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PemFile,
}

/// TLS settings for an `https://` endpoint. Without any, the server's certificate is checked
/// against the Mozilla roots (webpki-roots) and the system's trusted certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OtlpTls {
    /// `OTEL_EXPORTER_OTLP_[{signal}_]CERTIFICATE`: the CA certificates (PEM) the server's
    /// certificate is checked against, *instead of* the default roots (as the other
    /// OpenTelemetry SDKs do: naming a CA pins the collector to it).
    pub certificate: Option<PemFile>,
    /// Both client variables, or `None` (one alone is ignored with a warning).
    pub client: Option<ClientIdentity>,
}

impl OtlpTls {
    /// Whether any TLS variable is in effect.
    pub fn is_empty(&self) -> bool {
        self.certificate.is_none() && self.client.is_none()
    }
}

/// Where and how one signal's OTLP export goes, resolved from the `OTEL_EXPORTER_OTLP_*`
/// variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The transport.
    pub protocol: Protocol,
    /// The full URL the signal is sent to: for http/protobuf and http/json including the
    /// signal's path (`/v1/traces`, `/v1/metrics`, `/v1/logs`). `https://` means TLS (for gRPC, so does an endpoint given without a
    /// scheme unless `OTEL_EXPORTER_OTLP_INSECURE=true`).
    pub endpoint: String,
    /// Extra request headers (gRPC metadata), e.g. an API key.
    pub headers: Vec<(String, String)>,
    /// How long one export may take, retries included, before it is given up.
    pub timeout: Duration,
    /// Payload compression.
    pub compression: Compression,
    /// Certificates for an `https://` endpoint (empty for an `http://` one: the variables are
    /// then ignored, with a warning).
    pub tls: OtlpTls,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            protocol: Protocol::HttpProtobuf,
            endpoint: HTTP_DEFAULT_ENDPOINT.to_owned(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            compression: Compression::None,
            tls: OtlpTls::default(),
        }
    }
}

const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
const HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
const TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
const COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
const INSECURE: &str = "OTEL_EXPORTER_OTLP_INSECURE";
const CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
const CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
const CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";

/// Whether this build can export to `https://` endpoints (cargo feature `otlp-tls`).
const TLS: bool = cfg!(feature = "otlp-tls");

fn url_accepted(protocol: Protocol) -> &'static str {
    match (TLS, protocol) {
        (true, Protocol::Grpc) => {
            "an http:// or https:// URL with a host, or host:port (https unless OTEL_EXPORTER_OTLP_INSECURE=true)"
        }
        (true, _) => "an http:// or https:// URL with a host, e.g. http://localhost:4318",
        (false, _) => {
            "an http:// URL with a host, e.g. http://localhost:4318 (this build has no TLS for OTLP)"
        }
    }
}

/// Reads every `OTEL_EXPORTER_OTLP_*` setting of `signal`.
pub(crate) fn otlp(env: &mut Env<'_>, signal: Signal) -> OtlpConfig {
    let variables = signal.variables();
    let protocol = protocol(env, variables);
    let insecure = insecure(env, variables, protocol);
    let endpoint = endpoint(env, signal, protocol, insecure);
    OtlpConfig {
        protocol,
        tls: tls(env, signal, &endpoint),
        endpoint,
        headers: headers(env, variables),
        timeout: timeout(env, variables),
        compression: compression(env, variables),
    }
}

fn protocol(env: &mut Env<'_>, variables: &SignalVariables) -> Protocol {
    let signal_protocol = variables.protocol;
    let generic = env.get(PROTOCOL).map(|value| {
        let parsed = Protocol::parse(&value);
        (value, parsed)
    });
    let generic_or_default = match &generic {
        Some((_, Some(protocol))) => *protocol,
        _ => Protocol::default(),
    };
    if let Some(value) = env.get(signal_protocol) {
        match Protocol::parse(&value) {
            Some(protocol) => {
                if let Some((value, None)) = &generic {
                    // Not used, but still wrong: say so.
                    env.invalid(PROTOCOL, value, Protocol::ACCEPTED, protocol.name());
                }
                return protocol;
            }
            None => env.invalid(
                signal_protocol,
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

/// `OTEL_EXPORTER_OTLP_[{signal}_]INSECURE`: whether a gRPC endpoint given without a scheme is
/// plaintext (`true`) or TLS (`false`, the default). The specification gives it no meaning for
/// the HTTP protocols or for an endpoint with a scheme, where it is ignored.
fn insecure(env: &mut Env<'_>, variables: &SignalVariables, protocol: Protocol) -> bool {
    let generic = env.boolean(INSECURE);
    let signal = env
        .get(variables.insecure)
        .is_some()
        .then(|| env.boolean(variables.insecure));
    protocol == Protocol::Grpc && signal.unwrap_or(generic)
}

fn endpoint(env: &mut Env<'_>, signal: Signal, protocol: Protocol, insecure: bool) -> String {
    let default = signal.default_endpoint(protocol);
    let generic = env.get(ENDPOINT).and_then(|value| {
        let url = with_scheme(&value, protocol, insecure);
        match check_url(&url) {
            // The generic endpoint is the collector's base URL: the signal path is appended.
            Ok(()) if protocol.is_http() => Some(append_signal_path(&url, signal)),
            Ok(()) => Some(url),
            Err(problem) => {
                env.warn(Warning::new(
                    ENDPOINT,
                    &without_userinfo(&value),
                    problem,
                    url_accepted(protocol),
                    default,
                ));
                None
            }
        }
    });
    let signal_endpoint = signal.variables().endpoint;
    if let Some(value) = env.get(signal_endpoint) {
        let url = with_scheme(&value, protocol, insecure);
        match check_url(&url) {
            // The signal endpoint is used as is.
            Ok(()) => return url,
            Err(problem) => {
                let fallback = generic.clone().unwrap_or_else(|| default.to_owned());
                env.warn(Warning::new(
                    signal_endpoint,
                    &without_userinfo(&value),
                    problem,
                    url_accepted(protocol),
                    &fallback,
                ));
            }
        }
    }
    generic.unwrap_or_else(|| default.to_owned())
}

/// `url` with any `user:password@` replaced, for messages: credentials are never printed.
pub(crate) fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}REDACTED@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// A gRPC endpoint without a scheme (`collector:4317`) gets `https://`, or `http://` when
/// `insecure`; anything else is returned trimmed, for [`check_url`] to judge.
fn with_scheme(value: &str, protocol: Protocol, insecure: bool) -> String {
    let value = value.trim();
    let has_scheme = value
        .split_once("://")
        .is_some_and(|(scheme, _)| !scheme.contains(['/', '?', '#', ':']));
    match (protocol, has_scheme, insecure) {
        (Protocol::Grpc, false, true) => format!("http://{value}"),
        (Protocol::Grpc, false, false) => format!("https://{value}"),
        _ => value.to_owned(),
    }
}

/// For traces, `http://host:4318` → `http://host:4318/v1/traces` and `http://host/base/` →
/// `http://host/base/v1/traces`; `/v1/metrics` and `/v1/logs` likewise.
pub(crate) fn append_signal_path(base: &str, signal: Signal) -> String {
    let base = base.trim();
    let path = signal.http_path();
    if base.ends_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// Whether `text` is a URL OTLP export can use; the problem otherwise.
pub(crate) fn check_url(text: &str) -> Result<(), &'static str> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("http://") {
        rest
    } else if let Some(rest) = lower.strip_prefix("https://") {
        if !TLS {
            return Err("is not supported by this build (https needs the cargo feature otlp-tls)");
        }
        rest
    } else if TLS {
        return Err("is not an http:// or https:// URL");
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

/// Whether `endpoint` (checked by [`check_url`]) uses TLS.
pub(crate) fn is_https(endpoint: &str) -> bool {
    endpoint
        .trim()
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// The TLS files, each from its signal variable or else the generic one. They are ignored for
/// an endpoint that does not use TLS, with a warning (for metrics and logs only about their own
/// variables: the generic ones may be meant for the signals sent over TLS), and the client
/// files are ignored unless both are given.
fn tls(env: &mut Env<'_>, signal: Signal, endpoint: &str) -> OtlpTls {
    let variables = signal.variables();
    let certificate = pem_file(env, variables.certificate, CERTIFICATE);
    let client_certificate = pem_file(env, variables.client_certificate, CLIENT_CERTIFICATE);
    let client_key = pem_file(env, variables.client_key, CLIENT_KEY);
    if !is_https(endpoint) {
        let generic = [CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY];
        for file in [&certificate, &client_certificate, &client_key]
            .into_iter()
            .flatten()
            .filter(|file| signal == Signal::Traces || !generic.contains(&file.variable))
        {
            env.warn(Warning::new(
                file.variable,
                &file.path.to_string_lossy(),
                &format!("is ignored: the OTLP endpoint {endpoint} does not use TLS"),
                "a PEM file, for an https:// endpoint",
                "no TLS",
            ));
        }
        return OtlpTls::default();
    }
    let client = match (client_certificate, client_key) {
        (Some(certificate), Some(key)) => Some(ClientIdentity { certificate, key }),
        (Some(alone), None) | (None, Some(alone)) => {
            let missing = if alone.variable.ends_with("_KEY") {
                CLIENT_CERTIFICATE
            } else {
                CLIENT_KEY
            };
            env.warn(Warning::new(
                alone.variable,
                &alone.path.to_string_lossy(),
                &format!("is ignored: {missing} is not set"),
                "a client certificate and its private key, both PEM files",
                "no client certificate",
            ));
            None
        }
        (None, None) => None,
    };
    OtlpTls {
        certificate,
        client,
    }
}

fn pem_file(env: &Env<'_>, signal: &'static str, generic: &'static str) -> Option<PemFile> {
    let (variable, value) = match env.get(signal) {
        Some(value) => (signal, value),
        None => (generic, env.get(generic)?),
    };
    Some(PemFile {
        variable,
        path: PathBuf::from(value.trim()),
    })
}

fn headers(env: &mut Env<'_>, variables: &SignalVariables) -> Vec<(String, String)> {
    // The signal variable replaces the generic one (it is not merged).
    let name = if env.get(variables.headers).is_some() {
        variables.headers
    } else {
        HEADERS
    };
    let Some(value) = env.get(name) else {
        return Vec::new();
    };
    let (pairs, unparsed) = key_values(&value);
    let mut headers = Vec::new();
    // Entries are named by position, and by header name when that is a valid one: values (API
    // keys, tokens) are never printed.
    let mut bad: Vec<String> = unparsed
        .iter()
        .map(|entry| {
            format!(
                "an entry that does not parse ({} characters)",
                entry.chars().count()
            )
        })
        .collect();
    for (position, (key, value)) in pairs.into_iter().enumerate() {
        if is_header_name(&key) && is_header_value(&value) {
            headers.push((key.to_ascii_lowercase(), value));
        } else if is_header_name(&key) {
            bad.push(format!("the value of {key} (entry {})", position + 1));
        } else {
            bad.push(format!("the name of entry {}", position + 1));
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
            "(not shown: it may hold credentials)",
            &format!("has malformed entries: {}", bad.join(", ")),
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

fn timeout(env: &mut Env<'_>, variables: &SignalVariables) -> Duration {
    let generic = env.millis(TIMEOUT, DEFAULT_TIMEOUT);
    env.millis(variables.timeout, generic)
}

fn compression(env: &mut Env<'_>, variables: &SignalVariables) -> Compression {
    let generic = match env.get(COMPRESSION) {
        Some(value) => Compression::parse(&value).unwrap_or_else(|| {
            env.invalid(COMPRESSION, &value, Compression::ACCEPTED, "none");
            Compression::None
        }),
        None => Compression::None,
    };
    match env.get(variables.compression) {
        Some(value) => Compression::parse(&value).unwrap_or_else(|| {
            env.invalid(
                variables.compression,
                &value,
                Compression::ACCEPTED,
                generic.name(),
            );
            generic
        }),
        None => generic,
    }
}
