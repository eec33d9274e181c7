//! HTTP in this process: the demo server and client (and test servers of their own) on
//! loopback, their spans captured in memory: the four-span trace, the stable HTTP semantic
//! conventions, W3C Trace Context, and the `POST /verify-tracecontext` conformance endpoint.
//!
//! Every test holds `otel_runtime::testing::capture()`, which sees only the spans started under
//! it and their traces (a server thread answering a request the test sent included), so the
//! tests run in parallel on the one global tracer provider. `http_metrics` alone installs a
//! meter provider (`capture_metrics()`) and tells its requests apart by their method.

/// Serves the actix-web app `factory` makes on a free loopback port with one worker, inside
/// the current actix system: `(address, handle)`.
macro_rules! serve_on_loopback {
    ($factory:expr) => {{
        let server = actix_web::HttpServer::new($factory)
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("binds a loopback port");
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        (address, handle)
    }};
}

mod support;

mod actix_middleware;
mod client_glue;
mod conformance_guards;
mod extractor_rejections;
mod http_attributes;
mod http_metrics;
mod http_semconv;
mod http_tracecontext;
mod testing_handlers;
mod trace_end_to_end;
mod tracing_crates;
mod verify_tracecontext;
