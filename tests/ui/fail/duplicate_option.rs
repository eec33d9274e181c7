use otel_runtime::traced;

#[traced(name = "a", name = "b")]
fn work() {}

fn main() {
    work();
}
