use otel_runtime::traced;

#[traced(nmae = "x")]
fn work() {}

fn main() {
    work();
}
