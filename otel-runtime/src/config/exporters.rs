//! `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER` and the console format
//! (`OTEL_RUST_CONSOLE_FORMAT`).

use std::fmt;

use super::env::{list, Env};
use super::signal::Signal;
use super::Warning;

/// Where a signal goes, as named by `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER` or
/// `OTEL_LOGS_EXPORTER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExporterKind {
    /// Standard output: each span as it ends, in the [`ConsoleFormat`] chosen
    /// ([`ConsoleExporter`](crate::ConsoleExporter)).
    Console,
    /// OTLP to a collector, in batches ([`OtlpConfig`](super::OtlpConfig) says where and how).
    Otlp,
    /// Nowhere: spans are created (and propagated) but not exported; nothing is recorded for
    /// the other signals.
    None,
}

impl ExporterKind {
    /// The values the exporter variables accept, for messages.
    pub const ACCEPTED: &'static str = "console, otlp, none (comma-separated)";

    /// Parses one item of an exporter variable (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "console" => Some(Self::Console),
            "otlp" => Some(Self::Otlp),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The name the exporter variables use for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Otlp => "otlp",
            Self::None => "none",
        }
    }
}

impl fmt::Display for ExporterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the console exporter prints spans (`OTEL_RUST_CONSOLE_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConsoleFormat {
    /// One line per span as it ends, in the shape of the OpenTelemetry Python SDK's console
    /// exporter (the default).
    #[default]
    Line,
    /// The spans of a trace grouped once its local root ends, drawn as an indented waterfall
    /// with durations and bars.
    Tree,
    /// One JSON object per span and line, for tools (`jq`, log shippers).
    Json,
}

impl ConsoleFormat {
    /// The values `OTEL_RUST_CONSOLE_FORMAT` accepts, for messages.
    pub const ACCEPTED: &'static str = "line, tree, json";

    /// Parses a format name (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "line" => Some(Self::Line),
            "tree" => Some(Self::Tree),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The name `OTEL_RUST_CONSOLE_FORMAT` uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Line => "line",
            Self::Tree => "tree",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for ConsoleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `OTEL_{signal}_EXPORTER`, or `default` when unset or when no item is valid. Unknown items
/// are dropped with a warning; `none` combined with real exporters is dropped too.
pub(crate) fn exporters(
    env: &mut Env<'_>,
    signal: Signal,
    default: &[ExporterKind],
) -> Vec<ExporterKind> {
    let name = signal.exporter_variable();
    let Some(value) = env.get(name) else {
        // An endpoint alone means OTLP (how deployments configure SDKs), unless the code chose
        // a default other than the console.
        if default == [ExporterKind::Console] && endpoint_variable(env, signal).is_some() {
            return vec![ExporterKind::Otlp];
        }
        return default.to_vec();
    };
    let mut kinds = Vec::new();
    let mut unknown = Vec::new();
    for item in list(&value) {
        match ExporterKind::parse(item) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => unknown.push(item),
        }
    }
    let mixed_none = kinds.len() > 1 && kinds.contains(&ExporterKind::None);
    if mixed_none {
        kinds.retain(|kind| *kind != ExporterKind::None);
    }
    if kinds.is_empty() {
        env.invalid(name, &value, ExporterKind::ACCEPTED, &names(default));
        return default.to_vec();
    }
    if !unknown.is_empty() || mixed_none {
        let used = names(&kinds);
        let problem = if unknown.is_empty() {
            "combines none with exporters".to_owned()
        } else {
            format!("names unknown exporters {}", unknown.join(", "))
        };
        env.warn(Warning::new(
            name,
            &value,
            &problem,
            ExporterKind::ACCEPTED,
            &used,
        ));
    }
    kinds
}

/// The OTLP endpoint variable of `signal` that is set, if any (the signal's own, e.g.
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, first).
pub(crate) fn endpoint_variable(env: &Env<'_>, signal: Signal) -> Option<&'static str> {
    [signal.variables().endpoint, "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .into_iter()
        .find(|name| env.get(name).is_some())
}

/// The endpoint variable that chose OTLP for `signal` because its exporter variable is unset
/// and the code's default is not OTLP.
pub(crate) fn otlp_chosen_by(
    env: &Env<'_>,
    signal: Signal,
    default: &[ExporterKind],
    exporters: &[ExporterKind],
) -> Option<&'static str> {
    (env.get(signal.exporter_variable()).is_none()
        && !default.contains(&ExporterKind::Otlp)
        && exporters == [ExporterKind::Otlp])
    .then(|| endpoint_variable(env, signal))
    .flatten()
}

/// `console,otlp` for messages.
pub(crate) fn names(kinds: &[ExporterKind]) -> String {
    kinds
        .iter()
        .map(|kind| kind.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// `OTEL_RUST_CONSOLE_FORMAT`, or `None` when unset.
pub(crate) fn console_format(env: &mut Env<'_>) -> Option<ConsoleFormat> {
    const NAME: &str = "OTEL_RUST_CONSOLE_FORMAT";
    let value = env.get(NAME)?;
    match ConsoleFormat::parse(&value) {
        Some(format) => Some(format),
        None => {
            env.invalid(NAME, &value, ConsoleFormat::ACCEPTED, "line");
            Some(ConsoleFormat::Line)
        }
    }
}
