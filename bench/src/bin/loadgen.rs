//! A small HTTP/1.1 load generator for the HTTP comparison: a fixed number of keep-alive
//! connections to one loopback address, each sending `GET PATH` and reading the whole response
//! before the next, for a fixed duration, on one thread (pin it to its own core with taskset).
//!
//! ```text
//! loadgen --url http://127.0.0.1:8080/ [--connections 64] [--duration 5] [--warmup 1]
//! loadgen --url http://127.0.0.1:8080/ --requests 20000 [--connections 4]
//! ```
//!
//! With `--requests N` it stops after N responses in all (no warm-up), for runs whose cost is
//! counted rather than timed (bench/http-callgrind.sh).
//!
//! Prints `requests=N seconds=S rps=R errors=E non2xx=F`. Only loopback addresses are accepted.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

struct Options {
    address: SocketAddr,
    path: String,
    connections: usize,
    duration: Duration,
    warmup: Duration,
    requests: Option<u64>,
}

fn usage(problem: &str) -> ! {
    eprintln!("loadgen: {problem}");
    eprintln!(
        "usage: loadgen --url http://127.0.0.1:PORT/PATH [--connections N] [--duration SECONDS] [--warmup SECONDS]"
    );
    std::process::exit(2);
}

fn parse_options() -> Options {
    let mut url = None;
    let mut connections = 64;
    let mut duration = 5.0;
    let mut warmup = 1.0;
    let mut requests = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--url" => url = Some(value()),
            "--connections" => {
                connections = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--connections needs a number"));
            }
            "--duration" => {
                duration = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--duration needs seconds"));
            }
            "--warmup" => {
                warmup = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--warmup needs seconds"));
            }
            "--requests" => {
                requests = Some(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--requests needs a number")),
                );
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let url = url.unwrap_or_else(|| usage("--url is required"));
    if requests.is_some() {
        warmup = 0.0;
        duration = 600.0;
    }
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| usage("the URL must start with http://"));
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let address: SocketAddr = authority
        .parse()
        .unwrap_or_else(|_| usage("the URL's host must be an IP address and port"));
    if !address.ip().is_loopback() {
        usage("only loopback addresses are accepted");
    }
    if !(0.0..=600.0).contains(&duration) || !(0.0..=60.0).contains(&warmup) || connections == 0 {
        usage("--duration must be 0..=600 s, --warmup 0..=60 s, --connections at least 1");
    }
    Options {
        address,
        path: path.to_owned(),
        connections,
        duration: Duration::from_secs_f64(duration),
        warmup: Duration::from_secs_f64(warmup),
        requests,
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    requests: u64,
    errors: u64,
    non_2xx: u64,
}

/// Where a response ends in `buffer`, if it is all there: headers, then Content-Length bytes.
fn response_length(buffer: &[u8]) -> Option<Result<(usize, bool), ()>> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = &buffer[..head_end];
    let ok = head.get(9) == Some(&b'2');
    let mut length = None;
    for line in head.split(|&b| b == b'\n') {
        if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
            length = std::str::from_utf8(&line[15..])
                .ok()
                .and_then(|value| value.trim().parse::<usize>().ok());
        }
    }
    let Some(length) = length else {
        return Some(Err(())); // chunked or close-delimited: not what the servers here send
    };
    (buffer.len() >= head_end + length).then_some(Ok((head_end + length, ok)))
}

/// Requests still to send when the run is bounded by `--requests`.
static REMAINING: AtomicU64 = AtomicU64::new(u64::MAX);

async fn connection(
    options: &Options,
    request: &[u8],
    start_at: Instant,
    end_at: Instant,
) -> Counts {
    let mut counts = Counts::default();
    let Ok(mut stream) = TcpStream::connect(options.address).await else {
        counts.errors += 1;
        return counts;
    };
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0_u8; 4096];
    loop {
        let now = Instant::now();
        if now >= end_at {
            return counts;
        }
        let claimed = REMAINING.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(1)
        });
        if claimed.is_err() {
            return counts;
        }
        if stream.write_all(request).await.is_err() {
            counts.errors += 1;
            return counts;
        }
        buffer.clear();
        let ok = loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => {
                    counts.errors += 1;
                    return counts;
                }
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
            match response_length(&buffer) {
                None => {}
                Some(Ok((_, ok))) => break ok,
                Some(Err(())) => {
                    counts.errors += 1;
                    return counts;
                }
            }
        };
        if now >= start_at {
            counts.requests += 1;
            if !ok {
                counts.non_2xx += 1;
            }
        }
    }
}

fn main() {
    let options = parse_options();
    if let Some(requests) = options.requests {
        REMAINING.store(requests, Ordering::Relaxed);
    }
    let started = Instant::now();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: loadgen\r\n\r\n",
        options.path, options.address
    )
    .into_bytes();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let options = std::sync::Arc::new(options);
    let request: std::sync::Arc<[u8]> = request.into();
    let counts = runtime.block_on(async {
        let start_at = Instant::now() + options.warmup;
        let end_at = start_at + options.duration;
        let tasks: Vec<_> = (0..options.connections)
            .map(|_| {
                let options = std::sync::Arc::clone(&options);
                let request = std::sync::Arc::clone(&request);
                tokio::spawn(async move { connection(&options, &request, start_at, end_at).await })
            })
            .collect();
        let mut counts = Vec::with_capacity(tasks.len());
        for task in tasks {
            counts.push(task.await.unwrap_or(Counts {
                errors: 1,
                ..Counts::default()
            }));
        }
        counts
    });
    let total = counts.iter().fold(Counts::default(), |all, c| Counts {
        requests: all.requests + c.requests,
        errors: all.errors + c.errors,
        non_2xx: all.non_2xx + c.non_2xx,
    });
    let seconds = match options.requests {
        Some(_) => started.elapsed().as_secs_f64(),
        None => options.duration.as_secs_f64(),
    };
    println!(
        "requests={} seconds={seconds:.3} rps={:.0} errors={} non2xx={}",
        total.requests,
        total.requests as f64 / seconds,
        total.errors,
        total.non_2xx
    );
}
