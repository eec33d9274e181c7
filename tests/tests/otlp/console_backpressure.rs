//! A console nobody reads (demo-server's stdout into a pipe that is never drained) must not stop
//! the server: spans are written by the console's own worker thread, what does not fit in its
//! queue is dropped and counted, and shutdown gives up on the stuck write at its deadline.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::demos::{command, HANG_LIMIT};
use crate::support::load::DropLine;

/// Requests sent while stdout is stuck; each makes three spans on the server.
const REQUESTS: usize = 300;

#[test]
fn a_stuck_stdout_drops_spans_instead_of_blocking_requests() {
    let _shared = crate::support::shared();
    // A small queue, so that the stuck console overflows it within the test's requests.
    let mut server = command(
        "demo-server",
        &[
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64"),
        ],
    )
    .args(["--bind", "127.0.0.1:0"])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("demo-server starts");
    // Held open and never read: the pipe fills after ~64 KiB of span lines.
    let _stuck_stdout = server.stdout.take().expect("stdout is piped");
    let stderr = server.stderr.take().expect("stderr is piped");
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr_lines = Vec::new();
    let address = loop {
        let line = lines
            .recv_timeout(HANG_LIMIT)
            .expect("demo-server reports its address");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split('/').next().unwrap_or_default().to_owned();
        }
        stderr_lines.push(line);
    };

    let answered = actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(10))
            .finish();
        let mut answered = 0;
        for _ in 0..REQUESTS {
            let response = client.get(format!("http://{address}/")).send().await;
            if response.is_ok_and(|response| response.status().is_success()) {
                answered += 1;
            }
        }
        answered
    });

    let terminated = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(terminated.success());
    let sent_at = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().expect("the server can be waited for") {
            break status;
        }
        if sent_at.elapsed() > HANG_LIMIT {
            let _ = server.kill();
            panic!("demo-server still running {HANG_LIMIT:?} after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        stderr_lines.push(line);
    }

    assert_eq!(
        answered, REQUESTS,
        "every request answered while stdout is stuck"
    );
    assert!(
        status.success(),
        "clean exit on SIGTERM: {status:?}; stderr: {stderr_lines:#?}"
    );
    let drops = DropLine::find(&stderr_lines).unwrap_or_else(|| {
        panic!("a shutdown line counting the dropped spans; stderr: {stderr_lines:#?}")
    });
    assert!(drops.dropped > 0, "{drops:?}");
    assert!(
        stderr_lines
            .iter()
            .any(|line| line.starts_with("otel-runtime: warning: console output: ")),
        "the drops are the console's: {stderr_lines:#?}"
    );
}
