//! `demo-client`: the client side of the HTTP integration example, traced with `#[traced]`.

use std::process::ExitCode;

use clap::Parser;

/// Sends one traced GET to the demo server and prints its span.
#[derive(Parser, Debug)]
#[command(version, about, after_help = otel_runtime::config::ENVIRONMENT_HELP)]
struct Args {
    /// The URL to GET (http or https). Exit status: 0 on a 2xx answer, 1 if the request fails
    /// or the answer is not 2xx, 2 for bad arguments.
    #[arg(long, default_value = "http://127.0.0.1:8082/")]
    url: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let url = demo_client::without_userinfo(&args.url).into_owned();
    if let Err(problem) = demo_client::check_url(&args.url) {
        eprintln!("demo-client: --url {url:?}: {problem}");
        return ExitCode::from(2);
    }
    let guard = match otel_runtime::builder()
        .service_name("demo-client")
        .install()
    {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("demo-client: cannot set tracing up: {error}");
            return ExitCode::from(2);
        }
    };
    let result = actix_rt::System::new().block_on(demo_client::fetch(&args.url));
    drop(guard); // flushes the client span
    match result {
        Ok(body) => {
            // One line per answer, whatever the server sent: its own final newline is dropped
            // and anything else that is not printable text is escaped.
            let body = body.strip_suffix('\n').unwrap_or(&body);
            eprintln!("demo-client: {url}: {}", demo_client::printable(body));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("demo-client: GET {url} failed: {error}");
            ExitCode::FAILURE
        }
    }
}
