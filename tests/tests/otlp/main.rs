//! The real `demo-server` and `demo-client` binaries as child processes, and OTLP export to a
//! receiver in this process: the four-span trace over http/protobuf, http/json and gRPC, with
//! and without TLS (certificates made at test time, a wrong CA), an unreachable collector,
//! warnings for invalid `OTEL_*` values, bad arguments, and the load, fault, panic
//! and hostile-input tests of TESTING.md.
//!
//! The tests of this binary run in parallel, except `load_otlp` and `load_faults`: they count
//! dropped spans under load and measure throughput, so each runs alone (see
//! [`support::alone`]); every other test holds [`support::shared`].

mod support;

mod config_warnings;
mod console_backpressure;
mod demo_arguments;
mod demo_server_flags;
mod demo_server_requests;
mod load_faults;
mod load_hostile_requests;
mod load_otlp;
mod load_panic_recovery;
mod log_lines;
mod otlp_grpc_end_to_end;
mod otlp_http_end_to_end;
mod otlp_logs;
mod otlp_metrics;
mod otlp_tls;
mod otlp_unreachable;
