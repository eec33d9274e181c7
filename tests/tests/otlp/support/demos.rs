//! The real `demo-server` and `demo-client` binaries, run as child processes.
//!
//! `cargo test` builds only the test harness of a binary crate, not the binary itself, so the
//! binaries are built here once per test process with `cargo build` (a no-op when they are up
//! to date), into the target directory this test runs from.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

/// How long a demo process may take before the test calls it hung.
pub const HANG_LIMIT: Duration = Duration::from_secs(60);

/// The directory holding the binaries: the test executable is `<target>/<profile>/deps/<test>`.
fn binary_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its executable");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable is in <target>/<profile>/deps")
        .to_path_buf()
}

/// Builds the demo binaries (once per test process) and returns the path of `name`.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = binary_dir();
        let profile = dir
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("debug")
            .to_owned();
        let target_dir = dir.parent().expect("<target>/<profile>").to_path_buf();
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(cargo);
        command
            .arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target_dir)
            .args(["-p", "demo-server", "-p", "demo-client"]);
        match profile.as_str() {
            "debug" => {}
            "release" => {
                command.arg("--release");
            }
            other => {
                command.args(["--profile", other]);
            }
        }
        // Quiet unless it fails: its warnings are not this test's business.
        let output = command.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "building the demo binaries failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
    let path = binary_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// A command for the demo binary `name` with no `OTEL_*` variable nor `RUST_LOG` inherited from
/// the test's environment, and `env` set.
pub fn command(name: &str, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary(name));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command
}

/// Whether `line` is a log line of the `tracing` bridge (`2026-11-30T05:39:37.402329Z INFO  ...`),
/// such as actix-server's start lines, logged through `log` at `info`, not the program's own.
pub fn is_log_line(line: &str) -> bool {
    line.split(' ').next().is_some_and(|time| {
        time.len() == 27 && time.ends_with('Z') && time.as_bytes().get(10) == Some(&b'T')
    })
}

/// What a finished process printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` to completion, failing the test if it runs longer than `limit`.
pub fn run(mut command: Command, limit: Duration) -> Finished {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo binary starts");
    let pid = child.id();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    match done_rx.recv_timeout(limit) {
        Ok(output) => {
            let output = output.expect("the demo binary's output is read");
            Finished {
                status: output.status,
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
        }
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{command:?} did not exit within {limit:?}: it hangs");
        }
    }
}

/// A running `demo-server`.
pub struct Server {
    child: Child,
    /// Its base URL, e.g. `http://127.0.0.1:41234/`.
    pub url: String,
    stderr: mpsc::Receiver<String>,
    /// Lines of stderr already read by [`Server::wait_for_stderr`].
    seen: Vec<String>,
}

impl Server {
    /// Starts `demo-server --bind 127.0.0.1:0` with `env` and waits for its address.
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::start_with_args(env, &[])
    }

    /// [`Server::start`] with more arguments, e.g. `--conformance`.
    pub fn start_with_args(env: &[(&str, &str)], args: &[&str]) -> Self {
        let mut child = command("demo-server", env)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("demo-server starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + HANG_LIMIT;
        let mut seen = Vec::new();
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    // demo-server: listening on http://127.0.0.1:PORT/ (upstream ...)
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let url = rest.split_whitespace().next().unwrap_or_default();
                        break url.to_owned();
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("demo-server did not report its address; stderr: {seen:#?}");
                }
            }
        };
        Self {
            child,
            url,
            stderr: lines_rx,
            seen: Vec::new(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The address it listens on.
    pub fn address(&self) -> std::net::SocketAddr {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the server reports a socket address")
    }

    /// Waits (at most `limit`) for a line of stderr that `wanted` accepts; `false` if none came.
    pub fn wait_for_stderr(&mut self, wanted: impl Fn(&str) -> bool, limit: Duration) -> bool {
        if self.seen.iter().any(|line| wanted(line)) {
            return true;
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = wanted(&line);
                    self.seen.push(line);
                    if found {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// Sends SIGINT (the server flushes its spans and exits) and waits for it to exit.
    pub fn interrupt(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGINT could not be sent to demo-server");
        let deadline = Instant::now() + HANG_LIMIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the server can be waited for") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("demo-server did not exit within {HANG_LIMIT:?} of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread ends when the pipe closes, after the last line.
        let mut rest = std::mem::take(&mut self.seen);
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
            rest.push(line);
        }
        (status, rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only if a test failed before interrupting it.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs the whole demo once: demo-server with `server_env`, demo-client against it with
/// `client_env`, then SIGINT to the server. Asserts that both exit successfully and that
/// neither prints anything from otel-runtime (the configuration is valid and every export
/// succeeded); returns demo-server's standard error.
pub fn run_demo_cleanly(server_env: &[(&str, &str)], client_env: &[(&str, &str)]) -> Vec<String> {
    let server = Server::start(server_env);
    let mut client = command("demo-client", client_env);
    client.args(["--url", &server.url]);
    let client = run(client, HANG_LIMIT);
    assert!(
        client.status.success(),
        "demo-client failed: {}",
        client.stderr
    );
    let (status, server_stderr) = server.interrupt();
    assert!(
        status.success(),
        "demo-server exits cleanly on SIGINT: {status}"
    );
    assert!(
        !client.stderr.contains("otel-runtime: warning"),
        "{}",
        client.stderr
    );
    assert!(
        !server_stderr
            .iter()
            .any(|line| line.contains("otel-runtime")),
        "{server_stderr:#?}"
    );
    server_stderr
}
