//! The real demo binaries refuse bad arguments (a bad URL, a port in use, an address that is
//! none, an unknown option, an exporter that cannot be built from the environment) with a
//! one-line error and exit status 2, never a panic; an environment value that is not even UTF-8
//! is reported and replaced, not taken for unset.

use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use crate::support::demos::{self, Finished};
use crate::support::shared;

/// Far above what refusing an argument takes: only detects a hang.
const HANG: Duration = Duration::from_secs(30);

/// The environment under which the OTLP gRPC exporter cannot be built (`-bin` metadata keys are
/// binary, not text).
const UNBUILDABLE_EXPORTER: [(&str, &str); 3] = [
    ("OTEL_TRACES_EXPORTER", "otlp"),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ("OTEL_EXPORTER_OTLP_HEADERS", "x-bin=1"),
];

fn run(binary: &str, args: &[&str], env: &[(&str, &str)]) -> Finished {
    let mut command = demos::command(binary, env);
    command.args(args);
    demos::run(command, HANG)
}

/// Exit status 2, no panic, and the first line of stderr names the problem (after the log lines
/// of libraries, actix-server's start lines of the upstream stub, when it had started).
fn assert_refused(binary: &str, args: &[&str], env: &[(&str, &str)], first_line: &str) {
    let finished = run(binary, args, env);
    let context = format!("{binary} {args:?}: {finished:?}");
    assert_eq!(finished.status.code(), Some(2), "{context}");
    assert!(!finished.stderr.contains("panicked"), "{context}");
    let line = finished
        .stderr
        .lines()
        .find(|line| !demos::is_log_line(line))
        .unwrap_or_default();
    assert!(line.contains(first_line), "{context}");
}

#[test]
fn demo_server_refuses_a_bad_upstream() {
    let _shared = shared();
    for (url, problem) in [
        (
            "ftp://127.0.0.1/wiki/Rabbit",
            r#"scheme "ftp" is not supported: use http or https"#,
        ),
        ("not a url", "not a URL"),
        ("/wiki/Rabbit", "not an absolute URL"),
        ("", "not a URL"),
    ] {
        let expected = format!("demo-server: --upstream {url:?}: {problem}");
        assert_refused("demo-server", &["--upstream", url], &[], &expected);
        let finished = run("demo-server", &["--upstream", url], &[]);
        assert_eq!(finished.stderr.lines().count(), 1, "{finished:?}");
    }
}

#[test]
fn demo_server_refuses_a_port_in_use_and_addresses_that_are_none() {
    let _shared = shared();
    let taken = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = taken.local_addr().expect("bound").to_string();
    assert_refused(
        "demo-server",
        &["--bind", &address],
        &[],
        &format!("demo-server: cannot listen on {address}: "),
    );
    for bind in ["nonsense", "127.0.0.1:99999", ""] {
        assert_refused(
            "demo-server",
            &["--bind", bind],
            &[],
            &format!("demo-server: cannot listen on {bind}: "),
        );
    }
    drop(taken);
}

#[test]
fn both_demos_refuse_an_exporter_that_cannot_be_built_and_unknown_options() {
    let _shared = shared();
    let cannot = "cannot set tracing up: OTLP gRPC exporter: invalid metadata name";
    assert_refused(
        "demo-server",
        &["--bind", "127.0.0.1:0"],
        &UNBUILDABLE_EXPORTER,
        &format!("demo-server: {cannot}"),
    );
    assert_refused(
        "demo-client",
        &["--url", "http://127.0.0.1:9/"],
        &UNBUILDABLE_EXPORTER,
        &format!("demo-client: {cannot}"),
    );
    for binary in ["demo-server", "demo-client"] {
        assert_refused(
            binary,
            &["--no-such-option"],
            &[],
            "error: unexpected argument '--no-such-option' found",
        );
    }
}

#[test]
fn demo_client_refuses_a_bad_url() {
    let _shared = shared();
    for url in ["ftp://127.0.0.1/", "not a url", "/relative", ""] {
        assert_refused(
            "demo-client",
            &["--url", url],
            &[],
            &format!("demo-client: --url {url:?}: "),
        );
    }
}

#[test]
fn an_environment_value_that_is_not_utf8_is_reported_not_ignored() {
    let _shared = shared();
    let mut command = demos::command("demo-client", &[("OTEL_TRACES_EXPORTER", "none")]);
    command
        .env(
            "OTEL_TRACES_SAMPLER",
            std::ffi::OsStr::from_bytes(b"always_\xff"),
        )
        .args(["--url", "http://127.0.0.1:9/"]);
    let finished = demos::run(command, HANG);
    assert!(!finished.stderr.contains("panicked"), "{finished:?}");
    assert!(
        finished.stderr.lines().any(|line| line
            .starts_with("otel-runtime: warning: OTEL_TRACES_SAMPLER=")
            && line.contains("is invalid")),
        "{finished:?}"
    );
}

#[test]
fn help_lists_the_otel_variables_honoured() {
    for demo in ["demo-server", "demo-client"] {
        let mut help = crate::support::demos::command(demo, &[]);
        help.arg("--help");
        let finished = crate::support::demos::run(help, crate::support::demos::HANG_LIMIT);
        assert!(finished.status.success(), "{demo} --help: {finished:?}");
        for variable in [
            "OTEL_TRACES_EXPORTER",
            "OTEL_METRICS_EXPORTER",
            "OTEL_METRIC_EXPORT_INTERVAL",
            "OTEL_LOGS_EXPORTER",
            "RUST_LOG",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
            "OTEL_PROPAGATORS",
        ] {
            assert!(
                finished.stdout.contains(variable),
                "{demo} --help does not list {variable}:\n{}",
                finished.stdout
            );
        }
        assert!(
            finished.stdout.trim_end().ends_with("counts [128]"),
            "the variables end the help:\n{}",
            finished.stdout
        );
    }
}
