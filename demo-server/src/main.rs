//! `demo-server`: the server side of the HTTP integration example, traced with `#[traced]`.

use std::process::ExitCode;

use clap::Parser;
use demo_server::conformance::{AllowedTarget, Conformance};
use demo_server::http_url::{check_http_url, without_userinfo};

/// Serves `GET /`, which calls the upstream from a CLIENT span inside `parent`.
///
/// Exit status 2 for bad arguments.
#[derive(Parser, Debug)]
#[command(version, about, after_help = otel_runtime::config::ENVIRONMENT_HELP)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8082")]
    bind: String,
    /// URL of the outbound GET (http or https); by default a local stub serving /wiki/Rabbit
    /// is started. Printed without its user:password@ part.
    #[arg(long)]
    upstream: Option<String>,
    /// Also serve POST /verify-tracecontext, the test service of the W3C trace-context test
    /// suite. It POSTs to the URLs its callers list, so it is off by default, and its callbacks
    /// go only to loopback addresses unless --conformance-allow adds targets.
    #[arg(long)]
    conformance: bool,
    /// With --conformance: let callbacks also go to HOST:PORT (repeat for more targets).
    #[arg(long, value_name = "HOST:PORT", requires = "conformance")]
    conformance_allow: Vec<AllowedTarget>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(url) = &args.upstream {
        if let Err(problem) = check_http_url(url) {
            eprintln!(
                "demo-server: --upstream {:?}: {problem}",
                without_userinfo(url)
            );
            return ExitCode::from(2);
        }
    }
    let guard = otel_runtime::builder()
        .service_name("demo-server")
        .install();
    let guard = match guard {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("demo-server: cannot set tracing up: {error}");
            return ExitCode::from(2);
        }
    };
    let code = actix_rt::System::new().block_on(serve(args));
    drop(guard); // flushes the last spans
    code
}

async fn serve(args: Args) -> ExitCode {
    let mut stub = None;
    let upstream = match args.upstream {
        Some(url) => url,
        None => match demo_server::upstream::start() {
            Ok((server, address, _)) => {
                stub = Some(server.handle());
                actix_rt::spawn(server);
                format!("http://{address}/wiki/Rabbit")
            }
            Err(error) => {
                eprintln!("demo-server: cannot start the stub upstream: {error}");
                return ExitCode::from(2);
            }
        },
    };
    let printed_upstream = without_userinfo(&upstream).into_owned();
    let conformance = args
        .conformance
        .then(|| Conformance::new(args.conformance_allow));
    let (server, address) = match demo_server::start_with(&args.bind, upstream, conformance.clone())
    {
        Ok(started) => started,
        Err(error) => {
            eprintln!("demo-server: cannot listen on {}: {error}", args.bind);
            return ExitCode::from(2);
        }
    };
    eprintln!("demo-server: listening on http://{address}/ (upstream {printed_upstream})");
    if let Some(conformance) = &conformance {
        eprintln!(
            "demo-server: serving POST {} (callbacks to {})",
            demo_server::conformance::PATH,
            conformance.targets()
        );
        if let Some(warning) = conformance.exposure_warning(address) {
            eprintln!("demo-server: {warning}");
        }
    }
    let result = server.await;
    if let Some(stub) = stub {
        stub.stop(true).await;
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo-server: {error}");
            ExitCode::FAILURE
        }
    }
}
