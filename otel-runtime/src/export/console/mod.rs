//! A span exporter that prints spans on the console in one of three forms ([`ConsoleFormat`]):
//! one line per ended span in the shape of the OpenTelemetry Python SDK's `ConsoleSpanExporter`
//! output used by its "HTTP Integration Example" (the default), a trace tree, or JSON lines.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

mod format;
mod json;
mod line;
mod tree;

pub use json::SpanJson;
pub use line::SpanLine;
pub use tree::TraceTree;

use crate::config::ConsoleFormat;
use crate::recover::lock;
use tree::TraceBuffer;

pub(crate) use format::kind_name;
#[cfg(feature = "tracing")]
pub(crate) use format::timestamp;

type Output = Arc<Mutex<Box<dyn Write + Send>>>;

/// Prints spans on standard output (or any writer) as they end.
///
/// In the default [`ConsoleFormat::Line`] each span is one line,
/// `Span(name="GET /", context=SpanContext(trace_id=0x…, span_id=0x…, trace_state={}), kind=SpanKind.SERVER, parent=…, start_time=…, end_time=…)`;
/// [`ConsoleFormat::Tree`] waits for the local root of a trace and draws the trace as a waterfall
/// ([`TraceTree`]); [`ConsoleFormat::Json`] prints one JSON object per span ([`SpanJson`]).
///
/// ```
/// use otel_runtime::ConsoleExporter;
/// use otel_runtime::config::ConsoleFormat;
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(ConsoleExporter::stdout().with_format(ConsoleFormat::Json))
///     .build();
/// # drop(provider);
/// ```
///
/// The tree form prints a trace when its local root ends, and what is still waiting on
/// [`SpanExporter::force_flush`] and [`SpanExporter::shutdown`]; `opentelemetry_sdk`'s
/// `SimpleSpanProcessor` does not forward `force_flush`, the processor [`crate::builder`]
/// installs does.
#[derive(Clone)]
pub struct ConsoleExporter {
    output: Output,
    format: ConsoleFormat,
    waiting: Arc<Mutex<TraceBuffer>>,
    resource: Option<Resource>,
}

impl fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleExporter")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl ConsoleExporter {
    /// An exporter that writes to standard output, one line per span.
    pub fn stdout() -> Self {
        Self::to_writer(std::io::stdout())
    }

    /// An exporter that writes to `writer` (a file, a buffer in a test, ...), one line per span.
    pub fn to_writer(writer: impl Write + Send + 'static) -> Self {
        Self {
            output: Arc::new(Mutex::new(Box::new(writer))),
            format: ConsoleFormat::Line,
            waiting: Arc::default(),
            resource: None,
        }
    }

    /// The same exporter printing in `format`.
    pub fn with_format(mut self, format: ConsoleFormat) -> Self {
        self.format = format;
        self
    }

    /// The format it prints in.
    pub fn format(&self) -> ConsoleFormat {
        self.format
    }

    fn service_name(&self) -> Option<String> {
        self.resource
            .as_ref()
            .and_then(|resource| resource.get(&"service.name".into()))
            .map(|value| value.to_string())
    }

    fn render_groups(&self, groups: Vec<Vec<SpanData>>) -> String {
        let service = self.service_name();
        let mut text = String::new();
        for group in groups {
            // Writing into a String cannot fail.
            let _ = writeln!(
                text,
                "{}",
                TraceTree::new(&group).with_service(service.as_deref())
            );
        }
        text
    }

    fn write(&self, text: &str) -> OTelSdkResult {
        if text.is_empty() {
            return Ok(());
        }
        let mut output = self
            .output
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("console output lock poisoned".into()))?;
        output
            .write_all(text.as_bytes())
            .and_then(|()| output.flush())
            .map_err(|error| {
                OTelSdkError::InternalFailure(format!("console write failed: {error}"))
            })
    }

    fn waiting(&self) -> MutexGuard<'_, TraceBuffer> {
        // The buffer stays consistent if a panic interrupted a holder: keep using it.
        lock(&self.waiting)
    }

    fn flush_waiting(&self) -> OTelSdkResult {
        if self.format != ConsoleFormat::Tree {
            return Ok(());
        }
        let groups = self.waiting().drain();
        self.write(&self.render_groups(groups))
    }
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut text = String::new();
        match self.format {
            ConsoleFormat::Line => {
                for span in &batch {
                    // Writing into a String cannot fail.
                    let _ = writeln!(text, "{}", SpanLine(span));
                }
            }
            ConsoleFormat::Json => {
                for span in &batch {
                    let _ = writeln!(text, "{}", SpanJson::new(span, self.resource.as_ref()));
                }
            }
            ConsoleFormat::Tree => {
                let groups: Vec<Vec<SpanData>> = {
                    let mut waiting = self.waiting();
                    batch
                        .into_iter()
                        .flat_map(|span| waiting.push(span))
                        .collect()
                };
                text = self.render_groups(groups);
            }
        }
        self.write(&text)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.flush_waiting()
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.flush_waiting()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = Some(resource.clone());
    }
}
