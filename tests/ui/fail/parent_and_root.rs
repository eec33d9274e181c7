use opentelemetry::Context;
use otel_runtime::traced;

#[traced(parent = Context::new(), root)]
fn work() {}

#[traced(kind = server, parent = Context::new())]
async fn handler() -> &'static str {
    "hi"
}

fn main() {
    work();
    drop(handler());
}
