//! Every variable, its default, a valid value, and the warning for each kind of invalid value.
//! Variables come from a lookup function: no test touches the process environment.

use std::time::Duration;

use super::*;

fn config(env: &[(&str, &str)]) -> Config {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    Config::from_lookup(move |name| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    })
}

/// The only warning, asserting there is exactly one.
fn warning(config: &Config) -> &Warning {
    assert_eq!(config.warnings.len(), 1, "warnings: {:#?}", config.warnings);
    &config.warnings[0]
}

fn assert_no_warnings(config: &Config) {
    assert!(
        config.warnings.is_empty(),
        "unexpected warnings: {:#?}",
        config.warnings
    );
}

#[test]
fn an_empty_environment_gives_the_specified_defaults() {
    let config = config(&[]);
    assert_no_warnings(&config);
    assert!(!config.disabled);
    assert_eq!(config.service_name, None);
    assert!(config.resource_attributes.is_empty());
    assert_eq!(config.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(config.console_format, None);
    assert_eq!(config.otlp, OtlpConfig::default());
    assert_eq!(config.otlp.endpoint, "http://localhost:4318/v1/traces");
    assert_eq!(config.otlp.timeout, Duration::from_secs(10));
    assert_eq!(config.sampler, SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(config.propagators, PropagatorKind::DEFAULT.to_vec());
    assert_eq!(config.batch, BatchSettings::default());
    let limits = config.span_limits;
    assert_eq!(
        [
            limits.max_attributes_per_span,
            limits.max_events_per_span,
            limits.max_links_per_span,
            limits.max_attributes_per_event,
            limits.max_attributes_per_link,
        ],
        [128; 5]
    );
}

#[test]
fn empty_values_count_as_unset() {
    let config = config(&[
        ("OTEL_TRACES_EXPORTER", ""),
        ("OTEL_TRACES_SAMPLER", " "),
        ("OTEL_SERVICE_NAME", ""),
    ]);
    assert_no_warnings(&config);
    assert_eq!(config.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(config.service_name, None);
}

#[test]
fn warnings_print_as_one_line_naming_variable_value_accepted_and_fallback() {
    let config = config(&[("OTEL_TRACES_SAMPLER", "sometimes")]);
    let line = warning(&config).to_string();
    assert_eq!(
        line,
        "otel-runtime: warning: OTEL_TRACES_SAMPLER=\"sometimes\" is invalid: accepted \
         always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, \
         parentbased_traceidratio; using parentbased_always_on"
    );
    assert!(!line.contains('\n'));
}

// OTEL_SDK_DISABLED

#[test]
fn sdk_disabled() {
    assert!(config(&[("OTEL_SDK_DISABLED", "true")]).disabled);
    assert!(config(&[("OTEL_SDK_DISABLED", "TRUE")]).disabled);
    let off = config(&[("OTEL_SDK_DISABLED", "false")]);
    assert!(!off.disabled);
    assert_no_warnings(&off);
    let invalid = config(&[("OTEL_SDK_DISABLED", "1")]);
    assert!(!invalid.disabled);
    assert_eq!(
        warning(&invalid),
        &Warning::invalid("OTEL_SDK_DISABLED", "1", "true, false", "false")
    );
}

// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES

#[test]
fn service_name() {
    let config = config(&[("OTEL_SERVICE_NAME", " checkout ")]);
    assert_eq!(config.service_name.as_deref(), Some("checkout"));
}

#[test]
fn resource_attributes_are_decoded() {
    let config = config(&[(
        "OTEL_RESOURCE_ATTRIBUTES",
        "deployment.environment=prod, team=a%20b%2Cc ,service.name=from-attributes",
    )]);
    assert_no_warnings(&config);
    assert_eq!(
        config.resource_attributes,
        vec![
            ("deployment.environment".to_owned(), "prod".to_owned()),
            ("team".to_owned(), "a b,c".to_owned()),
            ("service.name".to_owned(), "from-attributes".to_owned()),
        ]
    );
}

#[test]
fn malformed_resource_attributes_are_discarded_whole() {
    let config = config(&[("OTEL_RESOURCE_ATTRIBUTES", "a=1,broken,c=%zz")]);
    assert!(config.resource_attributes.is_empty());
    let warning = warning(&config);
    assert_eq!(warning.setting, "OTEL_RESOURCE_ATTRIBUTES");
    assert_eq!(warning.value, "a=1,broken,c=%zz");
    assert!(warning.problem.contains("broken"), "{warning}");
    assert!(warning.problem.contains("c=%zz"), "{warning}");
    assert_eq!(warning.fallback, "no attributes from it");
}

#[test]
fn the_resource_has_sdk_process_host_and_service_attributes() {
    let code = resource::CodeResource {
        service_name: Some("from-code".to_owned()),
        service_version: Some("1.2.3".to_owned()),
        attributes: vec![opentelemetry::KeyValue::new("team", "code")],
    };
    let get = |resource: &opentelemetry_sdk::Resource, key: &'static str| {
        resource.get(&key.into()).map(|value| value.to_string())
    };

    let built = resource::build(None, &[], &code);
    assert_eq!(get(&built, "service.name").as_deref(), Some("from-code"));
    assert_eq!(get(&built, "service.version").as_deref(), Some("1.2.3"));
    assert_eq!(get(&built, "team").as_deref(), Some("code"));
    assert_eq!(
        get(&built, "telemetry.sdk.language").as_deref(),
        Some("rust")
    );
    assert_eq!(
        get(&built, "telemetry.sdk.name").as_deref(),
        Some("opentelemetry")
    );
    assert!(get(&built, "telemetry.sdk.version").is_some());
    assert_eq!(
        get(&built, "process.pid"),
        Some(std::process::id().to_string())
    );
    assert_eq!(get(&built, "host.name"), resource::host_name());

    // OTEL_RESOURCE_ATTRIBUTES' service.name beats the name in code; OTEL_SERVICE_NAME beats both;
    // attributes given in code beat OTEL_RESOURCE_ATTRIBUTES.
    let env_attributes = vec![
        ("service.name".to_owned(), "from-attributes".to_owned()),
        ("team".to_owned(), "env".to_owned()),
        ("region".to_owned(), "eu".to_owned()),
    ];
    let built = resource::build(None, &env_attributes, &code);
    assert_eq!(
        get(&built, "service.name").as_deref(),
        Some("from-attributes")
    );
    assert_eq!(get(&built, "team").as_deref(), Some("code"));
    assert_eq!(get(&built, "region").as_deref(), Some("eu"));
    let built = resource::build(Some("from-env"), &env_attributes, &code);
    assert_eq!(get(&built, "service.name").as_deref(), Some("from-env"));

    let unnamed = resource::build(None, &[], &resource::CodeResource::default());
    let name = get(&unnamed, "service.name").unwrap_or_default();
    assert!(name.starts_with("unknown_service"), "{name}");
}

// OTEL_TRACES_EXPORTER, OTEL_RUST_CONSOLE_FORMAT

#[test]
fn traces_exporter_lists() {
    let config = config(&[("OTEL_TRACES_EXPORTER", "Console, otlp,console")]);
    assert_no_warnings(&config);
    assert_eq!(
        config.exporters,
        vec![ExporterKind::Console, ExporterKind::Otlp]
    );
    let none = config_none();
    assert_eq!(none.exporters, vec![ExporterKind::None]);
}

fn config_none() -> Config {
    config(&[("OTEL_TRACES_EXPORTER", "none")])
}

#[test]
fn traces_exporter_unknown_items_are_dropped_with_a_warning() {
    let config = config(&[("OTEL_TRACES_EXPORTER", "console,zipkin")]);
    assert_eq!(config.exporters, vec![ExporterKind::Console]);
    let warning = warning(&config);
    assert_eq!(warning.setting, "OTEL_TRACES_EXPORTER");
    assert!(warning.problem.contains("zipkin"));
    assert_eq!(warning.accepted, ExporterKind::ACCEPTED);
    assert_eq!(warning.fallback, "console");
}

#[test]
fn traces_exporter_with_nothing_valid_uses_the_default() {
    let config = config(&[("OTEL_TRACES_EXPORTER", "consol")]);
    assert_eq!(config.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(
        warning(&config),
        &Warning::invalid(
            "OTEL_TRACES_EXPORTER",
            "consol",
            ExporterKind::ACCEPTED,
            "otlp"
        )
    );
    // The builder's default replaces the specification's.
    let lookup = |name: &str| (name == "OTEL_TRACES_EXPORTER").then(|| "consol".to_owned());
    let resolved = Config::resolve(&lookup, &[ExporterKind::Console]);
    assert_eq!(resolved.exporters, vec![ExporterKind::Console]);
    assert_eq!(resolved.warnings[0].fallback, "console");
}

/// What `init()` resolves (console by default) from `env`.
fn init_config(env: &'static [(&'static str, &'static str)]) -> Config {
    let lookup = |name: &str| {
        env.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    };
    Config::resolve(&lookup, &[ExporterKind::Console])
}

#[test]
fn an_otlp_endpoint_alone_chooses_otlp_for_init() {
    let neither = init_config(&[]);
    assert_eq!(neither.exporters, vec![ExporterKind::Console]);
    assert_eq!(neither.otlp_chosen_by, None);

    let generic = init_config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]);
    assert_eq!(generic.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(generic.otlp_chosen_by, Some("OTEL_EXPORTER_OTLP_ENDPOINT"));
    assert_no_warnings(&generic);

    let traces = init_config(&[(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "http://127.0.0.1:4318/v1/traces",
    )]);
    assert_eq!(traces.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(
        traces.otlp_chosen_by,
        Some("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    );

    // The exporter variable wins over the inference.
    let explicit = init_config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ("OTEL_TRACES_EXPORTER", "console"),
    ]);
    assert_eq!(explicit.exporters, vec![ExporterKind::Console]);
    assert_eq!(explicit.otlp_chosen_by, None);

    // An empty endpoint counts as unset.
    let empty = init_config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]);
    assert_eq!(empty.exporters, vec![ExporterKind::Console]);
}

#[test]
fn traces_exporter_none_with_others_is_dropped() {
    let config = config(&[("OTEL_TRACES_EXPORTER", "none,otlp")]);
    assert_eq!(config.exporters, vec![ExporterKind::Otlp]);
    assert!(warning(&config).problem.contains("none"));
}

#[test]
fn console_format() {
    for (value, format) in [
        ("line", ConsoleFormat::Line),
        ("TREE", ConsoleFormat::Tree),
        ("json", ConsoleFormat::Json),
    ] {
        let config = config(&[("OTEL_RUST_CONSOLE_FORMAT", value)]);
        assert_no_warnings(&config);
        assert_eq!(config.console_format, Some(format));
    }
    let invalid = config(&[("OTEL_RUST_CONSOLE_FORMAT", "waterfall")]);
    assert_eq!(invalid.console_format, Some(ConsoleFormat::Line));
    assert_eq!(
        warning(&invalid),
        &Warning::invalid(
            "OTEL_RUST_CONSOLE_FORMAT",
            "waterfall",
            "line, tree, json",
            "line"
        )
    );
}

// OTEL_EXPORTER_OTLP_*

#[test]
fn otlp_generic_endpoint_gets_the_traces_path_for_http() {
    let plain = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]);
    assert_eq!(plain.otlp.endpoint, "http://127.0.0.1:4318/v1/traces");
    let slash = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/base/")]);
    assert_eq!(slash.otlp.endpoint, "http://127.0.0.1:4318/base/v1/traces");
    assert_no_warnings(&slash);
}

#[test]
fn otlp_traces_endpoint_is_used_as_is_and_wins() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://127.0.0.1:4318/custom",
        ),
    ]);
    assert_no_warnings(&config);
    assert_eq!(config.otlp.endpoint, "http://127.0.0.1:4318/custom");
}

#[test]
fn otlp_grpc_uses_the_endpoint_as_is_and_its_own_default() {
    let default = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
    assert_eq!(default.otlp.protocol, Protocol::Grpc);
    assert_eq!(default.otlp.endpoint, "http://localhost:4317");
    let given = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
    ]);
    assert_eq!(given.otlp.endpoint, "http://127.0.0.1:4317");
    assert_no_warnings(&given);
}

#[test]
fn otlp_invalid_endpoints_warn_and_fall_back() {
    let mut invalid = vec![
        ("localhost:4318", "is not an http:// "),
        ("http://", "is not a valid URL"),
        ("http://host:port", "has an invalid port"),
        ("http://host:99999", "has an invalid port"),
    ];
    if cfg!(feature = "otlp-tls") {
        invalid.push(("https://", "is not a valid URL"));
    } else {
        invalid.push(("https://collector:4318", "is not supported by this build"));
    }
    for (value, problem) in invalid {
        let config = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", value)]);
        assert_eq!(config.otlp.endpoint, HTTP_DEFAULT_ENDPOINT, "{value}");
        let warning = warning(&config);
        assert_eq!(warning.setting, "OTEL_EXPORTER_OTLP_ENDPOINT");
        assert!(warning.problem.starts_with(problem), "{value}: {warning}");
        assert_eq!(warning.fallback, HTTP_DEFAULT_ENDPOINT);
    }
    // An invalid signal endpoint falls back to the (valid) generic one.
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://[::1]:4318"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://x"),
    ]);
    assert_eq!(config.otlp.endpoint, "http://[::1]:4318/v1/traces");
    let warning = warning(&config);
    assert_eq!(warning.setting, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    assert_eq!(warning.fallback, "http://[::1]:4318/v1/traces");
}

#[test]
fn otlp_protocol() {
    let traces_wins = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
    ]);
    assert_eq!(traces_wins.otlp.protocol, Protocol::HttpProtobuf);
    assert_no_warnings(&traces_wins);

    let bad = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml")]);
    assert_eq!(bad.otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(
        warning(&bad),
        &Warning::invalid(
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "http/xml",
            "http/protobuf, http/json, grpc",
            "http/protobuf"
        )
    );

    let bad_traces = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "udp"),
    ]);
    assert_eq!(bad_traces.otlp.protocol, Protocol::Grpc);
    assert_eq!(
        warning(&bad_traces),
        &Warning::invalid(
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "udp",
            "http/protobuf, http/json, grpc",
            "grpc"
        )
    );
}

#[test]
fn otlp_http_json_is_sent_like_http_protobuf() {
    for name in ["http/json", "HTTP/JSON"] {
        assert_eq!(Protocol::parse(name), Some(Protocol::HttpJson));
    }
    assert_eq!(Protocol::HttpJson.name(), "http/json");
    for protocol in [Protocol::HttpProtobuf, Protocol::HttpJson, Protocol::Grpc] {
        assert_eq!(Protocol::parse(protocol.name()), Some(protocol));
        assert!(Protocol::ACCEPTED.contains(protocol.name()));
    }
    let json = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
    ]);
    assert_no_warnings(&json);
    assert_eq!(json.otlp.protocol, Protocol::HttpJson);
    assert_eq!(json.otlp.endpoint, "http://127.0.0.1:4318/v1/traces");
    let default = config(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")]);
    assert_eq!(default.otlp.protocol, Protocol::HttpJson);
    assert_eq!(default.otlp.endpoint, HTTP_DEFAULT_ENDPOINT);
}

#[cfg(feature = "otlp-tls")]
#[test]
fn otlp_https_endpoints() {
    let generic = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318")]);
    assert_no_warnings(&generic);
    assert_eq!(generic.otlp.endpoint, "https://collector:4318/v1/traces");
    assert!(is_https(&generic.otlp.endpoint));
    let traces = config(&[(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "HTTPS://collector:4318/custom",
    )]);
    assert_no_warnings(&traces);
    assert_eq!(traces.otlp.endpoint, "HTTPS://collector:4318/custom");
    assert!(is_https(&traces.otlp.endpoint));
    let grpc = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://[::1]:4317"),
    ]);
    assert_no_warnings(&grpc);
    assert_eq!(grpc.otlp.endpoint, "https://[::1]:4317");
    assert!(!is_https("http://collector:4318"));
}

#[cfg(feature = "otlp-tls")]
#[test]
fn otlp_insecure_decides_the_scheme_of_a_grpc_endpoint_without_one() {
    let grpc = |extra: &[(&str, &str)]| {
        let mut env = vec![
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
        ];
        env.extend_from_slice(extra);
        config(&env)
    };
    let secure = grpc(&[]);
    assert_no_warnings(&secure);
    assert_eq!(secure.otlp.endpoint, "https://collector:4317");
    let insecure = grpc(&[("OTEL_EXPORTER_OTLP_INSECURE", "true")]);
    assert_no_warnings(&insecure);
    assert_eq!(insecure.otlp.endpoint, "http://collector:4317");
    // The signal variable wins.
    let traces = grpc(&[
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "FALSE"),
    ]);
    assert_eq!(traces.otlp.endpoint, "https://collector:4317");
    let traces_endpoint = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "true"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "127.0.0.1:4317"),
    ]);
    assert_eq!(traces_endpoint.otlp.endpoint, "http://127.0.0.1:4317");
    // A scheme decides by itself.
    let explicit = grpc(&[
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://collector:4317",
        ),
    ]);
    assert_eq!(explicit.otlp.endpoint, "https://collector:4317");
    // Not a boolean: a warning, and TLS.
    let invalid = grpc(&[("OTEL_EXPORTER_OTLP_INSECURE", "yes")]);
    assert_eq!(
        warning(&invalid),
        &Warning::invalid("OTEL_EXPORTER_OTLP_INSECURE", "yes", "true, false", "false")
    );
    assert_eq!(invalid.otlp.endpoint, "https://collector:4317");
    // The HTTP protocols take URLs only.
    let http = config(&[
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
    ]);
    assert_eq!(http.otlp.endpoint, HTTP_DEFAULT_ENDPOINT);
    assert_eq!(warning(&http).problem, "is not an http:// or https:// URL");
}

#[test]
fn otlp_certificate_names_the_trusted_ca_file() {
    let generic = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", " /etc/otel/ca.pem "),
    ]);
    if !cfg!(feature = "otlp-tls") {
        return; // https is refused, and so the file is ignored.
    }
    assert_no_warnings(&generic);
    assert_eq!(
        generic.otlp.tls.certificate,
        Some(PemFile {
            variable: "OTEL_EXPORTER_OTLP_CERTIFICATE",
            path: "/etc/otel/ca.pem".into(),
        })
    );
    assert_eq!(generic.otlp.tls.client, None);
    let traces = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/otel/ca.pem"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            "/etc/otel/traces-ca.pem",
        ),
    ]);
    assert_eq!(
        traces.otlp.tls.certificate,
        Some(PemFile {
            variable: "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            path: "/etc/otel/traces-ca.pem".into(),
        })
    );
}

#[cfg(feature = "otlp-tls")]
#[test]
fn otlp_client_certificate_and_key_go_together() {
    let both = config(&[
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://collector:4318/v1/traces",
        ),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/tls/client.pem"),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/tls/client.key"),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/tls/traces.key"),
    ]);
    assert_no_warnings(&both);
    assert_eq!(
        both.otlp.tls.client,
        Some(ClientIdentity {
            certificate: PemFile {
                variable: "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                path: "/tls/client.pem".into(),
            },
            key: PemFile {
                variable: "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
                path: "/tls/traces.key".into(),
            },
        })
    );
    assert_eq!(both.otlp.tls.certificate, None);

    let key_alone = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/tls/client.key"),
    ]);
    assert_eq!(key_alone.otlp.tls, OtlpTls::default());
    assert_eq!(
        warning(&key_alone),
        &Warning::new(
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
            "/tls/client.key",
            "is ignored: OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is not set",
            "a client certificate and its private key, both PEM files",
            "no client certificate"
        )
    );
    let certificate_alone = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/tls/client.pem"),
    ]);
    assert_eq!(certificate_alone.otlp.tls.client, None);
    assert_eq!(
        warning(&certificate_alone).problem,
        "is ignored: OTEL_EXPORTER_OTLP_CLIENT_KEY is not set"
    );
}

#[test]
fn otlp_tls_files_are_ignored_for_a_plaintext_endpoint() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/tls/ca.pem"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
            "/tls/client.pem",
        ),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/tls/client.key"),
    ]);
    assert!(config.otlp.tls.is_empty());
    let ignored: Vec<_> = config
        .warnings
        .iter()
        .map(|warning| (warning.setting.as_str(), warning.value.as_str()))
        .collect();
    assert_eq!(
        ignored,
        [
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/tls/ca.pem"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
                "/tls/client.pem"
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/tls/client.key"),
        ]
    );
    for warning in &config.warnings {
        assert_eq!(
            warning.problem,
            "is ignored: the OTLP endpoint http://127.0.0.1:4318/v1/traces does not use TLS"
        );
        assert_eq!(warning.fallback, "no TLS");
    }
}

#[test]
fn otlp_headers() {
    let config = config(&[(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "api-key=secret%20value,X-Tenant=a",
    )]);
    assert_no_warnings(&config);
    assert_eq!(
        config.otlp.headers,
        vec![
            ("api-key".to_owned(), "secret value".to_owned()),
            ("x-tenant".to_owned(), "a".to_owned()),
        ]
    );
}

#[test]
fn otlp_traces_headers_replace_the_generic_ones() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=1"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2"),
    ]);
    assert_eq!(config.otlp.headers, vec![("b".to_owned(), "2".to_owned())]);
}

#[test]
fn otlp_malformed_headers_are_named_and_the_rest_kept() {
    let config = config(&[(
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "good=1,novalue,bad name=2,api-key=s3cret%0A,x=%ZZtoken",
    )]);
    assert_eq!(
        config.otlp.headers,
        vec![("good".to_owned(), "1".to_owned())]
    );
    let warning = warning(&config);
    assert_eq!(warning.setting, "OTEL_EXPORTER_OTLP_TRACES_HEADERS");
    assert!(warning.problem.contains("the name of entry 2"), "{warning}");
    assert!(
        warning.problem.contains("the value of api-key"),
        "{warning}"
    );
    assert!(warning.problem.contains("does not parse"), "{warning}");
    assert_eq!(warning.fallback, "only good");
    // No value of the variable is printed: it may hold API keys.
    let printed = warning.to_string();
    for secret in ["s3cret", "token", "novalue", "bad name=2", "good=1"] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
}

#[test]
fn endpoint_credentials_are_not_printed() {
    let config = config(&[(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://user:hunter2@127.0.0.1:4318",
    )]);
    let printed = warning(&config).to_string();
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains("user:"), "{printed}");
    assert!(printed.contains("REDACTED@127.0.0.1:4318"), "{printed}");
}

#[test]
fn otlp_timeout() {
    let generic = config(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
    assert_eq!(generic.otlp.timeout, Duration::from_millis(2500));
    let traces = config(&[
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
    ]);
    assert_eq!(traces.otlp.timeout, Duration::from_millis(700));
    for bad in ["0", "-5", "1.5", "10s"] {
        let config = config(&[("OTEL_EXPORTER_OTLP_TIMEOUT", bad)]);
        assert_eq!(config.otlp.timeout, Duration::from_millis(10_000));
        assert_eq!(
            warning(&config),
            &Warning::invalid(
                "OTEL_EXPORTER_OTLP_TIMEOUT",
                bad,
                "a positive integer number of milliseconds",
                "10000"
            )
        );
    }
    let bad_traces = config(&[
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon"),
    ]);
    assert_eq!(bad_traces.otlp.timeout, Duration::from_millis(2500));
    assert_eq!(warning(&bad_traces).fallback, "2500");
}

#[test]
fn otlp_compression() {
    let gzip = config(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP")]);
    assert_eq!(gzip.otlp.compression, Compression::Gzip);
    let traces = config(&[
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"),
    ]);
    assert_eq!(traces.otlp.compression, Compression::None);
    assert_no_warnings(&traces);
    let zstd = config(&[("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd")]);
    assert_eq!(zstd.otlp.compression, Compression::None);
    assert_eq!(
        warning(&zstd),
        &Warning::invalid(
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "zstd",
            "gzip, none",
            "none"
        )
    );
    let generic_bad = config(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "br")]);
    assert_eq!(
        warning(&generic_bad).setting,
        "OTEL_EXPORTER_OTLP_COMPRESSION"
    );
}

// OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG

#[test]
fn samplers() {
    for (name, expected) in [
        ("always_on", SamplerConfig::AlwaysOn),
        ("always_off", SamplerConfig::AlwaysOff),
        ("traceidratio", SamplerConfig::TraceIdRatio(1.0)),
        ("parentbased_always_on", SamplerConfig::ParentBasedAlwaysOn),
        (
            "parentbased_always_off",
            SamplerConfig::ParentBasedAlwaysOff,
        ),
        (
            "parentbased_traceidratio",
            SamplerConfig::ParentBasedTraceIdRatio(1.0),
        ),
    ] {
        let config = config(&[("OTEL_TRACES_SAMPLER", name)]);
        assert_no_warnings(&config);
        assert_eq!(config.sampler, expected, "{name}");
    }
}

#[test]
fn sampler_ratio_argument() {
    let valid = config(&[
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
    ]);
    assert_no_warnings(&valid);
    assert_eq!(valid.sampler, SamplerConfig::ParentBasedTraceIdRatio(0.25));
    for bad in ["1.5", "-0.1", "half", "NaN"] {
        let config = config(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", bad),
        ]);
        assert_eq!(config.sampler, SamplerConfig::TraceIdRatio(1.0), "{bad}");
        assert_eq!(
            warning(&config),
            &Warning::invalid(
                "OTEL_TRACES_SAMPLER_ARG",
                bad,
                "a number from 0 to 1, e.g. 0.25",
                "1.0"
            )
        );
    }
}

#[test]
fn sampler_argument_without_a_ratio_sampler_is_reported_as_ignored() {
    let config = config(&[
        ("OTEL_TRACES_SAMPLER", "always_on"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
    ]);
    assert_eq!(config.sampler, SamplerConfig::AlwaysOn);
    let warning = warning(&config);
    assert_eq!(warning.setting, "OTEL_TRACES_SAMPLER_ARG");
    assert_eq!(warning.problem, "is ignored");
    assert_eq!(warning.fallback, "always_on");
}

#[test]
fn unsupported_and_unknown_samplers_fall_back_to_parentbased_always_on() {
    let remote = config(&[("OTEL_TRACES_SAMPLER", "jaeger_remote")]);
    assert_eq!(remote.sampler, SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(warning(&remote).problem, "is not supported by this SDK");
    let unknown = config(&[("OTEL_TRACES_SAMPLER", "sometimes")]);
    assert_eq!(unknown.sampler, SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(warning(&unknown).fallback, "parentbased_always_on");
}

// OTEL_PROPAGATORS

#[test]
fn propagators() {
    // `jaeger` depends on a cargo feature: see propagators.rs.
    let config = config(&[("OTEL_PROPAGATORS", "b3, b3multi,tracecontext,b3")]);
    assert_no_warnings(&config);
    assert_eq!(
        config.propagators,
        vec![
            PropagatorKind::B3,
            PropagatorKind::B3Multi,
            PropagatorKind::TraceContext,
        ]
    );
    let none = self::config(&[("OTEL_PROPAGATORS", "none")]);
    assert_no_warnings(&none);
    assert!(none.propagators.is_empty());
}

#[test]
fn propagators_unknown_items_are_dropped_with_a_warning() {
    let config = config(&[("OTEL_PROPAGATORS", "tracecontext,xray")]);
    assert_eq!(config.propagators, vec![PropagatorKind::TraceContext]);
    let warning = warning(&config);
    assert!(warning.problem.contains("xray"), "{warning}");
    assert_eq!(warning.fallback, "tracecontext");
    let nothing_valid = self::config(&[("OTEL_PROPAGATORS", "w3c")]);
    assert_eq!(nothing_valid.propagators, PropagatorKind::DEFAULT.to_vec());
    assert_eq!(
        self::warning(&nothing_valid),
        &Warning::invalid(
            "OTEL_PROPAGATORS",
            "w3c",
            PropagatorKind::ACCEPTED,
            "tracecontext,baggage"
        )
    );
    let mixed_none = self::config(&[("OTEL_PROPAGATORS", "none,baggage")]);
    assert_eq!(mixed_none.propagators, vec![PropagatorKind::Baggage]);
    assert!(self::warning(&mixed_none).problem.contains("none"));
}

// OTEL_BSP_*

#[test]
fn batch_settings() {
    let config = config(&[
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "3000"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"),
    ]);
    assert_no_warnings(&config);
    assert_eq!(
        config.batch,
        BatchSettings {
            schedule_delay: Duration::from_millis(200),
            export_timeout: Duration::from_millis(3000),
            max_queue_size: 100,
            max_export_batch_size: 10,
        }
    );
}

#[test]
fn batch_invalid_values_warn_with_their_defaults() {
    for (name, value, fallback) in [
        ("OTEL_BSP_SCHEDULE_DELAY", "0", "5000"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "forever", "30000"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0", "2048"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "-1", "512"),
    ] {
        let config = config(&[(name, value)]);
        assert_eq!(config.batch, BatchSettings::default(), "{name}");
        let warning = warning(&config);
        assert_eq!(
            (warning.setting.as_str(), warning.value.as_str()),
            (name, value)
        );
        assert_eq!(warning.fallback, fallback, "{name}");
    }
}

#[test]
fn batch_size_larger_than_the_queue_is_clamped() {
    let config = config(&[
        ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100"),
    ]);
    assert_eq!(config.batch.max_export_batch_size, 64);
    let warning = warning(&config);
    assert_eq!(warning.setting, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
    assert_eq!(warning.problem, "is larger than OTEL_BSP_MAX_QUEUE_SIZE");
    assert_eq!(warning.fallback, "64");
}

#[test]
fn the_default_batch_size_under_a_smaller_queue_is_clamped_without_a_warning() {
    let config = config(&[("OTEL_BSP_MAX_QUEUE_SIZE", "42")]);
    assert_eq!(config.batch.max_export_batch_size, 42);
    assert_no_warnings(&config);
}

// Span limits

#[test]
fn span_limits() {
    let config = config(&[
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "2"),
        ("OTEL_SPAN_LINK_COUNT_LIMIT", "3"),
        ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "4"),
        ("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "0"),
    ]);
    assert_no_warnings(&config);
    let limits = config.span_limits;
    assert_eq!(limits.max_attributes_per_span, 1);
    assert_eq!(limits.max_events_per_span, 2);
    assert_eq!(limits.max_links_per_span, 3);
    assert_eq!(limits.max_attributes_per_event, 4);
    assert_eq!(limits.max_attributes_per_link, 0);
}

#[test]
fn the_general_attribute_limit_is_the_fallback_of_the_attribute_limits() {
    let config = config(&[
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "16"),
        ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "4"),
    ]);
    let limits = config.span_limits;
    assert_eq!(limits.max_attributes_per_span, 16);
    assert_eq!(limits.max_attributes_per_event, 4);
    assert_eq!(limits.max_attributes_per_link, 16);
    assert_eq!(limits.max_events_per_span, 128);
}

#[test]
fn span_limit_invalid_values_warn() {
    for name in [
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_SPAN_EVENT_COUNT_LIMIT",
        "OTEL_SPAN_LINK_COUNT_LIMIT",
        "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
    ] {
        let resolved = self::config(&[(name, "many")]);
        assert_eq!(
            warning(&resolved),
            &Warning::invalid(name, "many", "a non-negative integer", "128"),
        );
        assert_eq!(resolved.span_limits.max_attributes_per_span, 128);
    }
}

// OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER and their OTLP variables

#[test]
fn metrics_and_logs_default_like_traces_with_their_own_paths() {
    let config = config(&[]);
    assert_no_warnings(&config);
    assert_eq!(config.metrics.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(config.logs.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(
        config.metrics.otlp.endpoint,
        "http://localhost:4318/v1/metrics"
    );
    assert_eq!(config.logs.otlp.endpoint, "http://localhost:4318/v1/logs");
    assert_eq!(config.metrics.otlp.timeout, DEFAULT_TIMEOUT);
    assert_eq!(config.metrics.otlp_chosen_by, None);
    let grpc = self::config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
    assert_eq!(grpc.metrics.otlp.protocol, Protocol::Grpc);
    assert_eq!(grpc.metrics.otlp.endpoint, GRPC_DEFAULT_ENDPOINT);
    assert_eq!(grpc.logs.otlp.endpoint, GRPC_DEFAULT_ENDPOINT);
    assert_eq!(
        Signal::Metrics.default_endpoint(Protocol::HttpJson),
        "http://localhost:4318/v1/metrics"
    );
}

#[test]
fn the_generic_endpoint_gets_each_signals_path() {
    let config = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/base/")]);
    assert_no_warnings(&config);
    assert_eq!(config.otlp.endpoint, "http://127.0.0.1:4318/base/v1/traces");
    assert_eq!(
        config.metrics.otlp.endpoint,
        "http://127.0.0.1:4318/base/v1/metrics"
    );
    assert_eq!(
        config.logs.otlp.endpoint,
        "http://127.0.0.1:4318/base/v1/logs"
    );
}

#[test]
fn a_signal_endpoint_is_used_as_is_for_that_signal_only() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://127.0.0.1:9090/otlp/metrics",
        ),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://127.0.0.1:9091"),
    ]);
    assert_no_warnings(&config);
    assert_eq!(config.otlp.endpoint, "http://127.0.0.1:4318/v1/traces");
    assert_eq!(
        config.metrics.otlp.endpoint,
        "http://127.0.0.1:9090/otlp/metrics"
    );
    assert_eq!(config.logs.otlp.endpoint, "http://127.0.0.1:9091");
}

#[test]
fn each_otlp_setting_has_a_metrics_and_a_logs_variable() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "collector:4317"),
        ("OTEL_EXPORTER_OTLP_METRICS_INSECURE", "true"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=1"),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "b=2"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "700"),
        ("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "gzip"),
    ]);
    assert_no_warnings(&config);
    let (traces, metrics, logs) = (&config.otlp, &config.metrics.otlp, &config.logs.otlp);
    assert_eq!(traces.protocol, Protocol::HttpJson);
    assert_eq!(metrics.protocol, Protocol::Grpc);
    assert_eq!(logs.protocol, Protocol::HttpJson);
    assert_eq!(metrics.endpoint, "http://collector:4317");
    assert_eq!(traces.headers, vec![("a".to_owned(), "1".to_owned())]);
    assert_eq!(metrics.headers, vec![("a".to_owned(), "1".to_owned())]);
    assert_eq!(logs.headers, vec![("b".to_owned(), "2".to_owned())]);
    assert_eq!(traces.timeout, Duration::from_millis(2500));
    assert_eq!(metrics.timeout, Duration::from_millis(700));
    assert_eq!(logs.timeout, Duration::from_millis(2500));
    assert_eq!(traces.compression, Compression::None);
    assert_eq!(logs.compression, Compression::Gzip);
}

#[test]
fn invalid_signal_variables_warn_with_their_own_name() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "thrift"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "soon"),
    ]);
    let settings: Vec<&str> = config
        .warnings
        .iter()
        .map(|warning| warning.setting.as_str())
        .collect();
    assert_eq!(
        settings,
        [
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
            "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
        ]
    );
    assert_eq!(
        config.warnings[0],
        Warning::invalid(
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
            "thrift",
            Protocol::ACCEPTED,
            "http/protobuf"
        )
    );
    assert_eq!(config.warnings[2].fallback, "http://localhost:4318/v1/logs");
    assert_eq!(config.logs.otlp.endpoint, "http://localhost:4318/v1/logs");
    assert_eq!(config.metrics.otlp.timeout, DEFAULT_TIMEOUT);
}

#[test]
fn an_invalid_generic_variable_is_reported_once_for_all_signals() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "br"),
    ]);
    assert_eq!(config.warnings.len(), 2, "{:#?}", config.warnings);
    assert_eq!(config.warnings[0].setting, "OTEL_EXPORTER_OTLP_ENDPOINT");
    assert_eq!(config.warnings[1].setting, "OTEL_EXPORTER_OTLP_COMPRESSION");
    assert_eq!(
        config.metrics.otlp.endpoint,
        "http://localhost:4318/v1/metrics"
    );
}

#[test]
fn metrics_and_logs_exporter_variables() {
    let chosen = config(&[
        ("OTEL_TRACES_EXPORTER", "none"),
        ("OTEL_METRICS_EXPORTER", "Console"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ]);
    assert_no_warnings(&chosen);
    assert_eq!(chosen.exporters, vec![ExporterKind::None]);
    assert_eq!(chosen.metrics.exporters, vec![ExporterKind::Console]);
    assert_eq!(chosen.logs.exporters, vec![ExporterKind::None]);
    let unknown = config(&[("OTEL_METRICS_EXPORTER", "prometheus")]);
    assert_eq!(unknown.metrics.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(
        warning(&unknown),
        &Warning::invalid(
            "OTEL_METRICS_EXPORTER",
            "prometheus",
            ExporterKind::ACCEPTED,
            "otlp"
        )
    );
    let partly = config(&[("OTEL_LOGS_EXPORTER", "console,zipkin")]);
    assert_eq!(partly.logs.exporters, vec![ExporterKind::Console]);
    assert_eq!(warning(&partly).setting, "OTEL_LOGS_EXPORTER");
    assert!(warning(&partly).problem.contains("zipkin"));
}

#[test]
fn for_init_an_otlp_endpoint_alone_chooses_otlp_per_signal() {
    let neither = init_config(&[]);
    assert_eq!(neither.metrics.exporters, vec![ExporterKind::Console]);
    assert_eq!(neither.logs.exporters, vec![ExporterKind::Console]);

    let generic = init_config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]);
    assert_eq!(generic.metrics.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(
        generic.metrics.otlp_chosen_by,
        Some("OTEL_EXPORTER_OTLP_ENDPOINT")
    );
    assert_eq!(generic.logs.exporters, vec![ExporterKind::Otlp]);

    // A signal's endpoint chooses OTLP for that signal only.
    let metrics = init_config(&[(
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        "http://127.0.0.1:4318/v1/metrics",
    )]);
    assert_eq!(metrics.exporters, vec![ExporterKind::Console]);
    assert_eq!(metrics.metrics.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(
        metrics.metrics.otlp_chosen_by,
        Some("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
    );
    assert_eq!(metrics.logs.exporters, vec![ExporterKind::Console]);

    // The exporter variable wins over the inference.
    let explicit = init_config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ("OTEL_METRICS_EXPORTER", "none"),
    ]);
    assert_eq!(explicit.exporters, vec![ExporterKind::Otlp]);
    assert_eq!(explicit.metrics.exporters, vec![ExporterKind::None]);
    assert_eq!(explicit.metrics.otlp_chosen_by, None);
}

#[cfg(feature = "otlp-tls")]
#[test]
fn metrics_and_logs_tls_files() {
    let config = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/tls/ca.pem"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
            "/tls/metrics-ca.pem",
        ),
        (
            "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
            "/tls/logs.pem",
        ),
        ("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "/tls/logs.key"),
    ]);
    assert_no_warnings(&config);
    let file = |variable: &'static str, path: &str| PemFile {
        variable,
        path: path.into(),
    };
    assert_eq!(
        config.metrics.otlp.tls.certificate,
        Some(file(
            "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
            "/tls/metrics-ca.pem"
        ))
    );
    assert_eq!(
        config.logs.otlp.tls.certificate,
        Some(file("OTEL_EXPORTER_OTLP_CERTIFICATE", "/tls/ca.pem"))
    );
    assert_eq!(
        config.logs.otlp.tls.client,
        Some(ClientIdentity {
            certificate: file(
                "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
                "/tls/logs.pem"
            ),
            key: file("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "/tls/logs.key"),
        })
    );
    assert_eq!(config.otlp.tls.client, None);
}

#[test]
fn a_metrics_tls_file_for_a_plaintext_metrics_endpoint_is_ignored_with_a_warning() {
    // The generic file serves the signals sent over TLS: not a mistake for a plaintext one.
    let generic = config(&[
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://collector:4318/v1/traces",
        ),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/tls/ca.pem"),
    ]);
    if cfg!(feature = "otlp-tls") {
        assert_no_warnings(&generic);
    }
    assert_eq!(generic.metrics.otlp.tls, OtlpTls::default());
    let own = config(&[("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", "/tls/ca.pem")]);
    assert_eq!(own.metrics.otlp.tls, OtlpTls::default());
    let warning = warning(&own);
    assert_eq!(warning.setting, "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE");
    assert_eq!(
        warning.problem,
        "is ignored: the OTLP endpoint http://localhost:4318/v1/metrics does not use TLS"
    );
}

#[test]
fn metric_export_settings() {
    let default = config(&[]);
    assert_eq!(default.metric_export, MetricExportSettings::default());
    assert_eq!(default.metric_export.interval, Duration::from_secs(60));
    assert!(!default.metric_export.interval_set);
    let set = config(&[
        ("OTEL_METRIC_EXPORT_INTERVAL", "1500"),
        ("OTEL_METRIC_EXPORT_TIMEOUT", "700"),
        ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"),
    ]);
    assert_no_warnings(&set);
    assert_eq!(set.metric_export.interval, Duration::from_millis(1500));
    assert!(set.metric_export.interval_set);
    assert_eq!(set.metric_export.timeout, Duration::from_millis(700));
    assert_eq!(
        set.metric_export.temporality,
        opentelemetry_sdk::metrics::Temporality::Delta
    );
    let invalid = config(&[
        ("OTEL_METRIC_EXPORT_INTERVAL", "0"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            "sometimes",
        ),
    ]);
    assert_eq!(invalid.metric_export, MetricExportSettings::default());
    assert_eq!(invalid.warnings.len(), 2);
    assert_eq!(invalid.warnings[0].setting, "OTEL_METRIC_EXPORT_INTERVAL");
    assert_eq!(
        invalid.warnings[1],
        Warning::invalid(
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            "sometimes",
            "cumulative, delta, lowmemory",
            "cumulative"
        )
    );
}
