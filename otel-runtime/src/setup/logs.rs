//! The log exporters `OTEL_LOGS_EXPORTER` names (feature `tracing`): console lines on stderr and
//! OTLP log records, both fed by the `tracing` bridge ([`crate::tracing_layer`]).

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

/// Sends log records where `config` says (the console, `provider`), and installs the global
/// `tracing` subscriber that feeds them unless the application has one.
pub(super) fn install(config: &Config, provider: Option<&SdkLoggerProvider>) {
    bridge::logs::set_console(config.logs.exporters.contains(&ExporterKind::Console));
    bridge::logs::set_provider(provider);
    bridge::install_default_subscriber();
}

/// Stops sending log records anywhere (`OTEL_SDK_DISABLED=true`, or the guard dropped).
pub(super) fn uninstall() {
    bridge::logs::set_console(false);
    bridge::logs::set_provider(None);
}
