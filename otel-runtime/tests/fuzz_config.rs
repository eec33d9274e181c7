//! Fuzzing (proptest) of the configuration read from `OTEL_*` variables
//! (`Config::from_lookup`): any subset of the variables, set to near-valid or arbitrary text.
//! No panic; what comes out is usable (a ratio in 0..=1, a batch no larger than the queue, an
//! `http://` endpoint, or an `https://` one with the `otlp-tls` feature, TLS files only for
//! that), and every warning names a variable that was set. Cases:
//! `PROPTEST_CASES` (256 by default).

use std::collections::HashMap;

use otel_runtime::config::{Config, SamplerConfig};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// `PROPTEST_CASES` cases (256 by default); a failing case is kept beside this file.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

/// Every variable the configuration reads.
const VARIABLES: &[&str] = &[
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_EXPORTER",
    "OTEL_RUST_CONSOLE_FORMAT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    "OTEL_EXPORTER_OTLP_INSECURE",
    "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_PROPAGATORS",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
];

/// Values near what each kind of variable accepts, and anything at all.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        // numbers, in and out of range
        "-?[0-9]{1,25}(\\.[0-9]{0,5})?",
        "(0|1|0\\.5|1e3|-1|NaN|inf|18446744073709551616|  42  )",
        // names and lists of names
        "(true|false|TRUE|yes|always_on|always_off|traceidratio|parentbased_always_on|parentbased_traceidratio|otlp|console|none|tree|json|line|grpc|http/protobuf|http/json|gzip|tracecontext|baggage|b3|b3multi|jaeger|xray)(, ?(otlp|console|none|b3|jaeger|baggage|bogus)){0,3}",
        // URLs
        "(http|https|ftp|)://(127\\.0\\.0\\.1|localhost|\\[::1\\]|exa mple|)(:[0-9]{0,6})?(/[ -~]{0,20})?",
        // key=value lists, percent-encoded or not
        "([a-zA-Z0-9._%-]{0,10}=[ -~]{0,12})(,[a-zA-Z0-9._%-]{0,10}=[ -~%]{0,12}){0,5}",
        // anything
        "[ -~]{0,60}",
        proptest::collection::vec(any::<char>(), 0..60).prop_map(String::from_iter),
    ]
}

fn environment() -> impl Strategy<Value = HashMap<String, String>> {
    proptest::collection::hash_map(
        proptest::sample::select(VARIABLES).prop_map(str::to_owned),
        value(),
        0..VARIABLES.len(),
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_environment_resolves_to_a_usable_configuration(env in environment()) {
        let config = Config::from_lookup(|name| env.get(name).cloned());
        prop_assert!(config.batch.max_queue_size > 0);
        prop_assert!(config.batch.max_export_batch_size > 0);
        prop_assert!(config.batch.max_export_batch_size <= config.batch.max_queue_size);
        match config.sampler {
            SamplerConfig::TraceIdRatio(ratio) | SamplerConfig::ParentBasedTraceIdRatio(ratio) => {
                prop_assert!((0.0..=1.0).contains(&ratio), "ratio {ratio}");
            }
            _ => {}
        }
        let endpoint = config.otlp.endpoint.to_ascii_lowercase();
        let https = cfg!(feature = "otlp-tls") && endpoint.starts_with("https://");
        prop_assert!(endpoint.starts_with("http://") || https, "{}", config.otlp.endpoint);
        prop_assert!(https || config.otlp.tls.is_empty(), "TLS files only for https");
        for warning in &config.warnings {
            prop_assert!(env.contains_key(&warning.setting), "{warning} names an unset variable");
            prop_assert!(!warning.to_string().contains('\n'), "one line: {warning}");
        }
        let _ = config.sampler.to_sampler();
    }
}
