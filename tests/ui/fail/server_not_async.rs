use otel_runtime::traced;

#[traced(kind = server)]
fn handler() -> &'static str {
    "hello"
}

fn main() {
    handler();
}
