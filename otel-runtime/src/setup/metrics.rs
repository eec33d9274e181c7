//! The meter provider [`Builder::install`](super::Builder::install) sets up next to the tracer
//! provider: one periodic reader per exporter `OTEL_METRICS_EXPORTER` names, the HTTP
//! instruments recording to it, and the span export counts observed by it.

use std::io::Write;

use opentelemetry::global;
use opentelemetry::metrics::noop::NoopMeterProvider;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::Resource;

use super::pipeline::supported_protocol;
use super::SetupError;
use crate::config::{Config, ExporterKind, Signal};
use crate::export::batch::StatsHandle;
use crate::export::metrics::console::ConsoleMetricExporter;
use crate::export::metrics::span_stats;
use crate::export::otlp;

/// The meter provider for `config`, or `None` when no exporter is configured for metrics
/// (`OTEL_METRICS_EXPORTER=none`) or the `disabled` cargo feature is on.
/// The console summary goes to `console_writer` (standard output if none).
pub(super) fn meter_provider(
    config: &Config,
    resource: Resource,
    stats: &[StatsHandle],
    mut console_writer: Option<Box<dyn Write + Send>>,
) -> Result<Option<SdkMeterProvider>, SetupError> {
    if cfg!(feature = "disabled") {
        return Ok(None);
    }
    let settings = config.metric_export;
    let mut builder = SdkMeterProvider::builder().with_resource(resource);
    let mut readers = 0;
    for kind in &config.metrics.exporters {
        match kind {
            ExporterKind::Console => {
                let exporter = match console_writer.take() {
                    Some(writer) => ConsoleMetricExporter::to_writer(settings.interval_set, writer),
                    None => ConsoleMetricExporter::stdout(settings.interval_set),
                };
                builder = builder.with_reader(
                    PeriodicReader::builder(exporter)
                        .with_interval(settings.interval)
                        .build(),
                );
            }
            ExporterKind::Otlp => {
                let otlp_config = supported_protocol(config.metrics.otlp.clone(), Signal::Metrics)?;
                let timeout = otlp_config.timeout.min(settings.timeout);
                let exporter = otlp::metric_exporter(&otlp_config, timeout, settings.temporality)
                    .map_err(SetupError)?;
                builder = builder.with_reader(
                    PeriodicReader::builder(exporter)
                        .with_interval(settings.interval)
                        .build(),
                );
            }
            ExporterKind::None => continue,
        }
        readers += 1;
    }
    if readers == 0 {
        return Ok(None);
    }
    let provider = builder.build();
    span_stats::register(&provider, stats);
    Ok(Some(provider))
}

/// Makes `provider` the global meter provider and the one the HTTP glue records to (`None`:
/// the no-op provider, and nothing recorded).
pub(crate) fn install_meter_provider(provider: Option<SdkMeterProvider>) {
    match &provider {
        Some(provider) => global::set_meter_provider(provider.clone()),
        None => global::set_meter_provider(NoopMeterProvider::new()),
    }
    crate::instrument::meter_provider_installed(provider);
}

/// Installs `provider` as the global meter provider, so the HTTP metrics of the server and
/// client glue (and any instrument made from [`opentelemetry::global::meter`]) go to it.
///
/// [`crate::init`] and [`crate::Builder::install`] do this for you (with the exporter
/// `OTEL_METRICS_EXPORTER` names); the guard they return flushes and shuts it down.
pub fn set_meter_provider(provider: SdkMeterProvider) {
    install_meter_provider(Some(provider));
}
