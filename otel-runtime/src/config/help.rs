//! The `OTEL_*` variables the runtime honours, one line each with its default, for a program's
//! `--help` (the README's settings table says the same at length).

/// The environment variables read by [`crate::init`] and [`crate::builder`], one line each with
/// the default; ready for clap's `after_help`.
///
/// ```
/// assert!(otel_runtime::config::ENVIRONMENT_HELP.contains("OTEL_TRACES_EXPORTER"));
/// ```
pub const ENVIRONMENT_HELP: &str = "\
Environment (OpenTelemetry SDK variables; an invalid value warns once and its default is used):
  OTEL_SDK_DISABLED                       true records nothing [false]
  OTEL_SERVICE_NAME                       service.name [the program's own]
  OTEL_RESOURCE_ATTRIBUTES                key=value,... [none]
  OTEL_TRACES_EXPORTER                    console, otlp, none [console; otlp if an endpoint is set]
  OTEL_METRICS_EXPORTER                   console, otlp, none [as OTEL_TRACES_EXPORTER]
  OTEL_METRIC_EXPORT_INTERVAL             ms between metric exports [60000; console: at exit]
  OTEL_METRIC_EXPORT_TIMEOUT              ms per metric export [30000]
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE  cumulative, delta, lowmemory [cumulative]
  OTEL_LOGS_EXPORTER                      console (stderr), otlp, none [as OTEL_TRACES_EXPORTER]
  RUST_LOG                                tracing/log filter, e.g. warn,my_crate=debug [info]
  OTEL_RUST_CONSOLE_FORMAT                line, tree, json [line]
  OTEL_EXPORTER_OTLP_PROTOCOL             http/protobuf, http/json, grpc [http/protobuf]
  OTEL_EXPORTER_OTLP_ENDPOINT             http(s)://host:port [http://localhost:4318, :4317 for grpc]
  OTEL_EXPORTER_OTLP_HEADERS              name=value,... [none]
  OTEL_EXPORTER_OTLP_TIMEOUT              ms per export [10000]
  OTEL_EXPORTER_OTLP_COMPRESSION          gzip, none [none]
  OTEL_EXPORTER_OTLP_CERTIFICATE          CA PEM file, trusted alone [Mozilla + system roots]
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE   client certificate PEM file [none]
  OTEL_EXPORTER_OTLP_CLIENT_KEY           client key PEM file [none]
  OTEL_EXPORTER_OTLP_INSECURE             true: plaintext gRPC without scheme [false]
  OTEL_EXPORTER_OTLP_TRACES_*             the OTLP settings above, for traces only
  OTEL_EXPORTER_OTLP_METRICS_*, _LOGS_*   the same, for metrics or logs only
  OTEL_TRACES_SAMPLER                     always_on, always_off, traceidratio, parentbased_* [parentbased_always_on]
  OTEL_TRACES_SAMPLER_ARG                 ratio 0..1 [1.0]
  OTEL_PROPAGATORS                        tracecontext, baggage, b3, b3multi, jaeger, none [tracecontext,baggage]
  OTEL_BSP_SCHEDULE_DELAY                 ms [5000]
  OTEL_BSP_EXPORT_TIMEOUT                 ms [30000]
  OTEL_BSP_MAX_QUEUE_SIZE                 spans [2048]
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE          spans [512]
  OTEL_BLRP_SCHEDULE_DELAY                ms between log record exports [1000]
  OTEL_BLRP_MAX_QUEUE_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE  log records [2048, 512]
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT       characters per string value [none; 4096 for request values]
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT  the same, for spans (wins)
  OTEL_ATTRIBUTE_COUNT_LIMIT              attributes per span, event, link [128]
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT,
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT  counts [128]";
