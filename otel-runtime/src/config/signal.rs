//! The three OpenTelemetry signals and the names of the variables each one reads: every OTLP
//! setting has a signal variant (`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`) that wins over the
//! generic one (`OTEL_EXPORTER_OTLP_ENDPOINT`), and each signal has its exporter variable
//! (`OTEL_METRICS_EXPORTER`).

use std::fmt;

use super::otlp::{Protocol, GRPC_DEFAULT_ENDPOINT};

/// A kind of telemetry, exported on its own: its own exporter variable, OTLP variables and
/// OTLP/HTTP path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Spans (`OTEL_TRACES_EXPORTER`, `/v1/traces`).
    Traces,
    /// Metrics (`OTEL_METRICS_EXPORTER`, `/v1/metrics`).
    Metrics,
    /// Log records (`OTEL_LOGS_EXPORTER`, `/v1/logs`).
    Logs,
}

impl Signal {
    /// The signal's name as the specification writes it: `traces`, `metrics`, `logs`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Traces => "traces",
            Self::Metrics => "metrics",
            Self::Logs => "logs",
        }
    }

    /// The variable that names its exporters, e.g. `OTEL_METRICS_EXPORTER`.
    pub fn exporter_variable(self) -> &'static str {
        self.variables().exporter
    }

    /// The OTLP/HTTP path appended to the generic endpoint, e.g. `v1/metrics`.
    pub fn http_path(self) -> &'static str {
        match self {
            Self::Traces => "v1/traces",
            Self::Metrics => "v1/metrics",
            Self::Logs => "v1/logs",
        }
    }

    /// Where it is sent when no endpoint is configured: `http://localhost:4318/v1/{signal}`
    /// for the HTTP protocols, `http://localhost:4317` for gRPC.
    pub fn default_endpoint(self, protocol: Protocol) -> &'static str {
        match (protocol, self) {
            (Protocol::Grpc, _) => GRPC_DEFAULT_ENDPOINT,
            (_, Self::Traces) => "http://localhost:4318/v1/traces",
            (_, Self::Metrics) => "http://localhost:4318/v1/metrics",
            (_, Self::Logs) => "http://localhost:4318/v1/logs",
        }
    }

    pub(crate) fn variables(self) -> &'static SignalVariables {
        match self {
            Self::Traces => &TRACES,
            Self::Metrics => &METRICS,
            Self::Logs => &LOGS,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The names of one signal's variables (`&'static` so that warnings and [`super::PemFile`]
/// can name them).
#[derive(Debug)]
pub(crate) struct SignalVariables {
    pub(crate) exporter: &'static str,
    pub(crate) endpoint: &'static str,
    pub(crate) protocol: &'static str,
    pub(crate) headers: &'static str,
    pub(crate) timeout: &'static str,
    pub(crate) compression: &'static str,
    pub(crate) insecure: &'static str,
    pub(crate) certificate: &'static str,
    pub(crate) client_certificate: &'static str,
    pub(crate) client_key: &'static str,
}

macro_rules! signal_variables {
    ($signal:literal) => {
        SignalVariables {
            exporter: concat!("OTEL_", $signal, "_EXPORTER"),
            endpoint: concat!("OTEL_EXPORTER_OTLP_", $signal, "_ENDPOINT"),
            protocol: concat!("OTEL_EXPORTER_OTLP_", $signal, "_PROTOCOL"),
            headers: concat!("OTEL_EXPORTER_OTLP_", $signal, "_HEADERS"),
            timeout: concat!("OTEL_EXPORTER_OTLP_", $signal, "_TIMEOUT"),
            compression: concat!("OTEL_EXPORTER_OTLP_", $signal, "_COMPRESSION"),
            insecure: concat!("OTEL_EXPORTER_OTLP_", $signal, "_INSECURE"),
            certificate: concat!("OTEL_EXPORTER_OTLP_", $signal, "_CERTIFICATE"),
            client_certificate: concat!("OTEL_EXPORTER_OTLP_", $signal, "_CLIENT_CERTIFICATE"),
            client_key: concat!("OTEL_EXPORTER_OTLP_", $signal, "_CLIENT_KEY"),
        }
    };
}

static TRACES: SignalVariables = signal_variables!("TRACES");
static METRICS: SignalVariables = signal_variables!("METRICS");
static LOGS: SignalVariables = signal_variables!("LOGS");
