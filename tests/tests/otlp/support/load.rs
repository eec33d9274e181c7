//! A small HTTP/1.1 load generator (N keep-alive connections, one thread each, loopback only),
//! the sizes of a load run from the environment, and the memory of a process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one response may take before the connection is called hung (a safety bound).
const RESPONSE_LIMIT: Duration = Duration::from_secs(30);

/// A count from the environment variable `name`, or `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .filter(|&count| count > 0)
        .unwrap_or(default)
}

/// What a load run got back.
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    /// Requests sent.
    pub sent: usize,
    /// Responses with status 200.
    pub ok: usize,
    /// Other statuses and failed exchanges, with what happened (the first few).
    pub failed: usize,
    pub failures: Vec<String>,
    /// From the first request to the last response.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Requests answered per second.
    pub fn throughput(&self) -> f64 {
        self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends `requests` GETs of `path` to `address` over `connections` keep-alive connections,
/// stopping early when `limit` has passed. A connection that breaks is opened again.
pub fn drive(
    address: SocketAddr,
    path: &str,
    requests: usize,
    connections: usize,
    limit: Duration,
) -> LoadReport {
    let next = Arc::new(AtomicUsize::new(0));
    let report = Arc::new(Mutex::new(LoadReport::default()));
    let started = Instant::now();
    let deadline = started + limit;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: load\r\n\r\n");
    let threads: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let next = next.clone();
            let report = report.clone();
            let request = request.clone();
            std::thread::spawn(move || {
                let mut connection: Option<BufReader<TcpStream>> = None;
                while next.fetch_add(1, Ordering::Relaxed) < requests && Instant::now() < deadline {
                    let outcome = exchange(&mut connection, address, request.as_bytes());
                    let mut report = report.lock().expect("the report");
                    report.sent += 1;
                    match outcome {
                        Ok(200) => report.ok += 1,
                        other => {
                            report.failed += 1;
                            if report.failures.len() < 10 {
                                report.failures.push(format!("{other:?}"));
                            }
                            connection = None;
                        }
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a load thread");
    }
    let mut report = report.lock().expect("the report").clone();
    report.elapsed = started.elapsed();
    report
}

/// One request on `connection` (opened if needed); the response status.
fn exchange(
    connection: &mut Option<BufReader<TcpStream>>,
    address: SocketAddr,
    request: &[u8],
) -> Result<u16, String> {
    if connection.is_none() {
        let stream = TcpStream::connect(address).map_err(|error| format!("connect: {error}"))?;
        stream
            .set_read_timeout(Some(RESPONSE_LIMIT))
            .map_err(|error| error.to_string())?;
        let _ = stream.set_nodelay(true);
        *connection = Some(BufReader::new(stream));
    }
    let reader = connection.as_mut().ok_or("no connection")?;
    reader
        .get_mut()
        .write_all(request)
        .map_err(|error| format!("write: {error}"))?;
    let mut status = None;
    let mut length = 0usize;
    let mut close = false;
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|error| format!("read: {error}"))?;
        if read == 0 {
            return Err("the connection closed before the response ended".to_owned());
        }
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        if status.is_none() {
            status = text.split(' ').nth(1).and_then(|code| code.parse().ok());
            continue;
        }
        if let Some((name, value)) = text.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().map_err(|_| format!("bad length {value:?}"))?;
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close")
            {
                close = true;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(format!("unexpected transfer-encoding {value}"));
            }
        }
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|error| format!("body: {error}"))?;
    if close {
        *connection = None;
    }
    status.ok_or_else(|| "no status line".to_owned())
}

/// The resident memory of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The counts of the shutdown line `otel-runtime: warning: NAME: D of T spans dropped (queue
/// full: Q, export failed: F, at shutdown: S); E exported`, if the lines hold one.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DropLine {
    pub dropped: u64,
    pub total: u64,
    pub queue_full: u64,
    pub export_failed: u64,
    pub at_shutdown: u64,
    pub exported: u64,
}

impl DropLine {
    /// Finds and reads the line; `None` when nothing was dropped (no line is printed then).
    pub fn find(lines: &[String]) -> Option<Self> {
        let line = lines
            .iter()
            .find(|line| line.contains(" spans dropped (queue full: "))?;
        let numbers: Vec<u64> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|part| !part.is_empty())
            .filter_map(|part| part.parse().ok())
            .collect();
        // The endpoint's address and port come first; the six counts are the last numbers.
        let counts = numbers.get(numbers.len().checked_sub(6)?..)?;
        Some(Self {
            dropped: counts[0],
            total: counts[1],
            queue_full: counts[2],
            export_failed: counts[3],
            at_shutdown: counts[4],
            exported: counts[5],
        })
    }
}
