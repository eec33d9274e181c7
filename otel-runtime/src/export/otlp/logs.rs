//! OTLP log export (feature `tracing`): opentelemetry-otlp's log exporter on the same
//! transports as spans (hyper or tonic on a runtime of its own, our TLS), behind the SDK's
//! batch log processor: records are queued by the thread that logs them (dropped when the
//! queue is full, never waited for) and exported on the processor's thread, batched as
//! `OTEL_BLRP_*` says.

use std::sync::Mutex;
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{BatchLogProcessor, LogBatch, LogExporter};
use opentelemetry_sdk::Resource;

use super::{grpc, http};
use crate::config::{OtlpConfig, Protocol};
use crate::recover::lock;
use crate::warn::WarnedCauses;

/// The batch log processor exporting to the collector `config` names.
pub(crate) fn log_processor(config: &OtlpConfig) -> Result<BatchLogProcessor, String> {
    let transport = match config.protocol {
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            LogTransport::Http(http::log_exporter(config, config.timeout)?)
        }
        Protocol::Grpc => LogTransport::Grpc(grpc::log_exporter(config, config.timeout)?),
    };
    let exporter = OtlpLogExporter {
        transport,
        name: format!(
            "OTLP logs export ({}) to {}",
            config.protocol, config.endpoint
        ),
        warned_causes: Mutex::default(),
    };
    // The SDK reads `OTEL_BLRP_*` for its batch settings.
    Ok(BatchLogProcessor::builder(exporter).build())
}

/// Exports log records over OTLP; a failure is reported on stderr once per cause.
#[derive(Debug)]
struct OtlpLogExporter {
    transport: LogTransport,
    /// What warnings call it.
    name: String,
    /// The failures reported already.
    warned_causes: Mutex<WarnedCauses>,
}

#[derive(Debug)]
// One per process; when a cargo feature leaves a transport out, its variant is empty.
#[allow(clippy::large_enum_variant)]
enum LogTransport {
    Http(http::LogExporter),
    Grpc(grpc::LogExporter),
}

impl LogExporter for OtlpLogExporter {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let result = match &self.transport {
            LogTransport::Http(exporter) => exporter.export(batch).await,
            LogTransport::Grpc(exporter) => exporter.export(batch).await,
        };
        if let Err(error) = &result {
            let cause = error.to_string();
            if lock(&self.warned_causes).first_time(&cause) {
                crate::warn::problem(format_args!(
                    "{} failed: {cause}; those log records are dropped",
                    self.name
                ));
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match &self.transport {
            LogTransport::Http(exporter) => exporter.shutdown_with_timeout(timeout),
            LogTransport::Grpc(exporter) => exporter.shutdown_with_timeout(timeout),
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        match &mut self.transport {
            LogTransport::Http(exporter) => exporter.set_resource(resource),
            LogTransport::Grpc(exporter) => exporter.set_resource(resource),
        }
    }
}
