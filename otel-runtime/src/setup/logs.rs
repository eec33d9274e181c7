//! The log exporters `OTEL_LOGS_EXPORTER` names (feature `tracing`): console lines on stderr and
//! OTLP log records, both fed by the `tracing` bridge ([`crate::tracing_layer`]).

use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::Resource;

use super::pipeline::supported_protocol;
use super::SetupError;
use crate::bridge;
use crate::config::{Config, ExporterKind, Signal};
use crate::export::otlp;

/// The logger provider of the OTLP log exporter, if `OTEL_LOGS_EXPORTER` names it: records are
/// batched by the SDK's batch log processor and exported on its thread, with the resource of
/// the spans.
pub(super) fn logger_provider(
    config: &Config,
    resource: &Resource,
) -> Result<Option<SdkLoggerProvider>, SetupError> {
    if !config.logs.exporters.contains(&ExporterKind::Otlp) {
        return Ok(None);
    }
    let otlp_config = supported_protocol(config.logs.otlp.clone(), Signal::Logs)?;
    let processor = otlp::log_processor(&otlp_config).map_err(SetupError)?;
    Ok(Some(
        SdkLoggerProvider::builder()
            .with_log_processor(processor)
            .with_resource(resource.clone())
            .build(),
    ))
}

/// The log exporters one setup installed, kept by its guard.
#[derive(Debug)]
pub(super) struct LogExporters {
    installation: u64,
    provider: Option<SdkLoggerProvider>,
}

/// Sends log records where `config` says (the console, `provider`), and installs the global
/// `tracing` subscriber that feeds them unless the application has one.
pub(super) fn install(config: &Config, provider: Option<SdkLoggerProvider>) -> LogExporters {
    let console = config.logs.exporters.contains(&ExporterKind::Console);
    let installation = bridge::logs::install(console, provider.as_ref());
    bridge::install_default_subscriber();
    LogExporters {
        installation,
        provider,
    }
}

/// Sends log records nowhere (`OTEL_SDK_DISABLED=true`).
pub(super) fn install_none() {
    bridge::logs::install(false, None);
}

impl LogExporters {
    /// Exports the log records queued so far.
    pub(super) fn force_flush(&self) -> OTelSdkResult {
        self.provider
            .as_ref()
            .map_or(Ok(()), SdkLoggerProvider::force_flush)
    }

    /// Stops sending log records (unless a newer setup took over) and flushes and shuts the
    /// OTLP exporter down, waiting at most `timeout`.
    pub(super) fn shutdown(self, timeout: Duration) -> OTelSdkResult {
        bridge::logs::uninstall(self.installation);
        self.provider
            .map_or(Ok(()), |provider| provider.shutdown_with_timeout(timeout))
    }
}
