//! The exporters the configuration names, each behind its span processor.

use std::io::Write;
use std::time::Duration;

use opentelemetry_sdk::trace::{SpanExporter, TracerProviderBuilder};

use super::SetupError;
use super::DEFAULT_SHUTDOWN_TIMEOUT;
use crate::config::{BatchSettings, Config, ExporterKind, OtlpConfig, Protocol, Signal, Warning};
use crate::export::batch::{BatchProcessor, StatsHandle};
use crate::export::console::ConsoleExporter;
use crate::export::on_end::ExportOnEnd;
use crate::export::otlp;
use crate::export::value_limit::{self, ValueLengthLimit};
use crate::warn;

/// Added to the OTLP export timeout at shutdown, for the processor to hand the result back.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(2);
/// The longest an ended span waits before the console prints it.
const CONSOLE_DELAY: Duration = Duration::from_millis(100);

/// A provider with its exporters added, and what the guard needs to shut them down.
pub(super) struct Pipeline {
    pub(super) provider: TracerProviderBuilder,
    /// How long shutdown may wait for the slowest exporter.
    pub(super) shutdown_timeout: Duration,
    /// The export counts of the batch processors.
    pub(super) stats: Vec<StatsHandle>,
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, applied by every processor.
    value_limit: ValueLengthLimit,
}

impl Pipeline {
    /// Adds to `provider` every exporter `config` names; the console writes to
    /// `console_writer` (standard output if none).
    pub(super) fn build(
        provider: TracerProviderBuilder,
        config: &Config,
        mut console_writer: Option<Box<dyn Write + Send>>,
    ) -> Result<Self, SetupError> {
        let mut pipeline = Self {
            provider,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            stats: Vec::new(),
            value_limit: ValueLengthLimit(config.attribute_value_length_limit),
        };
        value_limit::set_request_value_limit(config.attribute_value_length_limit);
        for kind in &config.exporters {
            match kind {
                ExporterKind::Console => pipeline.add_console(config, console_writer.take())?,
                ExporterKind::Otlp => pipeline.add_otlp(config)?,
                ExporterKind::None => {}
            }
        }
        Ok(pipeline)
    }

    /// The console, behind a batch processor of its own: spans are formatted and written on
    /// its worker thread, never on the thread that ends them, so a console nobody reads (a full
    /// pipe) drops and counts spans instead of stalling the application.
    fn add_console(
        &mut self,
        config: &Config,
        writer: Option<Box<dyn Write + Send>>,
    ) -> Result<(), SetupError> {
        let exporter = match writer {
            Some(writer) => ConsoleExporter::to_writer(writer),
            None => ConsoleExporter::stdout(),
        };
        let format = config.console_format.unwrap_or_default();
        let settings = BatchSettings {
            schedule_delay: CONSOLE_DELAY.min(config.batch.schedule_delay),
            ..config.batch
        };
        self.add_batched(exporter.with_format(format), settings, "console output")
    }

    /// Adds `exporter` fed on the thread that ends each span.
    pub(super) fn add_synchronous<E: SpanExporter + 'static>(&mut self, exporter: E) {
        let provider = std::mem::take(&mut self.provider);
        self.provider = provider.with_span_processor(ExportOnEnd::new(exporter, self.value_limit));
    }

    /// Adds `exporter` behind a batch processor named `name` (in its warnings) with `settings`.
    pub(super) fn add_batched<E: SpanExporter + 'static>(
        &mut self,
        exporter: E,
        settings: BatchSettings,
        name: &str,
    ) -> Result<(), SetupError> {
        let processor = BatchProcessor::builder(exporter)
            .with_settings(settings)
            .with_name(name)
            .with_value_length_limit(self.value_limit.0)
            .build()
            .map_err(|error| {
                SetupError(format!("{name}: cannot start its worker thread: {error}"))
            })?;
        self.stats.push(processor.stats_reader());
        let provider = std::mem::take(&mut self.provider);
        self.provider = provider.with_span_processor(processor);
        Ok(())
    }

    fn add_otlp(&mut self, config: &Config) -> Result<(), SetupError> {
        let otlp_config = supported_protocol(config.otlp.clone(), Signal::Traces)?;
        let processor = otlp::batch_processor(&otlp_config, &config.batch, self.value_limit)
            .map_err(SetupError)?;
        self.stats.push(processor.stats_reader());
        let provider = std::mem::take(&mut self.provider);
        self.provider = provider.with_span_processor(processor);
        self.shutdown_timeout = self
            .shutdown_timeout
            .max(otlp::export_timeout(&otlp_config, &config.batch) + SHUTDOWN_MARGIN);
        Ok(())
    }
}

/// `config` (of `signal`) with a protocol this build supports: the other one (with a warning,
/// and its default endpoint if the endpoint was the default) when the configured one was left
/// out at build time.
pub(super) fn supported_protocol(
    mut config: OtlpConfig,
    signal: Signal,
) -> Result<OtlpConfig, SetupError> {
    if otlp::supports(config.protocol) {
        return Ok(config);
    }
    let other = match config.protocol {
        Protocol::HttpProtobuf | Protocol::HttpJson => Protocol::Grpc,
        Protocol::Grpc => Protocol::HttpProtobuf,
    };
    if !otlp::supports(other) {
        return Err(SetupError(format!(
            "{}=otlp, but otel-runtime was built without its `otlp-http` and `otlp-grpc` features",
            signal.exporter_variable()
        )));
    }
    warn::report(&Warning::new(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        config.protocol.name(),
        "is not supported by this build (cargo features otlp-http, otlp-grpc)",
        other.name(),
        other.name(),
    ));
    if config.endpoint == signal.default_endpoint(config.protocol) {
        signal
            .default_endpoint(other)
            .clone_into(&mut config.endpoint);
    }
    config.protocol = other;
    Ok(config)
}
