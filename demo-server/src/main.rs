//! `demo-server`: the server side of the HTTP integration example, traced with `#[traced]`.

use std::process::ExitCode;

use clap::Parser;

/// Serves `GET /`, which calls the upstream from a CLIENT span inside `parent`.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8082")]
    bind: String,
    /// URL of the outbound GET (http or https); by default a local stub serving /wiki/Rabbit
    /// is started. Exit status 2 for bad arguments.
    #[arg(long)]
    upstream: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(url) = &args.upstream {
        if let Err(problem) = demo_server::check_http_url(url) {
            eprintln!("demo-server: --upstream {url:?}: {problem}");
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
    let (server, address) = match demo_server::start(&args.bind, upstream.clone()) {
        Ok(started) => started,
        Err(error) => {
            eprintln!("demo-server: cannot listen on {}: {error}", args.bind);
            return ExitCode::from(2);
        }
    };
    eprintln!("demo-server: listening on http://{address}/ (upstream {upstream})");
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
