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

/// Checks that `url` is an absolute `http` or `https` URL with a host, before anything starts.
fn check_upstream(url: &str) -> Result<(), String> {
    let uri: awc::http::Uri = url.parse().map_err(|error| format!("not a URL: {error}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(format!(
                "scheme {other:?} is not supported: use http or https"
            ))
        }
        None => return Err("not an absolute URL: give it as http://host:port/path".to_owned()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(url) = &args.upstream {
        if let Err(problem) = check_upstream(url) {
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

#[cfg(test)]
mod tests {
    use super::check_upstream;

    #[test]
    fn upstream_urls_are_checked_before_starting() {
        assert!(check_upstream("http://127.0.0.1:8080/wiki/Rabbit").is_ok());
        assert!(check_upstream("https://www.wikipedia.org/wiki/Rabbit").is_ok());
        assert!(check_upstream("not a url")
            .unwrap_err()
            .starts_with("not a URL"));
        assert!(check_upstream("ftp://127.0.0.1/")
            .unwrap_err()
            .contains("ftp"));
        assert!(check_upstream("/wiki/Rabbit")
            .unwrap_err()
            .contains("absolute"));
    }
}
