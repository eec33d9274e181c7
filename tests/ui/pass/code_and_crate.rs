mod telemetry {
    pub use otel_runtime::*;
}

#[otel_runtime::traced(code, crate = telemetry)]
fn work() {}

fn main() {
    work();
}
