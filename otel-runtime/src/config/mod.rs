//! Settings from the standard `OTEL_*` environment variables, resolved and checked.
//!
//! [`crate::Builder::install`] reads them for you; this module is public so that a program (or a
//! test) can see what a given environment means without installing anything:
//!
//! ```
//! use otel_runtime::config::{Config, ExporterKind, Protocol};
//!
//! let env = [
//!     ("OTEL_TRACES_EXPORTER", "otlp"),
//!     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
//!     ("OTEL_TRACES_SAMPLER", "sometimes"),
//! ];
//! let config = Config::from_lookup(|name| {
//!     env.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
//! });
//! assert_eq!(config.exporters, vec![ExporterKind::Otlp]);
//! assert_eq!(config.otlp.protocol, Protocol::HttpProtobuf);
//! assert_eq!(config.otlp.endpoint, "http://127.0.0.1:4318/v1/traces");
//! assert_eq!(config.warnings[0].setting, "OTEL_TRACES_SAMPLER");
//! ```
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `OTEL_SDK_DISABLED` | `true`: no spans are recorded (context still propagates) | `false` |
//! | `OTEL_SERVICE_NAME` | `service.name` | the name given in code, else `unknown_service:{exe}` |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,...` (values percent-encoded) added to the resource | none |
//! | `OTEL_TRACES_EXPORTER` | `console`, `otlp`, `none`, comma-separated | the builder's default (`console` in [`crate::init`]) |
//! | `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER` | the same, for metrics and logs | the same default |
//! | `OTEL_RUST_CONSOLE_FORMAT` | `line`, `tree`, `json` | `line` |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]PROTOCOL` | `http/protobuf`, `http/json`, `grpc` | `http/protobuf` |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | collector base URL (`http://` or `https://`); `/v1/traces`, `/v1/metrics`, `/v1/logs` is appended for http | `http://localhost:4318` (http), `http://localhost:4317` (grpc) |
//! | `OTEL_EXPORTER_OTLP_{signal}_ENDPOINT` | full URL, used as is | |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]INSECURE` | `true`: a gRPC endpoint without scheme is plaintext | `false` (TLS) |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]CERTIFICATE` | PEM file of the CA(s) trusted for an `https://` endpoint, instead of the default roots | Mozilla (webpki) and system roots |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]CLIENT_CERTIFICATE`, `..._CLIENT_KEY` | PEM files of the client's certificate chain and key (mutual TLS) | none |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]HEADERS` | `name=value,...` request headers / gRPC metadata | none |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]TIMEOUT` | ms one export may take, retries included | `10000` |
//! | `OTEL_EXPORTER_OTLP_[{signal}_]COMPRESSION` | `gzip`, `none` | `none` |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | see [`SamplerConfig`] | `parentbased_always_on` |
//! | `OTEL_PROPAGATORS` | `tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`, `none` | `tracecontext,baggage` |
//! | `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT` | ms between metric exports, ms one may take | `60000`, `30000` |
//! | `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` | `cumulative`, `delta`, `lowmemory` | `cumulative` |
//! | `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | see [`BatchSettings`] | 5000, 30000, 2048, 512 |
//! | `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`, `OTEL_SPAN_LINK_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT` | span limits | 128 each |
//!
//! `{signal}` is `TRACES`, `METRICS` or `LOGS`: a signal variable wins over the generic one
//! (for headers it replaces the generic list, it is not merged).
//!
//! An empty variable counts as unset. An invalid value never stops the program: it yields a
//! [`Warning`] (printed once per variable on stderr by `install`) naming the variable, the value,
//! what is accepted and what is used instead.

mod batch;
pub(crate) mod env;
mod exporters;
mod help;
mod limits;
mod metrics;
mod otlp;
mod propagators;
pub(crate) mod resource;
mod sampler;
mod signal;
#[cfg(test)]
mod tests;

use opentelemetry_sdk::trace::SpanLimits;

pub use crate::warn::Warning;
pub use batch::BatchSettings;
pub use exporters::{ConsoleFormat, ExporterKind};
pub use help::ENVIRONMENT_HELP;
pub use metrics::MetricExportSettings;
pub use otlp::{
    ClientIdentity, Compression, OtlpConfig, OtlpTls, PemFile, Protocol, DEFAULT_TIMEOUT,
    GRPC_DEFAULT_ENDPOINT, HTTP_DEFAULT_ENDPOINT,
};
pub use propagators::PropagatorKind;
pub use sampler::SamplerConfig;
pub use signal::Signal;

pub(crate) use otlp::check_url;
#[cfg_attr(
    not(all(
        feature = "otlp-tls",
        any(feature = "otlp-http", feature = "otlp-grpc")
    )),
    allow(unused_imports)
)]
pub(crate) use otlp::is_https;

use env::Env;

/// Everything the environment says, resolved: defaults applied, invalid values replaced.
#[derive(Clone, Debug)]
pub struct Config {
    /// `OTEL_SDK_DISABLED`.
    pub disabled: bool,
    /// `OTEL_SERVICE_NAME`, if set.
    pub service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, decoded.
    pub resource_attributes: Vec<(String, String)>,
    /// `OTEL_TRACES_EXPORTER` (with [`Config::from_lookup`], `otlp` when unset, as specified;
    /// with [`crate::init`], `console` when unset unless an OTLP endpoint variable is set).
    pub exporters: Vec<ExporterKind>,
    /// The OTLP endpoint variable that chose OTLP because `OTEL_TRACES_EXPORTER` is unset.
    pub otlp_chosen_by: Option<&'static str>,
    /// `OTEL_RUST_CONSOLE_FORMAT`, if set.
    pub console_format: Option<ConsoleFormat>,
    /// `OTEL_EXPORTER_OTLP_*`.
    pub otlp: OtlpConfig,
    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`.
    pub sampler: SamplerConfig,
    /// `OTEL_PROPAGATORS` (empty for `none`).
    pub propagators: Vec<PropagatorKind>,
    /// `OTEL_METRICS_EXPORTER` and the `OTEL_EXPORTER_OTLP_[METRICS_]*` settings.
    pub metrics: SignalConfig,
    /// `OTEL_LOGS_EXPORTER` and the `OTEL_EXPORTER_OTLP_[LOGS_]*` settings.
    pub logs: SignalConfig,
    /// `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT` and
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    pub metric_export: MetricExportSettings,
    /// `OTEL_BSP_*`.
    pub batch: BatchSettings,
    /// The span limit variables.
    pub span_limits: SpanLimits,
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` / `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: the longest
    /// string attribute value in characters, if set.
    pub attribute_value_length_limit: Option<usize>,
    /// What was invalid, in the order read (a generic variable read for several signals is
    /// reported once).
    pub warnings: Vec<Warning>,
}

/// Where one signal other than traces goes: its exporter variable and OTLP settings (for
/// traces these are [`Config::exporters`], [`Config::otlp_chosen_by`] and [`Config::otlp`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalConfig {
    /// `OTEL_{signal}_EXPORTER`, with the same default as `OTEL_TRACES_EXPORTER`: the code's
    /// default (`console` in [`crate::init`], `otlp` with [`Config::from_lookup`]), or `otlp`
    /// when that default is the console and an OTLP endpoint variable for the signal is set.
    pub exporters: Vec<ExporterKind>,
    /// The OTLP endpoint variable that chose OTLP because `OTEL_{signal}_EXPORTER` is unset.
    pub otlp_chosen_by: Option<&'static str>,
    /// `OTEL_EXPORTER_OTLP_[{signal}_]*`.
    pub otlp: OtlpConfig,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(env::process_var)
    }

    /// Reads variables through `lookup` (a name → value function), so nothing global is touched.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self::resolve(&lookup, &[ExporterKind::Otlp])
    }

    /// As [`Config::from_lookup`], with `default_exporters` used when an exporter variable
    /// (`OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER`) is unset or names
    /// nothing valid.
    pub(crate) fn resolve(
        lookup: &dyn Fn(&str) -> Option<String>,
        default_exporters: &[ExporterKind],
    ) -> Self {
        let mut env = Env::new(lookup);
        let disabled = env.boolean("OTEL_SDK_DISABLED");
        let service_name = resource::service_name(&mut env);
        let resource_attributes = resource::resource_attributes(&mut env);
        let exporters = exporters::exporters(&mut env, Signal::Traces, default_exporters);
        let otlp_chosen_by =
            exporters::otlp_chosen_by(&env, Signal::Traces, default_exporters, &exporters);
        let console_format = exporters::console_format(&mut env);
        let otlp = otlp::otlp(&mut env, Signal::Traces);
        let sampler = sampler::sampler(&mut env);
        let propagators = propagators::propagators(&mut env);
        let batch = batch::batch(&mut env);
        let span_limits = limits::span_limits(&mut env);
        let attribute_value_length_limit = limits::value_length_limit(&mut env);
        let metrics = signal_config(&mut env, Signal::Metrics, default_exporters);
        let logs = signal_config(&mut env, Signal::Logs, default_exporters);
        let metric_export = metrics::metric_export(&mut env);
        Self {
            disabled,
            service_name,
            resource_attributes,
            exporters,
            otlp_chosen_by,
            console_format,
            otlp,
            sampler,
            propagators,
            metrics,
            logs,
            metric_export,
            batch,
            span_limits,
            attribute_value_length_limit,
            warnings: once_per_value(env.warnings),
        }
    }
}

fn signal_config(env: &mut Env<'_>, signal: Signal, default: &[ExporterKind]) -> SignalConfig {
    let exporters = exporters::exporters(env, signal, default);
    SignalConfig {
        otlp_chosen_by: exporters::otlp_chosen_by(env, signal, default, &exporters),
        exporters,
        otlp: otlp::otlp(env, signal),
    }
}

/// `warnings` without repeats: a generic variable read for several signals
/// (`OTEL_EXPORTER_OTLP_ENDPOINT` for traces, then metrics) is reported the first time only.
fn once_per_value(warnings: Vec<Warning>) -> Vec<Warning> {
    let mut kept: Vec<Warning> = Vec::with_capacity(warnings.len());
    for warning in warnings {
        let repeated = kept
            .iter()
            .any(|seen| seen.setting == warning.setting && seen.value == warning.value);
        if !repeated {
            kept.push(warning);
        }
    }
    kept
}
