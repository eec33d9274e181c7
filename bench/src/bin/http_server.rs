//! The HTTP comparison's server: an actix-web hello-world, plain, with `#[traced(kind = server)]`
//! on the handler, or with opentelemetry-instrumentation-actix-web's middleware (cargo feature
//! `contrib`). `traced` and `contrib` export through the SDK's batch processor to an exporter
//! that counts spans and drops them (AlwaysOn sampler); `traced-metrics` is `traced` with a
//! meter provider installed too, so the handler also records the HTTP server metrics
//! (`http.server.request.duration`, `http.server.active_requests`), collected every 10 s by a
//! periodic reader into an exporter that drops them; `defaults` is `#[traced(kind = server)]`
//! set up by `otel_runtime::init()` as the environment leaves it (run it without `OTEL_*`
//! variables: the console exporters, writing to stdout).
//!
//! ```text
//! http-server --mode plain|traced|traced-metrics|contrib|defaults [--bind 127.0.0.1:0] [--workers 1]
//! ```
//!
//! Prints `listening on ADDR` once bound; stops on SIGINT/SIGTERM and then prints on stderr how
//! many spans were exported and how many attributes they carried on average (not for
//! `defaults`, whose spans are the console's lines).

use std::io::Write as _;

use actix_web::{web, App, HttpServer, Responder};
use bench::provider::{batch_provider, install_meter_provider, Sampling};
use otel_runtime::traced;

const BODY: &str = "Hello, world!";

async fn hello() -> impl Responder {
    BODY
}

#[traced(kind = server)]
async fn hello_traced() -> impl Responder {
    BODY
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Traced,
    TracedMetrics,
    Contrib,
    Defaults,
}

fn usage(problem: &str) -> ! {
    eprintln!("http-server: {problem}");
    eprintln!(
        "usage: http-server --mode plain|traced|traced-metrics|contrib|defaults [--bind ADDR] [--workers N]"
    );
    std::process::exit(2);
}

fn main() -> std::io::Result<()> {
    let mut mode = None;
    let mut bind = "127.0.0.1:0".to_owned();
    let mut workers = 1_usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--mode" => {
                mode = Some(match value().as_str() {
                    "plain" => Mode::Plain,
                    "traced" => Mode::Traced,
                    "traced-metrics" => Mode::TracedMetrics,
                    "contrib" => Mode::Contrib,
                    "defaults" => Mode::Defaults,
                    other => usage(&format!("unknown mode {other:?}")),
                });
            }
            "--bind" => bind = value(),
            "--workers" => {
                workers = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--workers needs a number"));
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let mode = mode.unwrap_or_else(|| usage("--mode is required"));
    if mode == Mode::Contrib && !cfg!(feature = "contrib") {
        usage("--mode contrib needs the `contrib` cargo feature of the bench crate");
    }

    let tracing = matches!(mode, Mode::Traced | Mode::TracedMetrics | Mode::Contrib).then(|| {
        let (provider, exporter) = batch_provider(Sampling::On);
        // Installs the provider and the default propagators globally (both variants read them).
        (otel_runtime::TracingGuard::install(provider), exporter)
    });
    let metrics = (mode == Mode::TracedMetrics)
        .then(|| install_meter_provider(std::time::Duration::from_secs(10)));
    // What a service gets from `init()` alone; flushed when dropped at the end.
    let _defaults = (mode == Mode::Defaults).then(otel_runtime::init);

    // One server per variant: each app has exactly its own layers, nothing switched off.
    macro_rules! serve {
        ($app:expr) => {
            actix_web::rt::System::new().block_on(async {
                let server = HttpServer::new(move || $app).workers(workers).bind(&bind)?;
                for address in server.addrs() {
                    println!("listening on {address}");
                }
                std::io::stdout().flush()?;
                server.run().await
            })?
        };
    }
    match mode {
        Mode::Plain => serve!(App::new().route("/", web::get().to(hello))),
        Mode::Traced | Mode::TracedMetrics | Mode::Defaults => {
            serve!(App::new().route("/", web::get().to(hello_traced)))
        }
        #[cfg(feature = "contrib")]
        Mode::Contrib => serve!(App::new()
            .wrap(opentelemetry_instrumentation_actix_web::RequestTracing::new())
            .route("/", web::get().to(hello))),
        #[cfg(not(feature = "contrib"))]
        Mode::Contrib => unreachable!("checked above"),
    }

    if let Some((provider, exporter)) = metrics {
        let _ = provider.shutdown(); // a last export
        eprintln!(
            "http-server: {} metric exports, {} metrics in the last",
            exporter.exports(),
            exporter.metrics()
        );
    }
    if let Some((guard, exporter)) = tracing {
        drop(guard); // flushes
        let spans = exporter.exported();
        eprintln!(
            "http-server: {spans} spans exported, {:.1} attributes per span",
            exporter.attributes() as f64 / spans.max(1) as f64
        );
    }
    Ok(())
}
